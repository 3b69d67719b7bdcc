// The public page where a resident without e-mail sets a new password with the reset code an
// official handed them at the counter. Wrong ID and wrong code get the same answer
// (`invalid_code`): the page cannot tell, and says so.

import { api } from "../api.js";
import { announce, h, show } from "../dom.js";
import { t } from "../i18n.js";
import { apiForm, field, href } from "../ui.js";

export async function counterResetPage({ city }) {
  const fields = {
    national_id: field({ label: t("register.national_id"), name: "national_id", required: true, attrs: { autocomplete: "username", spellcheck: "false" } }),
    code: field({ label: t("codes.code"), name: "code", required: true, hint: t("counter.code_hint"), attrs: { autocomplete: "one-time-code", spellcheck: "false" } }),
    new_password: field({ label: t("me.new_password"), name: "new_password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password", minlength: 12 } }),
  };
  const form = apiForm(fields, t("counter.submit"), async () => {
    await api("POST", `/municipalities/${encodeURIComponent(city.slug)}/password-reset/counter`, {
      body: { national_id: fields.national_id.input.value.trim(), code: fields.code.input.value.trim(), new_password: fields.new_password.input.value },
    });
    announce(t("counter.done"));
    show(h("h1", {}, t("counter.title")), h("p", { role: "status" }, t("counter.done")),
      h("p", {}, h("a", { href: href(city.slug, "login") }, t("account.login"))));
  });
  show(h("h1", {}, t("counter.title")), h("p", {}, t("counter.intro")), form);
}
