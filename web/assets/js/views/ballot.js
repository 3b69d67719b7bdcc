// Casting or changing a ballot: the budget's rules shown live as the resident chooses
// (selections left, a budget meter for knapsack, points left for cumulative, the order for
// ranked), the choice kept in this browser until it is sent, and a receipt to keep.

import { account, api, signedInAt } from "../api.js";
import { announce, h, nextId, show } from "../dom.js";
import { date, dateTime, money, number, pick, t } from "../i18n.js";
import { readStoredJson, removeStored, writeStored } from "../storage.js";
import { receiptBlock, standingIn, standingLine } from "../standing.js";
import { errorBox, href } from "../ui.js";

/** A random Idempotency-Key (`crypto.randomUUID` exists only on HTTPS and localhost). */
function newKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const draftKey = (budgetId) => `kurultai.draft.${budgetId}.${account()?.id}`;

function loadDraft(budgetId) {
  return readStoredJson("localStorage", draftKey(budgetId));
}

function saveDraft(budgetId, draft) {
  writeStored("localStorage", draftKey(budgetId), JSON.stringify(draft));
}

async function allProposals(budgetId) {
  const items = [];
  for (let page = 1; page < 50; page += 1) {
    const got = await api("GET", `/budgets/${budgetId}/proposals?limit=100&page=${page}&sort=title`);
    items.push(...got.items.filter((p) => p.on_ballot));
    if (page * got.limit >= got.total) break;
  }
  return items;
}

/** The choice as the API takes it. */
function selections(type, choice) {
  if (type === "cumulative") {
    return [...choice.points].filter(([, p]) => p > 0).map(([proposal_id, points]) => ({ proposal_id, points }));
  }
  if (type === "ranked") return choice.order.map((proposal_id, i) => ({ proposal_id, rank: i + 1 }));
  return [...choice.chosen].map((proposal_id) => ({ proposal_id }));
}

function choiceFrom(type, list) {
  const sorted = [...(list ?? [])].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  return {
    chosen: new Set(sorted.map((s) => s.proposal_id)),
    points: new Map(sorted.map((s) => [s.proposal_id, s.points ?? 0])),
    order: sorted.map((s) => s.proposal_id),
  };
}

/** What the rules say about the choice so far: lines to show and whether it can be sent. */
function assess(budget, byId, choice) {
  const spec = budget.ballot;
  const type = spec.type;
  const lines = [];
  const problems = [];
  const count = type === "cumulative" ? [...choice.points.values()].filter((p) => p > 0).length
    : type === "ranked" ? choice.order.length : choice.chosen.size;
  const max = spec.max_selections;
  if (type !== "cumulative") {
    lines.push(max ? t("ballot.chosen_of_max", { count, max, left: Math.max(0, max - count) }) : t("ballot.chosen", { count }));
    if (max && count > max) problems.push(t("error.too_many_selections"));
  }
  if (count < Math.max(1, spec.min_selections)) problems.push(t("ballot.choose_at_least", { min: Math.max(1, spec.min_selections) }));
  let meter = null;
  if (type === "knapsack") {
    const cap = spec.max_spend_minor ?? budget.amount_minor;
    const spent = [...choice.chosen].reduce((sum, id) => sum + (byId.get(id)?.cost_minor ?? 0), 0);
    meter = { spent, cap };
    lines.push(t("ballot.spent", { spent: money(spent, budget.currency), cap: money(cap, budget.currency), left: money(Math.max(0, cap - spent), budget.currency) }));
    if (spent > cap) problems.push(t("ballot.over_by", { over: money(spent - cap, budget.currency) }));
    if (spec.min_spend_percent) {
      const minimum = Math.ceil((cap * spec.min_spend_percent) / 100);
      if (spent < minimum) problems.push(t("ballot.spend_at_least", { minimum: money(minimum, budget.currency) }));
    }
  }
  if (type === "cumulative") {
    const used = [...choice.points.values()].reduce((a, b) => a + b, 0);
    const total = spec.max_points;
    lines.push(total ? t("ballot.points_left", { used, total, left: Math.max(0, total - used) }) : t("ballot.points_used", { used }));
    if (total && used > total) problems.push(t("error.points_total_exceeded"));
    const per = spec.max_points_per_proposal;
    if (per && [...choice.points.values()].some((p) => p > per)) problems.push(t("ballot.points_per_max", { max: per }));
  }
  return { lines, problems, meter };
}

function statusBar(budget, assessment) {
  const { lines, problems, meter } = assessment;
  return [
    meter ? h("label", {}, h("span", { class: "visually-hidden" }, t("ballot.meter")),
      h("meter", { min: 0, max: meter.cap, value: Math.min(meter.spent, meter.cap), high: meter.cap * 0.999, optimum: 0 })) : null,
    lines.map((line) => h("p", { class: "status-line" }, line)),
    problems.map((p) => h("p", { class: "field-error" }, p)),
  ];
}

export async function ballotPage({ city, params: [, budgetId], isCurrent }) {
  if (!signedInAt(city.slug)) {
    location.hash = href(city.slug, "login");
    return;
  }
  const [budget, proposals] = await Promise.all([api("GET", `/budgets/${budgetId}`), allProposals(budgetId)]);
  if (!isCurrent()) return;
  const title = pick(budget.names, city.default_language);
  if (budget.cycle_status !== "voting") {
    show(h("h1", {}, title), h("p", { class: "notice" }, t("error.cycle_not_in_voting")));
    return;
  }
  // Where the resident stands comes first: a resident who cannot vote here is told why
  // before filling in a ballot, and one whose ballot is final sees it, not a form.
  const standing = await standingIn(budgetId);
  if (!isCurrent()) return;
  const back = h("p", {}, h("a", { href: href(city.slug) }, t("ballot.back_to_budgets")));
  if (standing && !standing.can_vote) {
    show(h("h1", {}, title), standingLine(standing, budget.cycle_status),
      standing.receipt ? [h("p", {}, t("ballot.receipt_intro")), receiptBlock(standing.receipt)] : null, back);
    return;
  }
  let own = null;
  try {
    own = await api("GET", `/budgets/${budgetId}/ballot`, { auth: true });
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  if (!isCurrent()) return;
  if (own && city.revote_policy === "final") {
    show(h("h1", {}, title), h("p", { class: "notice" }, t("ballot.already", { when: date(own.cast_at, "UTC"), revision: number(own.revision) }), " ", t("ballot.final")),
      own.receipt ? [h("p", {}, t("ballot.receipt_intro")), receiptBlock(own.receipt)] : null, back);
    return;
  }
  const type = budget.ballot.type;
  const byId = new Map(proposals.map((p) => [p.id, p]));
  const draft = loadDraft(budgetId);
  const restored = Boolean(draft);
  const choice = choiceFrom(type, draft?.selections ?? own?.selections);
  for (const id of [...choice.chosen]) if (!byId.has(id)) choice.chosen.delete(id);
  choice.order = choice.order.filter((id) => byId.has(id));
  let idempotencyKey = draft?.key ?? newKey();

  const alertBox = h("div", { tabindex: "-1" });
  const listArea = h("div", {});
  const submit = h("button", { type: "submit" }, own ? t("ballot.replace") : t("ballot.cast"));
  const statusText = h("div", { id: nextId("ballot-status") });

  // A changed choice is a new request: it gets a new Idempotency-Key. The key is kept with
  // the draft, so resending the same choice after a lost answer is recognised as a retry.
  const changed = (message) => {
    idempotencyKey = newKey();
    saveDraft(budgetId, { selections: selections(type, choice), key: idempotencyKey });
    refresh(message);
  };

  function refresh(message) {
    const assessment = assess(budget, byId, choice);
    statusText.replaceChildren(...statusBar(budget, assessment).flat().filter(Boolean));
    submit.disabled = assessment.problems.length > 0;
    renderList();
    if (message !== undefined) announce([message, ...assessment.lines, ...assessment.problems].filter(Boolean).join(" "));
  }

  function checkboxRow(p) {
    const id = nextId("choose");
    const on = type === "ranked" ? choice.order.includes(p.id) : choice.chosen.has(p.id);
    const box = h("input", { type: "checkbox", id, checked: on, onchange: (event) => {
      if (type === "ranked") {
        if (event.target.checked) choice.order.push(p.id);
        else choice.order = choice.order.filter((x) => x !== p.id);
      } else if (event.target.checked) choice.chosen.add(p.id);
      else choice.chosen.delete(p.id);
      changed(t(event.target.checked ? "ballot.added" : "ballot.removed", { title: p.title }));
      document.getElementById(id)?.focus();
    } });
    return h("li", { class: `choice${on ? " chosen" : ""}` }, box,
      h("label", { for: id }, p.title, " ", h("a", { href: href(city.slug, "proposals", p.id), class: "muted" }, t("ballot.details"))),
      h("span", { class: "cost" }, money(p.cost_minor, p.currency)));
  }

  function pointsRow(p) {
    const id = nextId("points");
    const max = budget.ballot.max_points_per_proposal ?? budget.ballot.max_points ?? 99;
    const value = choice.points.get(p.id) ?? 0;
    const input = h("input", { type: "number", id, min: 0, max, step: 1, value, inputmode: "numeric", onchange: (event) => {
      const points = Math.max(0, Math.floor(Number(event.target.value) || 0));
      choice.points.set(p.id, points);
      changed(t("ballot.points_set", { title: p.title, points }));
      document.getElementById(id)?.focus();
    } });
    return h("li", { class: `choice${value > 0 ? " chosen" : ""}` },
      h("label", { for: id }, p.title), input, h("span", { class: "cost" }, money(p.cost_minor, p.currency)));
  }

  function rankingList() {
    if (!choice.order.length) return h("p", { class: "muted" }, t("ballot.ranked_empty"));
    const move = (index, delta, buttonClass) => () => {
      const target = index + delta;
      if (target < 0 || target >= choice.order.length) return;
      [choice.order[index], choice.order[target]] = [choice.order[target], choice.order[index]];
      changed(t("ballot.moved", { title: byId.get(choice.order[target]).title, rank: target + 1 }));
      listArea.querySelectorAll(`.rank-item`)[target]?.querySelector(`.${buttonClass}`)?.focus();
    };
    return h("ol", { class: "ballot-list ranked", "aria-label": t("ballot.your_ranking") }, choice.order.map((id, i) => {
      const p = byId.get(id);
      return h("li", { class: "choice chosen rank-item" },
        h("strong", {}, `${i + 1}.`), h("span", {}, p.title),
        h("span", { class: "rank-controls" },
          h("button", { type: "button", class: "secondary up", disabled: i === 0, "aria-label": t("ballot.move_up", { title: p.title }), onclick: move(i, -1, "up") }, "↑"),
          h("button", { type: "button", class: "secondary down", disabled: i === choice.order.length - 1, "aria-label": t("ballot.move_down", { title: p.title }), onclick: move(i, 1, "down") }, "↓")));
    }));
  }

  function renderList() {
    const rows = proposals.map((p) => (type === "cumulative" ? pointsRow(p) : checkboxRow(p)));
    const ranking = type === "ranked" ? [h("h2", {}, t("ballot.your_ranking")), rankingList(), h("h2", {}, t("ballot.choose_to_rank"))] : [];
    listArea.replaceChildren(...ranking, h("ul", { class: "ballot-list" }, rows));
  }

  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    alertBox.replaceChildren();
    try {
      const reply = await api("PUT", `/budgets/${budgetId}/ballot`, {
        auth: true, body: { selections: selections(type, choice) }, headers: { "Idempotency-Key": idempotencyKey },
      });
      removeStored("localStorage", draftKey(budgetId));
      confirmation(reply);
    } catch (error) {
      alertBox.replaceChildren(errorBox(error));
      alertBox.focus();
      submit.disabled = false;
    }
  } }, alertBox, listArea, h("div", { class: "status-bar", role: "group", "aria-label": t("ballot.status") }, statusText, h("div", { class: "actions" }, submit)));

  function confirmation(reply) {
    show(
      h("h1", {}, t(reply.replaced ? "ballot.replaced_title" : "ballot.recorded_title")),
      h("div", { class: "success", role: "status" },
        h("p", {}, t("ballot.recorded", { budget: title, when: dateTime(reply.cast_at, city.time_zone) })),
        h("p", {}, t("ballot.receipt_intro")),
        receiptBlock(reply.receipt),
        h("p", {}, t("ballot.receipt_keep"))),
      h("p", { class: "actions" },
        city.revote_policy === "final" ? null : h("a", { class: "button secondary", href: `${href(city.slug, "vote", budgetId)}?again=${Date.now()}` }, t("ballot.change")),
        h("a", { href: href(city.slug) }, t("ballot.back_to_budgets"))));
    announce(t("ballot.recorded_title"));
  }

  show(
    h("h1", {}, title),
    h("p", {}, t(`ballot.rules.${type}`, {
      min: Math.max(1, budget.ballot.min_selections), max: budget.ballot.max_selections ?? proposals.length,
      points: budget.ballot.max_points ?? "", cap: money(budget.ballot.max_spend_minor ?? budget.amount_minor, budget.currency),
    })),
    own ? h("p", { class: "notice" }, t("ballot.already", { when: date(own.cast_at, "UTC"), revision: number(own.revision) })) : null,
    restored ? h("p", { class: "notice" }, t("ballot.restored")) : null,
    form);
  refresh();
}
