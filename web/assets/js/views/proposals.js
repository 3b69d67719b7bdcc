// Browsing a budget's proposals (search, category, order, pages) and one proposal's page.

import { account, api, signedInAt } from "../api.js";
import { h, show, announce } from "../dom.js";
import { money, pick, t } from "../i18n.js";
import { categories as cityCategories, categoryName, mapLink } from "../proposal_text.js";
import { field, href, isStaff } from "../ui.js";

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
      p.category ? h("span", {}, categoryName(city, p.category)) : null,
      p.mine ? h("span", { class: "badge" }, t(`proposal.status.${p.status}`)) : null),
    h("p", {}, p.description.length > 180 ? `${p.description.slice(0, 180)}…` : p.description));
}

export async function proposalsPage({ city, params: [, budgetId], isCurrent }) {
  // Signed in, the list holds the resident's own proposals too (with their status).
  const auth = signedInAt(city.slug);
  const budget = await api("GET", `/budgets/${budgetId}`, { auth });
  const state = { q: "", category: "", sort: "submitted", page: 1 };
  const categories = new Set();
  const list = h("div", {});
  const search = field({ label: t("proposals.search"), name: "q", type: "search", required: true });
  search.wrap.querySelector(".muted")?.remove();
  const category = field({ label: t("proposals.category"), name: "category", options: [["", t("proposals.all_categories")]], required: true });
  // A municipality's own list is offered whole; free-text categories as they appear.
  for (const c of cityCategories(city)) {
    categories.add(c.key);
    category.input.append(h("option", { value: c.key }, categoryName(city, c.key)));
  }
  const sort = field({
    label: t("proposals.sort"), name: "sort", required: true, value: "submitted",
    options: [["submitted", t("sort.submitted")], ["title", t("sort.title")], ["cost", t("sort.cost_low")], ["-cost", t("sort.cost_high")]],
  });

  async function load() {
    const page = await api("GET", `/budgets/${budgetId}/proposals?${query({ ...state, limit: PAGE_SIZE })}`, { auth });
    if (!isCurrent()) return;
    for (const p of page.items) if (p.category && !categories.has(p.category)) {
      categories.add(p.category);
      category.input.append(h("option", { value: p.category }, p.category));
    }
    const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
    const summary = t("proposals.count", { count: page.total });
    // replaceChildren writes a null as the text "null": absent parts are filtered out.
    list.replaceChildren(...[
      h("p", { role: "status" }, summary),
      page.items.length ? h("ul", { class: "cards" }, page.items.map((p) => proposalItem(city, p))) : null,
      pages > 1 ? h("nav", { class: "actions", "aria-label": t("proposals.pages") },
        h("button", { type: "button", class: "secondary", disabled: state.page <= 1, onclick: () => go(state.page - 1) }, t("proposals.previous")),
        h("span", {}, t("proposals.page_of", { page: state.page, pages })),
        h("button", { type: "button", class: "secondary", disabled: state.page >= pages, onclick: () => go(state.page + 1) }, t("proposals.next"))) : null,
    ].filter(Boolean));
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
    budget.cycle_status === "submission" && city.max_proposals_per_resident > 0
      ? h("p", { class: "actions" },
        h("a", { class: "button", href: auth ? href(city.slug, "budgets", budget.id, "propose") : href(city.slug, "login") }, t("propose.action")),
        auth && !isStaff(account()) ? h("a", { href: href(city.slug, "mine") }, t("propose.mine")) : null)
      : null,
    h("div", { class: "filters", role: "search" }, search.wrap, category.wrap, sort.wrap),
    list);
  await load();
}

export async function proposalPage({ city, params: [, proposalId], isCurrent }) {
  // Its author (and staff) may read a proposal the public cannot see yet: ask as them.
  const auth = signedInAt(city.slug);
  const p = await api("GET", `/proposals/${proposalId}`, { auth });
  const budget = p.mine ? await api("GET", `/budgets/${p.budget_id}`, { auth }) : null;
  if (!isCurrent()) return;
  const where = p.location;
  const messages = h("div", { tabindex: "-1" });
  const open = ["submission", "review"].includes(budget?.cycle_status);
  const { withdraw } = p.mine && open ? await import("./proposal_form.js") : {};
  show(
    h("p", {}, h("a", { href: href(city.slug, "budgets", p.budget_id) }, t("proposal.back"))),
    h("h1", { lang: p.language }, p.title),
    h("p", { class: "proposal-meta" },
      h("span", {}, t("proposal.cost", { cost: money(p.cost_minor, p.currency) })),
      p.category ? h("span", {}, t("proposal.category", { category: categoryName(city, p.category) })) : null,
      h("span", {}, t(`proposal.status.${p.status}`))),
    p.status_reason ? h("p", { class: p.status === "rejected" ? "notice" : null }, t("propose.reason", { reason: p.status_reason })) : null,
    messages,
    h("div", { lang: p.language }, p.description.split(/\n{2,}/).map((para) => h("p", {}, para))),
    where ? h("p", {}, t("proposal.location"), ": ", mapLink(where)) : null,
    // What the API allows its author: edits while submitted during submission, withdrawal
    // until voting unless already withdrawn or rejected.
    p.mine && open && !["withdrawn", "rejected"].includes(p.status)
      ? h("p", { class: "actions" },
        budget.cycle_status === "submission" && p.status === "submitted"
          ? h("a", { class: "button", href: href(city.slug, "proposals", p.id, "edit") }, t("propose.edit_named", { title: p.title }))
          : null,
        h("button", { type: "button", class: "secondary", onclick: () => withdraw(city, p, messages) }, t("propose.withdraw")))
      : null,
  );
}
