// A staff member's own account: who they are signed in as, and changing their password (the
// current one is required; other sessions of the account end). Admins cannot set it for them.

import { account } from "../../api.js";
import { h, show } from "../../dom.js";
import { t } from "../../i18n.js";
import { href } from "../../ui.js";
import { passwordForm } from "../me.js";

export async function ownAccountPage({ city }) {
  const who = account();
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("staff_account.title")),
    h("p", {}, t("staff_account.signed_in_as", { name: who?.display_name ?? "", role: t(`role.${who?.role}`) })),
    h("section", { "aria-labelledby": "staff-password" }, h("h2", { id: "staff-password" }, t("me.password")), passwordForm()));
}
