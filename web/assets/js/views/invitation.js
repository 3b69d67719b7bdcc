// The invitation page (`#/m/{slug}/invitation?token=…`): an invited staff member sets their
// own first password with the e-mailed link, then logs in. No admin ever knows the password.

import { api } from "../api.js";
import { announce, h, show } from "../dom.js";
import { t } from "../i18n.js";
import { apiForm, field, href } from "../ui.js";

/** The link's token, from the query part of the hash (the router matches the path only). */
function linkToken() {
  const query = location.hash.split("?")[1] ?? "";
  return new URLSearchParams(query).get("token") ?? "";
}

export function invitationPage({ city }) {
  const token = linkToken();
  const fields = {
    password: field({ label: t("invitation.password"), name: "password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password" } }),
  };
  const result = h("div", { tabindex: "-1" });
  const form = apiForm(fields, t("invitation.submit"), async () => {
    await api("POST", "/auth/invitation", { body: { token, password: fields.password.input.value } });
    // The link is spent: the form goes, and the way on is the login.
    form.remove();
    result.replaceChildren(h("p", { class: "success", role: "status" }, t("invitation.done"), " ",
      h("a", { href: href(city.slug, "login") }, t("invitation.login"))));
    result.focus();
    announce(t("invitation.done"));
  });
  show(h("h1", {}, t("invitation.title")), h("p", {}, t("invitation.intro")), result, form);
}
