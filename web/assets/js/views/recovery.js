// A forgotten password: asking for a recovery link by e-mail, and the page the link opens to
// set a new one. Both serve residents and staff of a municipality (`#/m/<slug>/…`) and the
// platform admin (`#/…`, no municipality).

import { api } from "../api.js";
import { h, show } from "../dom.js";
import { t } from "../i18n.js";
import { readStored, removeStored, writeStored } from "../storage.js";
import { apiForm, errorBox, field, href } from "../ui.js";
import { hashParam } from "./provider.js";

// Set when a new password was set, so the login page it sends to can say so.
const RESET_DONE = "kurultai.password_reset";

/** The login page of `city`, or the platform's when there is none. */
function loginHref(city) {
  return city ? href(city.slug, "login") : "#/platform";
}

/** The "Forgot your password?" link a login page shows. */
export function forgotLink(city) {
  return h("p", {}, h("a", { href: city ? href(city.slug, "forgot-password") : "#/forgot-password" }, t("recovery.forgot")));
}

/** The line a login page shows right after a password was reset, else null. */
export function resetNotice() {
  const done = readStored("sessionStorage", RESET_DONE);
  removeStored("sessionStorage", RESET_DONE);
  return done ? h("p", { class: "success", role: "status" }, t("recovery.done")) : null;
}

/**
 * Asks for the e-mail address. The answer is the same whether or not the address is
 * registered (the server's is too), so the page tells no one who has an account.
 */
export function forgotPage({ city }) {
  const fields = {
    email: field({ label: t("register.email"), name: "email", type: "email", required: true, attrs: { autocomplete: "email", spellcheck: "false" } }),
  };
  const form = apiForm(fields, t("recovery.send"), async () => {
    const email = fields.email.input.value.trim();
    await api("POST", "/auth/password-recovery", { body: { municipality: city?.slug ?? null, email } });
    show(
      h("h1", {}, t("recovery.sent_title")),
      h("p", { role: "status" }, t("recovery.sent")),
      h("p", {}, h("a", { href: loginHref(city) }, t("recovery.back"))));
  });
  show(
    h("h1", {}, t("recovery.title")),
    h("p", {}, t("recovery.intro")),
    form,
    h("p", {}, h("a", { href: loginHref(city) }, t("recovery.back"))));
}

/** `…/reset-password?token=…`: sets the new password, then sends to the login page. */
export function resetPage({ city }) {
  const token = hashParam("token");
  const again = h("p", {}, h("a", { href: city ? href(city.slug, "forgot-password") : "#/forgot-password" }, t("recovery.again")));
  if (!token) {
    show(h("h1", {}, t("recovery.reset_title")), errorBox({ code: "invalid_code" }), again);
    return;
  }
  const fields = {
    new_password: field({ label: t("me.new_password"), name: "new_password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password", minlength: 12 } }),
  };
  const form = apiForm(fields, t("recovery.set"), async () => {
    await api("POST", "/auth/password-reset", { body: { token, new_password: fields.new_password.input.value } });
    writeStored("sessionStorage", RESET_DONE, "1");
    // Replaced, not pushed: the used link stays out of the history.
    location.replace(loginHref(city));
  });
  show(h("h1", {}, t("recovery.reset_title")), form, again);
}
