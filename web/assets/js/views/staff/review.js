// Staff: reviewing a budget's submitted proposals (approve, or reject with a reason), editing
// them, and revisiting a decision until voting opens.

import { api } from "../../api.js";
import { announce, h, show } from "../../dom.js";
import { money, pick, t } from "../../i18n.js";
import { categoryName } from "../../proposal_text.js";
import { changeAndReload, errorBox, field, href, requiredReason } from "../../ui.js";

async function allWithStatus(budgetId, status) {
  const items = [];
  for (let page = 1; page < 50; page += 1) {
    const got = await api("GET", `/budgets/${budgetId}/proposals?status=${status}&limit=100&page=${page}`, { auth: true });
    items.push(...got.items);
    if (page * got.limit >= got.total) break;
  }
  return items;
}

export async function reviewPage({ city, params: [, budgetId], isCurrent }) {
  const [budget, waiting, approved, rejected] = await Promise.all([
    api("GET", `/budgets/${budgetId}`, { auth: true }),
    allWithStatus(budgetId, "submitted"), allWithStatus(budgetId, "approved"), allWithStatus(budgetId, "rejected")]);
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const reload = () => reviewPage({ city, params: [city.slug, budgetId], isCurrent });

  const decide = (proposal, decision, reasonField) => async () => {
    const reason = decision === "reject" ? requiredReason(reasonField) : null;
    if (decision === "reject" && !reason) return;
    try {
      await changeAndReload(() => api("POST", `/proposals/${proposal.id}/review`, { auth: true, body: { decision, reason: reason || null } }), reload);
      announce(t(decision === "approve" ? "staff.approved" : "staff.rejected", { title: proposal.title }));
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    }
  };

  // Until voting opens a decision can be revisited (the API logs which one it replaced).
  const open = ["submission", "review"].includes(budget.cycle_status);
  const decided = open ? [...approved, ...rejected] : [];
  const editLink = (p) => (open ? h("a", { href: href(city.slug, "proposals", p.id, "edit") }, t("propose.edit_named", { title: p.title })) : null);
  const revisitCard = (p) => {
    const reason = field({ label: t("staff.revisit_reason"), name: "reason", attrs: { maxlength: 500 } });
    const turn = p.status === "approved" ? "reject" : "approve";
    return h("li", { class: "card" },
      h("h3", { lang: p.language }, p.title),
      h("p", { class: "proposal-meta" }, h("span", { class: "badge" }, t(`proposal.status.${p.status}`)), " ", money(p.cost_minor, p.currency)),
      p.status_reason ? h("p", {}, t("propose.reason", { reason: p.status_reason })) : null,
      turn === "reject" ? reason.wrap : null,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: decide(p, turn, reason) }, t(turn === "approve" ? "staff.approve" : "staff.reject", { title: p.title })),
        editLink(p)));
  };

  show(
    h("p", {}, h("a", { href: href(city.slug, "staff", "cycles", budget.cycle_id) }, t("staff.back_to_cycle"))),
    h("h1", {}, t("staff.review_title", { budget: pick(budget.names, city.default_language) })),
    messages,
    waiting.length ? h("ul", { class: "cards" }, waiting.map((p) => {
      const reason = field({ label: t("staff.reason"), name: "reason", optional: false, attrs: { maxlength: 500 } });
      return h("li", { class: "card" },
        h("h2", { lang: p.language }, p.title),
        h("p", { class: "proposal-meta" }, money(p.cost_minor, p.currency), p.category ? ` · ${categoryName(city, p.category)}` : ""),
        h("p", { lang: p.language }, p.description),
        reason.wrap,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: decide(p, "approve") }, t("staff.approve", { title: p.title })),
          h("button", { type: "button", class: "secondary", onclick: decide(p, "reject", reason) }, t("staff.reject", { title: p.title })),
          editLink(p)));
    })) : h("p", {}, t("staff.nothing_to_review")),
    decided.length ? [h("h2", {}, t("staff.decided")), h("ul", { class: "cards" }, decided.map(revisitCard))] : null);
}
