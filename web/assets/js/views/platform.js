// The platform admin's page (`#/platform`): logging in without a municipality, and creating a
// municipality and inviting its first admin by e-mail. The country's currency, zone and languages are chosen
// for the admin, who can change them before creating.

import { account, api, login, logout } from "../api.js";
import { announce, h, show } from "../dom.js";
import { t } from "../i18n.js";
import { apiForm, field, href, showFormError } from "../ui.js";
import { countries, currencyField, languagesFields, nameFields, timeZoneField } from "./staff/choices.js";
import { forgotLink, resetNotice } from "./recovery.js";

const isPlatformAdmin = () => account()?.role === "platform_admin";

export async function platformPage(context) {
  if (isPlatformAdmin()) await createPage(context);
  else loginPage(context);
}

function loginPage(context) {
  const fields = {
    login: field({ label: t("register.email"), name: "login", type: "email", required: true, attrs: { autocomplete: "username" } }),
    password: field({ label: t("register.password"), name: "password", type: "password", required: true, attrs: { autocomplete: "current-password" } }),
  };
  // The platform admin belongs to no municipality: the login sends none.
  const form = apiForm(fields, t("account.login"), async () => {
    await login(null, fields.login.input.value.trim(), fields.password.input.value);
    if (!isPlatformAdmin()) {
      await logout();
      throw Object.assign(new Error(t("error.not_platform_admin")), { code: "not_platform_admin" });
    }
    await platformPage(context);
  });
  show(h("h1", {}, t("platform.login_title")), resetNotice(), form, forgotLink(null));
}

async function createPage(context) {
  const served = await countries();
  if (context.isCurrent && !context.isCurrent()) return;
  const country = field({
    label: t("platform.country"), name: "country", required: true, value: "TR",
    options: Object.keys(served).map((code) => [code, t(`country.${code}`)]),
  });
  const slug = field({ label: t("platform.slug"), name: "slug", required: true, hint: t("platform.slug_hint"), attrs: { autocomplete: "off", spellcheck: "false", pattern: "[a-z0-9-]{2,63}" } });
  const admin = {
    "admin.email": field({ label: t("register.email"), name: "admin.email", type: "email", required: true, attrs: { autocomplete: "off" } }),
    "admin.display_name": field({ label: t("accounts.display_name"), name: "admin.display_name", required: true }),
  };
  const settingsBox = h("div", {});
  let settings = null;
  const choose = () => {
    settings = countryFields(served[country.input.value], served);
    settingsBox.replaceChildren(...Object.values(settings.fields).map((f) => f.wrap));
  };
  country.input.addEventListener("change", choose);
  choose();
  const alertBox = h("div", { tabindex: "-1" });
  const result = h("div", { tabindex: "-1" });
  const submit = h("button", { type: "submit" }, t("platform.create"));
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const all = { country, slug, ...settings.fields, ...settings.fields.names.fields(), ...admin };
    try {
      const created = await api("POST", "/municipalities", { auth: true, body: {
        slug: slug.input.value.trim(), country: country.input.value, ...settings.body(),
        admin: {
          email: admin["admin.email"].input.value.trim(),
          display_name: admin["admin.display_name"].input.value.trim(),
        },
      } });
      Object.values(all).forEach((f) => f.setError?.(""));
      alertBox.replaceChildren();
      const citySlug = created.municipality.slug;
      result.replaceChildren(h("p", { class: "success", role: "status" },
        t("platform.invited", { name: created.municipality.name, email: created.admin.email ?? "" }), " ",
        h("a", { href: href(citySlug, "login") }, t("platform.admin_login"))));
      result.focus();
      announce(t("platform.invited", { name: created.municipality.name, email: created.admin.email ?? "" }));
    } catch (error) {
      showFormError(error, all, alertBox);
    } finally {
      submit.disabled = false;
    }
  } },
  alertBox,
  h("h2", {}, t("platform.municipality")), country.wrap, slug.wrap, settingsBox,
  h("h2", {}, t("platform.first_admin")), h("p", { class: "hint" }, t("platform.invite_hint")), Object.values(admin).map((f) => f.wrap),
  h("div", { class: "actions" }, submit));
  show(
    h("h1", {}, t("platform.title")),
    h("p", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: async () => { await logout(); await platformPage(context); } }, t("account.logout"))),
    result, form);
}

/** The country's settings fields, pre-filled with its defaults, and the body they make. */
function countryFields(defaults, served) {
  const names = nameFields(t("settings.name"), defaults.languages, {}, defaults.default_language);
  const picked = languagesFields(defaults.languages, defaults.default_language, (languages) => names.setLanguages(languages));
  const fields = {
    names, languages: picked.languages, default_language: picked.default_language,
    currency: currencyField(defaults.currency, served), time_zone: timeZoneField(defaults.time_zone, served),
  };
  const body = () => ({
    names: names.values(), languages: picked.chosen(), default_language: picked.default_language.input.value,
    currency: fields.currency.input.value, time_zone: fields.time_zone.input.value,
  });
  return { fields, body };
}
