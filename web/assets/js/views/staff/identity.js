// Municipality admins: how residents prove who they are — the verification methods the city
// offers (docs/identity-verification.md) and its OpenID Connect identity provider
// (docs/identity.md). The provider's client secret is write-only: the page never holds it
// after saving, it only says whether one is set.

import { api } from "../../api.js";
import { forgetMunicipality } from "../../app.js";
import { announce, h, nextId, show } from "../../dom.js";
import { t } from "../../i18n.js";
import { changeAndReload, confirmAction, errorBox, field, href, showFormError } from "../../ui.js";
import { nameFields } from "./choices.js";

const METHODS = ["open", "review", "roll", "provider", "email_code", "letter_code"];

const base = (city) => `/municipalities/${encodeURIComponent(city.slug)}`;

export async function identityPage({ city, isCurrent }) {
  const [settings, provider] = await Promise.all([
    api("GET", `${base(city)}/settings`, { auth: true }),
    api("GET", `${base(city)}/identity-provider`, { auth: true }).catch((error) => {
      if (error.code === "no_identity_provider") return null;
      throw error;
    }),
  ]);
  if (!isCurrent()) return;
  const reload = () => identityPage({ city, isCurrent });
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("identity.title")),
    h("h2", {}, t("identity.methods")),
    methodsForm(city, settings),
    h("h2", {}, t("identity.provider")),
    providerForm(city, settings, provider, reload),
  );
}

/** A checkbox per method, each with what it proves. */
function methodsForm(city, settings) {
  const offered = new Set(settings.verification_methods ?? []);
  const boxes = METHODS.map((method) => {
    const id = nextId("method");
    const box = h("input", { type: "checkbox", id, name: "verification_methods", value: method, checked: offered.has(method), "aria-describedby": `${id}-hint` });
    return [box, h("div", { class: "check" }, box, h("label", { for: id }, ` ${t(`verification.method.${method}`)}`),
      h("p", { id: `${id}-hint`, class: "hint" }, t(`identity.proves.${method}`)))];
  });
  const alertBox = h("div", { tabindex: "-1" });
  // The methods' own error (none chosen, say) is shown in the group, tied to its legend.
  const groupError = h("p", { class: "field-error", role: "alert", hidden: true });
  const group = { input: boxes[0][0], setError: (text) => { groupError.textContent = text || ""; groupError.hidden = !text; }, setOk: () => {} };
  return h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const chosen = boxes.filter(([box]) => box.checked).map(([box]) => box.value);
    try {
      const saved = await api("PATCH", `${base(city)}/settings`, { auth: true, body: { verification_methods: chosen } });
      forgetMunicipality(city.slug);
      Object.assign(city, { verification_methods: saved.verification_methods });
      alertBox.replaceChildren(h("p", { class: "success", role: "status" }, t("identity.methods_saved")));
      alertBox.focus();
    } catch (error) {
      showFormError(error, { verification_methods: group }, alertBox);
    }
  } },
  alertBox,
  h("fieldset", {}, h("legend", {}, t("identity.methods_legend")), groupError, boxes.map(([, wrap]) => wrap)),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("identity.save_methods"))));
}

/** The provider's settings; the secret field starts empty and is sent only when typed. */
function providerForm(city, settings, provider, reload) {
  const text = (name, label, value, extra = {}) => field({ label, name, value: value ?? "", ...extra });
  const fields = {
    issuer_url: text("issuer_url", t("identity.issuer_url"), provider?.issuer_url, { type: "url", required: true, hint: t("identity.issuer_url_hint") }),
    client_id: text("client_id", t("identity.client_id"), provider?.client_id, { required: true }),
    client_secret: field({
      label: t("identity.client_secret"), name: "client_secret", type: "password", required: !provider?.client_secret_set,
      hint: provider?.client_secret_set ? t("identity.secret_keep") : t("identity.secret_hint"), attrs: { autocomplete: "off" },
    }),
    national_id_claim: text("national_id_claim", t("identity.national_id_claim"), provider?.national_id_claim, { required: true, hint: t("identity.national_id_claim_hint") }),
    birth_date_claim: text("birth_date_claim", t("identity.birth_date_claim"), provider?.birth_date_claim, { hint: t("identity.birth_date_claim_hint") }),
    name_claim: text("name_claim", t("identity.name_claim"), provider?.name_claim, { hint: t("identity.name_claim_hint") }),
    scopes: text("scopes", t("identity.scopes"), (provider?.scopes ?? []).join(" "), { hint: t("identity.scopes_hint") }),
  };
  const languages = settings.languages?.length ? settings.languages : city.languages;
  const labels = nameFields(t("identity.button_label"), languages, provider?.button_labels ?? {}, settings.default_language ?? city.default_language);
  // The server names label errors `button_labels.<language>`; the fields call them `names.<language>`.
  const labelFields = Object.fromEntries(Object.entries(labels.fields()).map(([k, f]) => [k.replace(/^names\./, "button_labels."), f]));
  const alertBox = h("div", { tabindex: "-1" });
  const optional = (name) => fields[name].input.value.trim() || null;
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const body = {
      issuer_url: fields.issuer_url.input.value.trim(),
      client_id: fields.client_id.input.value.trim(),
      national_id_claim: fields.national_id_claim.input.value.trim(),
      birth_date_claim: optional("birth_date_claim"),
      name_claim: optional("name_claim"),
      scopes: fields.scopes.input.value.split(/[\s,]+/).filter(Boolean),
      button_labels: labels.values(),
    };
    // Left empty, the stored secret stays.
    if (fields.client_secret.input.value) body.client_secret = fields.client_secret.input.value;
    try {
      await changeAndReload(() => api("PUT", `${base(city)}/identity-provider`, { auth: true, body }), reload);
      announce(t("identity.provider_saved"));
    } catch (error) {
      fields.client_secret.input.value = "";
      showFormError(error, { ...fields, button_labels: labels, ...labelFields }, alertBox);
    }
  } },
  alertBox, Object.values(fields).map((f) => f.wrap), labels.wrap,
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("identity.save_provider"))));
  if (!provider) return [h("p", {}, t("identity.no_provider")), form];
  const remove = async () => {
    if (!(await confirmAction(t("identity.confirm_remove"), t("identity.remove")))) return;
    try {
      await changeAndReload(() => api("DELETE", `${base(city)}/identity-provider`, { auth: true }), reload);
      announce(t("identity.removed"));
    } catch (error) {
      alertBox.replaceChildren(errorBox(error));
      alertBox.focus();
    }
  };
  return [
    h("p", {}, t("identity.redirect_uri")),
    h("p", {}, h("code", { class: "redirect-uri" }, provider.redirect_uri)),
    h("p", { class: "status-line" }, provider.client_secret_set ? t("identity.secret_set") : t("identity.secret_missing")),
    form,
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: remove }, t("identity.remove"))),
  ];
}
