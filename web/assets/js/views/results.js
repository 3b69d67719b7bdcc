// Published results: who won, as a chart (votes or points per proposal, the funded ones
// marked; how the budget was spent, with the budget line), the table behind it, and for
// Equal Shares the rounds in order with the price each supporter paid.

import { api } from "../api.js";
import { h, show, svg, nextId } from "../dom.js";
import { money, moneyText, number, pick, t } from "../i18n.js";
import { href } from "../ui.js";

// Sized for a phone: the picture scales to the screen, so its units are roughly pixels at
// 360 wide. Each proposal takes two lines, its title over its bar, so long titles stay legible.
const WIDTH = 360;
const ROW = 44;

function truncate(text, max = 48) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Bars of votes (or points) per proposal, highest first; funded ones filled green and ticked. */
function votesChart(lines, pointsBallot) {
  const sorted = [...lines].sort((a, b) => Number(b.score) - Number(a.score));
  const top = Math.max(1, ...sorted.map((l) => Number(l.score)));
  const height = sorted.length * ROW + 4;
  const titleId = nextId("chart-title");
  const span = WIDTH - 50;
  return svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": titleId },
    svg("title", { id: titleId }, t(pointsBallot ? "results.chart_points" : "results.chart_votes")),
    sorted.map((line, i) => {
      const y = i * ROW;
      const w = Math.max(2, (Number(line.score) / top) * span);
      return svg("g", {},
        svg("text", { x: 0, y: y + 15 }, `${line.selected ? "✓ " : ""}${truncate(line.title)}`),
        svg("rect", { class: `bar${line.selected ? " funded" : ""}`, x: 0, y: y + 21, width: w, height: 16, rx: 2 }),
        svg("text", { x: w + 6, y: y + 34 }, number(Number(line.score))));
    }));
}

/** The funded proposals' costs end to end, against a dashed line at the budget. */
function budgetChart(results) {
  const funded = results.proposals.filter((l) => l.selected).sort((a, b) => (a.funded_order ?? 0) - (b.funded_order ?? 0));
  const total = Math.max(results.amount_minor, results.total_cost_minor, 1);
  const span = WIDTH - 20;
  const titleId = nextId("budget-title");
  let x = 10;
  const budgetX = 10 + (results.amount_minor / total) * span;
  return svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} 84`, role: "img", "aria-labelledby": titleId },
    svg("title", { id: titleId }, t("results.budget_chart", {
      spent: money(results.total_cost_minor, results.currency), budget: money(results.amount_minor, results.currency),
    })),
    funded.map((line, i) => {
      const w = (line.cost_minor / total) * span;
      const rect = svg("rect", { class: "bar funded", x, y: 20, width: Math.max(1, w - 1), height: 30, opacity: i % 2 ? 0.75 : 1 });
      x += w;
      return rect;
    }),
    svg("line", { class: "budget-line", x1: budgetX, x2: budgetX, y1: 8, y2: 62 }),
    svg("text", { x: budgetX, y: 78, "text-anchor": "end" }, t("results.budget_line", { budget: money(results.amount_minor, results.currency) })));
}

function resultsTable(results, pointsBallot) {
  const rows = [...results.proposals].sort((a, b) => (a.funded_order ?? 1e9) - (b.funded_order ?? 1e9) || Number(b.score) - Number(a.score));
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("results.table") }, h("table", {},
    h("caption", { class: "visually-hidden" }, t("results.table")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("results.proposal")),
      h("th", { scope: "col", class: "num" }, t("results.votes")),
      pointsBallot ? h("th", { scope: "col", class: "num" }, t("results.score")) : null,
      h("th", { scope: "col", class: "num" }, t("results.cost")),
      h("th", { scope: "col" }, t("results.funded")))),
    h("tbody", {}, rows.map((l) => h("tr", {},
      h("th", { scope: "row" }, l.title),
      h("td", { class: "num" }, number(l.votes)),
      pointsBallot ? h("td", { class: "num" }, number(Number(l.score))) : null,
      h("td", { class: "num" }, money(l.cost_minor, results.currency)),
      h("td", {}, l.selected ? h("span", { class: "badge ok" }, t("results.yes")) : h("span", { class: "badge" }, t("results.no"))))))));
}

/** Equal Shares: each round's project and what each supporter paid. */
function roundsTable(results, titles) {
  const rounds = (results.tally?.trace ?? []).filter((s) => s.step === "equal_shares");
  if (!rounds.length) return null;
  const currency = results.currency;
  return [
    h("h2", {}, t("results.rounds")),
    h("p", {}, t("results.rounds_intro")),
    h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("results.rounds") }, h("table", {},
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "num" }, t("results.round")),
        h("th", { scope: "col" }, t("results.proposal")),
        h("th", { scope: "col", class: "num" }, t("results.price")),
        h("th", { scope: "col", class: "num" }, t("results.payers")),
        h("th", { scope: "col", class: "num" }, t("results.money_left")))),
      h("tbody", {}, rounds.map((r) => h("tr", {},
        h("td", { class: "num" }, number(r.round)),
        h("th", { scope: "row" }, titles.get(r.project) ?? r.project),
        h("td", { class: "num" }, moneyText(r.max_payment?.decimal ?? r.max_payment, currency)),
        h("td", { class: "num" }, number(r.payers)),
        h("td", { class: "num" }, moneyText(r.money_left?.decimal ?? r.money_left, currency))))))),
  ];
}

export async function resultsPage({ city, params: [, budgetId], isCurrent }) {
  const [budget, results] = await Promise.all([
    api("GET", `/budgets/${budgetId}`),
    api("GET", `/budgets/${budgetId}/results`, { auth: true }),
  ]);
  if (!isCurrent()) return;
  const titles = new Map(results.proposals.map((l) => [l.proposal_id, l.title]));
  const pointsBallot = budget.ballot.type === "cumulative" || budget.ballot.type === "ranked";
  show(
    h("h1", {}, t("results.title", { budget: pick(budget.names, city.default_language) })),
    h("p", {}, t("results.summary", {
      count: results.ballots_counted,
      spent: money(results.total_cost_minor, results.currency),
      budget: money(results.amount_minor, results.currency),
    })),
    h("p", { class: "muted" }, t(`rule.${budget.rule.kind}`)),
    h("figure", {}, votesChart(results.proposals, pointsBallot),
      h("figcaption", { class: "legend" },
        h("span", {}, h("span", { class: "swatch", style: null, "data-kind": "funded" }), t("results.legend_funded")),
        h("span", {}, h("span", { class: "swatch", "data-kind": "other" }), t("results.legend_other")))),
    h("figure", {}, budgetChart(results)),
    resultsTable(results, pointsBallot),
    roundsTable(results, titles),
    h("p", {}, h("a", { href: href(city.slug) }, t("ballot.back_to_budgets"))));
}
