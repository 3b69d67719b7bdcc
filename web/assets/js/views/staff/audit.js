// Auditors and admins: the municipality's hash-chained audit log, page by page, with the
// server's check of the chain.

import { api } from "../../api.js";
import { h, show } from "../../dom.js";
import { dateTime, number, t } from "../../i18n.js";
import { href } from "../../ui.js";

const PAGE = 100;

export async function auditPage({ city, isCurrent }) {
  const rows = h("tbody", {});
  const state = h("div", { role: "status" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("audit.more"));
  let after = null;
  let shown = 0;

  async function load() {
    const page = await api("GET", `/municipalities/${encodeURIComponent(city.slug)}/audit-log?limit=${PAGE}${after === null ? "" : `&after=${after}`}`, { auth: true });
    if (!isCurrent()) return;
    for (const e of page.entries) {
      rows.append(h("tr", {},
        h("td", { class: "num" }, number(e.seq)),
        h("td", {}, h("time", { datetime: e.created_at }, dateTime(e.created_at, city.time_zone))),
        h("td", {}, t(`role.${e.actor_role}`)),
        h("th", { scope: "row" }, h("code", {}, e.action)),
        h("td", {}, e.target_type),
        h("td", {}, h("code", { title: e.hash }, e.hash.slice(0, 12)))));
    }
    shown += page.entries.length;
    after = page.next_after;
    more.hidden = after === null || after === undefined;
    state.replaceChildren(page.chain_intact
      ? h("p", { class: "success" }, t("audit.intact", { count: shown }))
      : h("p", { class: "alert" }, t("audit.broken", { seq: page.first_broken_seq })));
  }
  more.addEventListener("click", load);
  await load();
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("staff.audit_log")),
    state,
    h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("staff.audit_log") }, h("table", {},
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "num" }, t("audit.seq")),
        h("th", { scope: "col" }, t("audit.when")),
        h("th", { scope: "col" }, t("audit.who")),
        h("th", { scope: "col" }, t("audit.action")),
        h("th", { scope: "col" }, t("audit.target")),
        h("th", { scope: "col" }, t("audit.hash")))),
      rows)),
    h("p", {}, more));
}
