// The signed-in resident's own account: the profile the API lets them correct (name,
// district, e-mail, phone, language; not the birth date or the ID), a password change, and
// deleting the registration after a confirmation.

import { account, api, logout, renameAccount, signedInAt } from "../api.js";
import { announce, h, show } from "../dom.js";
import { date, pick, t } from "../i18n.js";
import { apiForm, confirmAction, errorBox, field, href, isStaff } from "../ui.js";
import { providerLink } from "./provider.js";

/** A status line under a form: says `text` and shows it. */
function said(region, text) {
  region.textContent = text;
  announce(text);
}

function profileForm(city, profile, districts) {
  const optional = (value) => value.trim() || null;
  const fields = {
    full_name: field({ label: t("register.full_name"), name: "full_name", required: true, value: profile.full_name, attrs: { autocomplete: "name" } }),
    district_id: districts.length
      ? field({ label: t("register.district"), name: "district_id", required: true, value: profile.district_id ?? "", options: [["", t("register.choose_district")], ...districts.map((d) => [d.id, pick(d.names, city.default_language)])] })
      : null,
    email: field({ label: t("register.email"), name: "email", type: "email", value: profile.email ?? "", attrs: { autocomplete: "email" } }),
    phone: field({ label: t("me.phone"), name: "phone", type: "tel", value: profile.phone ?? "", attrs: { autocomplete: "tel" } }),
    language: field({ label: t("register.language"), name: "language", required: true, value: profile.language ?? city.default_language, options: city.languages.map((l) => [l, t(`language.${l.split("-")[0]}`)]) }),
  };
  if (!fields.district_id) delete fields.district_id;
  const status = h("p", { class: "success-text", role: "status" });
  const form = apiForm(fields, t("me.save"), async () => {
    status.textContent = "";
    const body = { full_name: fields.full_name.input.value.trim(), email: optional(fields.email.input.value), phone: optional(fields.phone.input.value), language: fields.language.input.value };
    if (fields.district_id) body.district_id = fields.district_id.input.value || null;
    await api("PATCH", "/me/profile", { auth: true, body });
    renameAccount(body.full_name);
    said(status, t("me.saved"));
  });
  return [form, status];
}

/** Changing one's own password; staff use it too (views/staff/own_account.js). */
export function passwordForm() {
  const fields = {
    current_password: field({ label: t("me.current_password"), name: "current_password", type: "password", required: true, attrs: { autocomplete: "current-password" } }),
    new_password: field({ label: t("me.new_password"), name: "new_password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password", minlength: 12 } }),
  };
  const status = h("p", { class: "success-text", role: "status" });
  const form = apiForm(fields, t("me.password"), async () => {
    status.textContent = "";
    await api("POST", "/me/password", { auth: true, body: { current_password: fields.current_password.input.value, new_password: fields.new_password.input.value } });
    fields.current_password.input.value = "";
    fields.new_password.input.value = "";
    said(status, t("me.password_changed"));
  });
  return [form, status];
}

/** How the resident is verified, and the code forms of the methods the city offers and they lack. */
function verification(city, profile) {
  const methods = profile.verified_by ?? [];
  const how = h("p", { role: "status" }, methods.length
    ? t("codes.you_are_verified_by", { methods: methods.map((m) => t(`verification.method.${m}`)).join(", ") })
    : t("codes.not_verified_yet"));
  const verified = (entered, method) => {
    const now = entered?.verified_by ?? [...methods, method];
    said(how, t("codes.you_are_verified_by", { methods: now.map((m) => t(`verification.method.${m}`)).join(", ") }));
  };
  const offers = (method) => (city.verification_methods ?? []).includes(method) && !methods.includes(method);
  return [how, offers("letter_code") ? letterCode(verified) : null, offers("email_code") ? emailCode(verified) : null];
}

/** The letter code an official issued, entered. */
function letterCode(verified) {
  const fields = { code: field({ label: t("codes.letter_code"), name: "code", required: true, hint: t("codes.letter_hint"), attrs: { autocomplete: "one-time-code", spellcheck: "false" } }) };
  const form = apiForm(fields, t("codes.enter"), async () => {
    const entered = await api("POST", "/me/verification/letter-code", { auth: true, body: { code: fields.code.input.value.trim() } });
    form.remove();
    verified(entered, "letter_code");
  });
  return form;
}

/** Asking for a code at the account's address, and entering it (the address is in the answer). */
function emailCode(verified) {
  const status = h("p", { class: "success-text", role: "status" });
  const fields = { code: field({ label: t("codes.email_code"), name: "email_code", required: true, hint: t("codes.email_hint"), attrs: { autocomplete: "one-time-code", spellcheck: "false" } }) };
  const send = apiForm({}, t("codes.email_send"), async () => {
    status.textContent = "";
    const sent = await api("POST", "/me/verification/email-code", { auth: true });
    said(status, t("codes.email_sent", { address: sent.sent_to }));
  });
  const enter = apiForm(fields, t("codes.email_enter"), async () => {
    const entered = await api("POST", "/me/verification/email-code/confirm", { auth: true, body: { code: fields.code.input.value.trim() } });
    part.remove();
    verified(entered, "email_code");
  });
  const part = h("div", {}, h("h3", {}, t("codes.email_title")), h("p", {}, t("codes.email_intro")), send, status, enter);
  return part;
}

function deletion(city) {
  const alertBox = h("div", { tabindex: "-1" });
  const button = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!(await confirmAction(t("me.delete_confirm"), t("me.delete")))) return;
    alertBox.replaceChildren();
    try {
      await api("DELETE", "/me", { auth: true });
    } catch (error) {
      alertBox.replaceChildren(errorBox(error));
      alertBox.focus();
      return;
    }
    await logout();
    show(h("h1", {}, t("me.deleted")), h("p", {}, h("a", { href: href(city.slug) }, t("nav.cycle"))));
  } }, t("me.delete"));
  return [h("p", {}, t("me.delete_intro")), alertBox, h("p", { class: "actions" }, button)];
}

export async function accountPage({ city, isCurrent }) {
  if (!signedInAt(city.slug) || isStaff(account())) {
    location.hash = href(city.slug, "login");
    return;
  }
  const [profile, districts] = await Promise.all([
    api("GET", "/me/profile", { auth: true }),
    api("GET", `/municipalities/${encodeURIComponent(city.slug)}/districts`),
  ]);
  if (!isCurrent()) return;
  const section = (id, title, ...content) => h("section", { "aria-labelledby": id }, h("h2", { id }, title), content);
  show(
    h("h1", {}, t("me.title")),
    section("me-profile", t("me.profile"), h("p", { class: "muted" }, t("me.fixed", { birth: date(profile.birth_date, "UTC") })), profileForm(city, profile, districts)),
    providerLink(city, profile),
    section("me-verification", t("codes.verification"), verification(city, profile)),
    section("me-password", t("me.password"), passwordForm()),
    section("me-delete", t("me.delete"), deletion(city)));
}
