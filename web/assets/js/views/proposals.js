// Browsing a budget's proposals (search, category, order, pages) and one proposal's page.

import { api } from "../api.js";
import { h, show, announce } from "../dom.js";
import { money, pick, t } from "../i18n.js";
import { field, href } from "../ui.js";

const PAGE_SIZE = 20;

function query(params) {
  return Object.entries(params)
    .filter(([, v]) => v !== "" && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
}

function proposalItem(city, p) {
  return h("li", { class: "card" },
    h("h2", {}, h("a", { href: href(city.slug, "proposals", p.id) }, p.title)),
    h("p", { class: "proposal-meta" },
      h("span", {}, money(p.cost_minor, p.currency)),
      p.category ? h("span", {}, p.category) : null),
    h("p", {}, p.description.length > 180 ? `${p.description.slice(0, 180)}…` : p.description));
}

export async function proposalsPage({ city, params: [, budgetId], isCurrent }) {
  const budget = await api("GET", `/budgets/${budgetId}`);
  const state = { q: "", category: "", sort: "submitted", page: 1 };
  const categories = new Set();
  const list = h("div", {});
  const search = field({ label: t("proposals.search"), name: "q", type: "search", required: true });
  search.wrap.querySelector(".muted")?.remove();
  const category = field({ label: t("proposals.category"), name: "category", options: [["", t("proposals.all_categories")]], required: true });
  const sort = field({
    label: t("proposals.sort"), name: "sort", required: true, value: "submitted",
    options: [["submitted", t("sort.submitted")], ["title", t("sort.title")], ["cost", t("sort.cost_low")], ["-cost", t("sort.cost_high")]],
  });

  async function load() {
    const page = await api("GET", `/budgets/${budgetId}/proposals?${query({ ...state, limit: PAGE_SIZE })}`);
    if (!isCurrent()) return;
    for (const p of page.items) if (p.category && !categories.has(p.category)) {
      categories.add(p.category);
      category.input.append(h("option", { value: p.category }, p.category));
    }
    const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
    const summary = t("proposals.count", { count: page.total });
    list.replaceChildren(
      h("p", { role: "status" }, summary),
      page.items.length ? h("ul", { class: "cards" }, page.items.map((p) => proposalItem(city, p))) : null,
      pages > 1 ? h("nav", { class: "actions", "aria-label": t("proposals.pages") },
        h("button", { type: "button", class: "secondary", disabled: state.page <= 1, onclick: () => go(state.page - 1) }, t("proposals.previous")),
        h("span", {}, t("proposals.page_of", { page: state.page, pages })),
        h("button", { type: "button", class: "secondary", disabled: state.page >= pages, onclick: () => go(state.page + 1) }, t("proposals.next"))) : null);
    announce(summary);
  }
  function go(page) {
    state.page = page;
    load();
  }
  let timer = null;
  search.input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = search.input.value.trim(); go(1); }, 300);
  });
  category.input.addEventListener("change", () => { state.category = category.input.value; go(1); });
  sort.input.addEventListener("change", () => { state.sort = sort.input.value; go(1); });

  show(
    h("h1", {}, pick(budget.names, city.default_language)),
    h("p", {}, t("budget.amount", { amount: money(budget.amount_minor, budget.currency) })),
    budget.cycle_status === "voting" ? h("p", {}, h("a", { class: "button", href: href(city.slug, "vote", budget.id) }, t("budget.vote"))) : null,
    h("div", { class: "filters", role: "search" }, search.wrap, category.wrap, sort.wrap),
    list);
  await load();
}

export async function proposalPage({ city, params: [, proposalId] }) {
  const p = await api("GET", `/proposals/${proposalId}`);
  const where = p.location;
  show(
    h("p", {}, h("a", { href: href(city.slug, "budgets", p.budget_id) }, t("proposal.back"))),
    h("h1", { lang: p.language }, p.title),
    h("p", { class: "proposal-meta" },
      h("span", {}, t("proposal.cost", { cost: money(p.cost_minor, p.currency) })),
      p.category ? h("span", {}, t("proposal.category", { category: p.category })) : null,
      h("span", {}, t(`proposal.status.${p.status}`))),
    h("div", { lang: p.language }, p.description.split(/\n{2,}/).map((para) => h("p", {}, para))),
    where ? h("p", {}, t("proposal.location"), ": ", `${where.lat}, ${where.lon}`) : null,
  );
}
