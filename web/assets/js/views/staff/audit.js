// Auditors and admins: the municipality's hash-chained audit log, page by page, with the
// server's check of the chain; actions and targets in the interface language, staff named,
// and a filter by action and day that the server applies to the whole log (so paging stays
// keyed by sequence number: no entry is dropped or repeated).

import { api } from "../../api.js";
import { h, nextId, show } from "../../dom.js";
import { dateTime, has, keysUnder, number, t } from "../../i18n.js";
import { errorBox, href } from "../../ui.js";

const PAGE = 100;

/** A code in the interface language when there is a text for it, else the code itself. */
const named = (prefix, code) => (has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code);

/** Who acted: a staff member by name and e-mail (the API gives them), else by role. */
function actor(entry) {
  const role = t(`role.${entry.actor_role}`);
  if (!entry.actor_name) return role;
  return [h("span", {}, entry.actor_name), h("br"), h("span", { class: "muted" }, [entry.actor_email, role].filter(Boolean).join(" · "))];
}

function row(e, timeZone) {
  return h("tr", {},
    h("td", { class: "num" }, number(e.seq)),
    h("td", {}, h("time", { datetime: e.created_at }, dateTime(e.created_at, timeZone))),
    h("td", {}, actor(e)),
    // The code stays beside its words: it is what the archive and `kurultai verify` show.
    h("th", { scope: "row" }, named("audit.action", e.action), h("br"), h("code", { class: "muted" }, e.action)),
    h("td", {}, named("audit.target", e.target_type)),
    h("td", {}, h("code", { title: e.hash }, e.hash.slice(0, 12))));
}

export async function auditPage({ city, isCurrent }) {
  const rows = h("tbody", {});
  const state = h("div", { role: "status" });
  const matching = h("p", { role: "status", class: "muted" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("audit.more"));
  const actionId = nextId("audit-action");
  const fromId = nextId("audit-from");
  const toId = nextId("audit-to");
  const action = h("select", { id: actionId }, h("option", { value: "" }, t("audit.filter_all")));
  const from = h("input", { id: fromId, type: "date" });
  const to = h("input", { id: toId, type: "date" });
  const actions = new Set();
  // Every action the interface names is offered, so a filter can find one not loaded yet.
  addActions(keysUnder("audit.action.").sort().map((code) => ({ action: code })));
  // `after` is where the next page starts; null once the last page is in. The first page is
  // asked for once, by `after = 0`: "Show more" never starts over. A changed filter starts a
  // new list; `generation` drops the answer to an older filter that arrives late.
  let after = 0;
  let shown = 0;
  let loading = false;
  let generation = 0;

  /** The filter as query parameters (the server reads the days in the municipality's zone). */
  function filterQuery() {
    const query = new URLSearchParams();
    if (action.value) query.set("action", action.value);
    if (from.value) query.set("from", from.value);
    if (to.value) query.set("until", to.value);
    return query;
  }

  function refilter() {
    generation += 1;
    after = 0;
    shown = 0;
    loading = false;
    rows.replaceChildren();
    load();
  }

  function addActions(entries) {
    for (const e of entries) {
      if (actions.has(e.action)) continue;
      actions.add(e.action);
      action.append(h("option", { value: e.action }, named("audit.action", e.action)));
    }
  }

  async function load() {
    if (loading || after === null) return;
    loading = true;
    more.disabled = true;
    const mine = generation;
    const query = filterQuery();
    query.set("limit", PAGE);
    query.set("after", after);
    try {
      const page = await api("GET", `/municipalities/${encodeURIComponent(city.slug)}/audit-log?${query}`, { auth: true });
      if (!isCurrent() || mine !== generation) return;
      rows.append(...page.entries.map((e) => row(e, city.time_zone)));
      addActions(page.entries);
      shown += page.entries.length;
      after = page.next_after ?? null;
      more.hidden = after === null;
      // The check covers the whole chain up to the last entry read, filtered out or not.
      state.replaceChildren(page.chain_intact
        ? h("p", { class: "success" }, t("audit.chain_intact", { seq: number(page.checked_through) }))
        : h("p", { class: "alert" }, t("audit.broken", { seq: page.first_broken_seq })));
      const active = action.value || from.value || to.value;
      matching.textContent = active ? t("audit.filtered", { shown: number(shown) }) : "";
    } catch (error) {
      if (mine !== generation) return;
      state.replaceChildren(errorBox(error));
    } finally {
      if (mine === generation) {
        loading = false;
        more.disabled = false;
      }
    }
  }
  more.addEventListener("click", load);
  for (const control of [action, from, to]) control.addEventListener("change", refilter);
  await load();
  if (!isCurrent()) return;
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("staff.audit_log")),
    state,
    h("form", { class: "inline-form", role: "search", "aria-label": t("audit.filter"), onsubmit: (event) => event.preventDefault() },
      h("div", { class: "field" }, h("label", { for: actionId }, t("audit.action")), action),
      h("div", { class: "field" }, h("label", { for: fromId }, t("audit.from")), from),
      h("div", { class: "field" }, h("label", { for: toId }, t("audit.to")), to)),
    h("p", { class: "muted" }, t("audit.server_filter_hint")),
    matching,
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
