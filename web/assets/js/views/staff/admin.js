// Municipality admins: settings, districts and staff accounts.

import { api } from "../../api.js";
import { forgetMunicipality } from "../../app.js";
import { announce, h, show } from "../../dom.js";
import { pick, t } from "../../i18n.js";
import { changeAndReload, confirmAction, errorBox, field, href, showFormError, STAFF_ROLES } from "../../ui.js";
import { countries, currencyField, languagesFields, nameFields, timeZoneField } from "./choices.js";

const back = (city) => h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title")));
const base = (city) => `/municipalities/${encodeURIComponent(city.slug)}`;

const CHOICES = {
  national_id_scheme: ["tr_tckn", "kz_iin", "kg_pin", "uz_pinfl", "az_fin", "hu_tax_id", "generic"],
  check_digit_policy: ["enforce", "warn"],
  registration_policy: ["open", "review", "roll"],
  revote_policy: ["until_close", "final"],
};

export async function settingsPage({ city, isCurrent }) {
  const [settings, served] = await Promise.all([api("GET", `${base(city)}/settings`, { auth: true }), countries()]);
  if (!isCurrent()) return;
  const enabled = settings.languages ?? [];
  const names = nameFields(t("settings.name"), enabled, settings.names ?? city.names, settings.default_language);
  const picked = languagesFields(enabled, settings.default_language, (languages) => names.setLanguages(languages));
  const fields = {
    names,
    languages: picked.languages,
    default_language: picked.default_language,
    currency: currencyField(settings.currency, served),
    time_zone: timeZoneField(settings.time_zone, served),
    min_voting_age: field({ label: t("settings.min_voting_age"), name: "min_voting_age", type: "number", required: true, value: settings.min_voting_age, attrs: { min: 0, max: 30 } }),
    max_proposals_per_resident: field({ label: t("settings.max_proposals"), name: "max_proposals_per_resident", type: "number", required: true, value: settings.max_proposals_per_resident, attrs: { min: 0 } }),
  };
  for (const [name, values] of Object.entries(CHOICES)) {
    fields[name] = field({ label: t(`settings.${name}`), name, required: true, value: settings[name], options: values.map((v) => [v, t(`settings.value.${v}`)]) });
  }
  const alertBox = h("div", { tabindex: "-1" });
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const value = (name) => fields[name].input.value.trim();
    const body = {
      names: names.values(),
      languages: picked.chosen(),
      default_language: value("default_language"),
      currency: value("currency"),
      time_zone: value("time_zone"),
      min_voting_age: Number(value("min_voting_age")),
      max_proposals_per_resident: Number(value("max_proposals_per_resident")),
    };
    for (const name of Object.keys(CHOICES)) body[name] = value(name);
    try {
      const saved = await api("PATCH", `${base(city)}/settings`, { auth: true, body });
      // The pages read the city's languages and names from the cached public settings.
      forgetMunicipality(city.slug);
      Object.assign(city, saved);
      alertBox.replaceChildren(h("p", { class: "success", role: "status" }, t("settings.saved")));
      alertBox.focus();
    } catch (error) {
      showFormError(error, { ...fields, ...names.fields() }, alertBox);
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, h("button", { type: "submit" }, t("settings.save"))));
  show(back(city), h("h1", {}, t("staff.settings")), form);
}

export async function districtsPage({ city, isCurrent }) {
  const districts = await api("GET", `${base(city)}/districts`, { auth: true });
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const reload = () => districtsPage({ city, isCurrent });
  const fail = (error) => {
    messages.replaceChildren(errorBox(error));
    messages.focus();
  };
  // A district is named in every language the city publishes in.
  const name = nameFields(t("districts.name"), city.languages, {}, city.default_language);
  const add = h("form", { class: "inline-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      await changeAndReload(() => api("POST", `${base(city)}/districts`, { auth: true, body: { names: name.values() } }), reload);
      announce(t("districts.added"));
    } catch (error) {
      showFormError(error, { names: name, ...name.fields() }, messages);
    }
  } }, name.wrap, h("button", { type: "submit" }, t("districts.add")));
  show(back(city), h("h1", {}, t("staff.districts")), messages,
    districts.length ? h("ul", { class: "cards" }, districts.map((d) => {
      const rename = nameFields(t("districts.rename", { name: pick(d.names, city.default_language) }), city.languages, d.names, city.default_language);
      return h("li", { class: "card" },
        h("form", { novalidate: true, onsubmit: async (event) => {
          event.preventDefault();
          try {
            await changeAndReload(() => api("PATCH", `${base(city)}/districts/${d.id}`, { auth: true, body: { names: { ...d.names, ...rename.values() } } }), reload);
            announce(t("districts.saved"));
          } catch (error) {
            fail(error);
          }
        } }, rename.wrap, h("div", { class: "actions" },
          h("button", { type: "submit" }, t("districts.save")),
          h("button", { type: "button", class: "secondary", onclick: async () => {
            if (!(await confirmAction(t("districts.confirm_delete", { name: pick(d.names, city.default_language) }), t("districts.delete")))) return;
            try {
              await changeAndReload(() => api("DELETE", `${base(city)}/districts/${d.id}`, { auth: true }), reload);
            } catch (error) {
              fail(error);
            }
          } }, t("districts.delete")))));
    })) : h("p", {}, t("districts.none")),
    h("h2", {}, t("districts.add")), add);
}

export async function accountsPage({ city, isCurrent }) {
  const staff = await api("GET", `${base(city)}/staff`, { auth: true });
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const reload = () => accountsPage({ city, isCurrent });
  const roleOptions = STAFF_ROLES.map((r) => [r, t(`role.${r}`)]);
  const fields = {
    email: field({ label: t("register.email"), name: "email", type: "email", required: true }),
    display_name: field({ label: t("accounts.display_name"), name: "display_name", required: true }),
    role: field({ label: t("accounts.role"), name: "role", required: true, value: "official", options: roleOptions }),
  };
  // No password: the invitee sets their own through the e-mailed link, so no admin knows it.
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.input.value.trim()]));
    try {
      await changeAndReload(() => api("POST", `${base(city)}/staff`, { auth: true, body }), reload);
      announce(t("accounts.invited", { email: body.email }));
    } catch (error) {
      showFormError(error, fields, messages);
    }
  } }, h("p", { class: "hint" }, t("accounts.invite_hint")), Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, h("button", { type: "submit" }, t("accounts.invite"))));
  show(back(city), h("h1", {}, t("staff.accounts")), messages,
    h("ul", { class: "cards" }, staff.map((a) => accountCard(city, a, roleOptions, reload, messages))),
    h("h2", {}, t("accounts.invite")), form);
}

/** One staff account with its role and status, changed in place. */
function accountCard(city, a, roleOptions, reload, messages) {
  const role = field({ label: t("accounts.role_of", { name: a.display_name }), name: "role", required: true, value: a.role, options: roleOptions });
  const status = field({
    label: t("accounts.status_of", { name: a.display_name }), name: "status", required: true, value: a.status,
    // An invited account stays invited until its holder accepts; the admin may only disable it.
    options: (a.status === "invited" ? ["invited", "disabled"] : ["active", "disabled"]).map((v) => [v, t(`accounts.status.${v}`)]),
  });
  const save = async () => {
    const body = { role: role.input.value };
    if (status.input.value !== a.status) body.status = status.input.value;
    try {
      await changeAndReload(() => api("PATCH", `${base(city)}/staff/${a.id}`, { auth: true, body }), reload);
      announce(t("accounts.saved", { name: a.display_name }));
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    }
  };
  return h("li", { class: "card" },
    h("h2", {}, a.display_name),
    h("p", {}, a.email ?? ""),
    a.status === "invited" ? h("p", { class: "muted" }, t("accounts.invitation_pending")) : null,
    role.wrap, status.wrap,
    h("p", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: save }, t("accounts.save", { name: a.display_name })),
      a.status === "invited" ? resendButton(city, a, messages) : null));
}

/** Sends an invited account a new link (the earlier one stops working); the page stays as it is. */
function resendButton(city, a, messages) {
  const button = h("button", { type: "button", class: "secondary" }, t("accounts.resend", { name: a.display_name }));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `${base(city)}/staff/${a.id}/invitation`, { auth: true });
      messages.replaceChildren(h("p", { class: "success", role: "status" }, t("accounts.invitation_resent", { email: a.email ?? a.display_name })));
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
