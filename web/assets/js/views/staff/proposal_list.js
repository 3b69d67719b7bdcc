// Staff: every proposal of a cycle, whatever its status — searched, filtered by status,
// budget and district, a page at a time (the API's `page` and `total`), each linked to its
// page. Deciding on proposals stays on the review page.

import { api } from "../../api.js";
import { h, show } from "../../dom.js";
import { money, number, pick, t } from "../../i18n.js";
import { errorBox, field, href } from "../../ui.js";

const PAGE = 25;
const STATUSES = ["submitted", "approved", "rejected", "withdrawn"];

function listPath(cycleId, filters, page) {
  const params = new URLSearchParams({ limit: String(PAGE), page: String(page), sort: "submitted" });
  for (const name of ["status", "district", "q"]) if (filters[name]) params.set(name, filters[name]);
  return filters.budget ? `/budgets/${filters.budget}/proposals?${params}` : `/cycles/${cycleId}/proposals?${params}`;
}

export async function proposalListPage(context, filters = {}, page = 1) {
  const { city, params: [, cycleId], isCurrent } = context;
  const slug = encodeURIComponent(city.slug);
  const [cycle, budgets, districts, found] = await Promise.all([
    api("GET", `/cycles/${cycleId}`, { auth: true }),
    api("GET", `/cycles/${cycleId}/budgets`, { auth: true }),
    api("GET", `/municipalities/${slug}/districts`),
    api("GET", listPath(cycleId, filters, page), { auth: true }),
  ]);
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const go = (nextFilters, nextPage) => proposalListPage(context, nextFilters, nextPage)
    .catch((error) => { messages.replaceChildren(errorBox(error)); messages.focus(); });
  const budgetName = (id) => pick(budgets.find((b) => b.id === id)?.names, city.default_language);

  const search = field({ label: t("proposals.search"), name: "q", type: "search", value: filters.q ?? "" });
  const status = field({ label: t("staff.status_filter"), name: "status", value: filters.status ?? "",
    options: [["", t("staff.all")], ...STATUSES.map((s) => [s, t(`proposal.status.${s}`)])] });
  const budget = field({ label: t("staff.budget_filter"), name: "budget", value: filters.budget ?? "",
    options: [["", t("staff.all")], ...budgets.map((b) => [b.id, pick(b.names, city.default_language)])] });
  const district = districts.length ? field({ label: t("staff.district"), name: "district", value: filters.district ?? "",
    options: [["", t("staff.all")], ...districts.map((d) => [d.id, pick(d.names, city.default_language)])] }) : null;
  const form = h("form", { role: "search", class: "filters", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    go({ q: search.input.value.trim(), status: status.input.value, budget: budget.input.value, district: district?.input.value ?? "" }, 1);
  } }, search.wrap, status.wrap, budget.wrap, district?.wrap, h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.apply_filters"))));

  const pages = Math.max(1, Math.ceil(found.total / PAGE));
  const pager = h("nav", { "aria-label": t("proposals.pages"), class: "actions" },
    h("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(filters, page - 1) }, t("proposals.previous")),
    h("span", { "aria-current": "page" }, t("proposals.page_of", { page: number(page), pages: number(pages) })),
    h("button", { type: "button", class: "secondary", disabled: page >= pages, onclick: () => go(filters, page + 1) }, t("proposals.next")));
  const items = found.items.map((p) => h("li", { class: "card" },
    h("h2", { lang: p.language }, h("a", { href: href(city.slug, "proposals", p.id) }, p.title)),
    h("p", { class: "proposal-meta" }, money(p.cost_minor, p.currency), " · ", budgetName(p.budget_id)),
    h("p", {}, h("span", { class: "badge" }, t(`proposal.status.${p.status}`)))));
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff", "cycles", cycleId) }, t("staff.back_to_cycle"))),
    h("h1", {}, t("staff.proposals_title", { cycle: pick(cycle.names, city.default_language) })),
    form,
    messages,
    h("p", { role: "status" }, t("staff.proposals_found", { count: number(found.total) })),
    items.length ? [h("ul", { class: "cards" }, items), pager] : h("p", {}, t("staff.no_proposals_match")));
}
