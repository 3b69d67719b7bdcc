// Registering as a resident (the ID checked as it is typed, with the municipality's scheme)
// and logging in with the national ID or e-mail.

import { api, login } from "../api.js";
import { h, show, announce } from "../dom.js";
import { pick, t } from "../i18n.js";
import { checkNationalId, isPlausiblePrefix } from "../national_ids.js";
import { writeStored } from "../storage.js";
import { apiForm, errorBox, field, href, isStaff } from "../ui.js";
import { hashParam, providerSignIn } from "./provider.js";
import { forgotLink, resetNotice } from "./recovery.js";

/** Live feedback on the ID field: quiet while the prefix can still become valid. */
function watchNationalId(city, idField, birthField) {
  const check = (final) => {
    const value = idField.input.value;
    if (!value.trim()) {
      idField.setError("");
      return;
    }
    const result = checkNationalId(city.national_id_scheme, value, city.check_digit_policy);
    if (result.ok) {
      idField.setOk(result.warning ? t(`error.${result.warning}`) : t("register.id_ok"));
      if (result.birthDate && !birthField.input.value) birthField.input.value = result.birthDate;
    } else if (!final && isPlausiblePrefix(city.national_id_scheme, value)) {
      idField.setError("");
    } else {
      idField.setError(t(`error.${result.code}`));
    }
  };
  idField.input.addEventListener("input", () => check(false));
  idField.input.addEventListener("blur", () => check(true));
}

export async function registerPage({ city, isCurrent }) {
  const districts = await api("GET", `/municipalities/${encodeURIComponent(city.slug)}/districts`);
  if (!isCurrent()) return;
  const scheme = city.national_id_scheme;
  const fields = {
    national_id: field({ label: t("register.national_id"), name: "national_id", required: true, hint: t(`scheme.${scheme}`), attrs: { autocomplete: "off", inputmode: scheme === "az_fin" || scheme === "generic" ? "text" : "numeric", spellcheck: "false" } }),
    full_name: field({ label: t("register.full_name"), name: "full_name", required: true, attrs: { autocomplete: "name" } }),
    birth_date: field({ label: t("register.birth_date"), name: "birth_date", type: "date", required: true, attrs: { autocomplete: "bday" } }),
    district_id: districts.length
      ? field({ label: t("register.district"), name: "district_id", required: true, options: [["", t("register.choose_district")], ...districts.map((d) => [d.id, pick(d.names, city.default_language)])] })
      : null,
    email: field({ label: t("register.email"), name: "email", type: "email", attrs: { autocomplete: "email" } }),
    password: field({ label: t("register.password"), name: "password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password", minlength: 12 } }),
    language: field({ label: t("register.language"), name: "language", required: true, value: city.default_language, options: city.languages.map((l) => [l, t(`language.${l.split("-")[0]}`)]) }),
  };
  if (!fields.district_id) delete fields.district_id;
  watchNationalId(city, fields.national_id, fields.birth_date);
  const form = apiForm(fields, t("register.submit"), async () => {
    const body = Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.input.value.trim() || null]));
    body.password = fields.password.input.value;
    const resident = await api("POST", `/municipalities/${encodeURIComponent(city.slug)}/residents`, { body });
    await login(city.slug, body.national_id, body.password);
    writeStored("sessionStorage", "kurultai.welcome", resident.status);
    location.hash = href(city.slug);
  });
  show(
    h("h1", {}, t("register.title")),
    h("p", {}, t(`register.policy.${city.registration_policy}`)),
    form,
    h("p", {}, t("register.have_account"), " ", h("a", { href: href(city.slug, "login") }, t("account.login"))));
}

export function loginPage({ city }) {
  const provider = providerSignIn(city);
  // `#/m/<slug>/sign-in?error=<code>`: the provider's callback refused; only a code the
  // interface knows is shown in words, never the query's own text.
  const refused = hashParam("error");
  const fields = {
    login: field({ label: t("login.login"), name: "login", required: true, hint: t("login.login_hint"), attrs: { autocomplete: "username", spellcheck: "false" } }),
    password: field({ label: t("login.password"), name: "password", type: "password", required: true, attrs: { autocomplete: "current-password" } }),
  };
  const form = apiForm(fields, t("login.submit"), async () => {
    const who = await login(city.slug, fields.login.input.value.trim(), fields.password.input.value);
    announce(t("login.done"));
    location.hash = isStaff(who) ? href(city.slug, "staff") : href(city.slug);
  });
  show(
    h("h1", {}, t("login.title")),
    resetNotice(),
    refused ? errorBox({ code: refused }) : null,
    provider,
    form,
    forgotLink(city),
    h("p", {}, t("login.no_account"), " ", h("a", { href: href(city.slug, "register") }, t("account.register"))),
    h("p", {}, h("a", { href: href(city.slug, "counter-reset") }, t("counter.link"))));
}
