// Published results: who won, as a chart (votes or points per proposal, the funded ones
// marked; how the budget was spent, with the budget line), the table behind it, and for
// Equal Shares the rounds in order with the price each supporter paid, explained in plain words
// (results_explain.js); the files a city publishes beside them (CSV, statistics, the `.pb`).

import { account, api } from "../api.js";
import { h, show, svg, nextId } from "../dom.js";
import { money, moneyText, number, pick, t } from "../i18n.js";
import { download, errorBox, fileName, href } from "../ui.js";
import { explanation } from "./results_explain.js";

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

/**
 * The funded proposals' costs end to end, against a dashed line at the budget. Each segment is
 * numbered, and the numbered list under the picture names it with its cost and share of the
 * budget: the list is what a screen reader reads, the numbers tie it to the picture.
 */
function budgetChart(results) {
  const funded = results.proposals.filter((l) => l.selected).sort((a, b) => (a.funded_order ?? 0) - (b.funded_order ?? 0));
  const total = Math.max(results.amount_minor, results.total_cost_minor, 1);
  const span = WIDTH - 20;
  const titleId = nextId("budget-title");
  let x = 10;
  const budgetX = 10 + (results.amount_minor / total) * span;
  const picture = svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} 84`, role: "img", "aria-labelledby": titleId },
    svg("title", { id: titleId }, t("results.budget_chart", {
      spent: money(results.total_cost_minor, results.currency), budget: money(results.amount_minor, results.currency),
    })),
    funded.map((line, i) => {
      const w = (line.cost_minor / total) * span;
      const segment = svg("g", { class: "segment" },
        svg("title", {}, `${i + 1}. ${line.title}: ${money(line.cost_minor, results.currency)}`),
        svg("rect", { class: "bar funded", x, y: 20, width: Math.max(1, w - 1), height: 30, opacity: i % 2 ? 0.75 : 1 }),
        w >= 16 ? svg("text", { class: "segment-number", x: x + w / 2, y: 40, "text-anchor": "middle" }, number(i + 1)) : null);
      x += w;
      return segment;
    }),
    svg("line", { class: "budget-line", x1: budgetX, x2: budgetX, y1: 8, y2: 62 }),
    svg("text", { x: budgetX, y: 78, "text-anchor": "end" }, t("results.budget_line", { budget: money(results.amount_minor, results.currency) })));
  const share = (minor) => number(Math.round((minor / Math.max(results.amount_minor, 1)) * 100));
  return h("figure", {}, picture,
    h("figcaption", {}, h("ol", { class: "segments" }, funded.map((line) => h("li", {}, t("results.segment", {
      title: line.title, cost: money(line.cost_minor, results.currency), percent: share(line.cost_minor),
    }))))));
}

/** A cell that names its column, so a row still reads as a card on a phone (`table.reflow`). */
const cell = (label, attrs, ...content) => h("td", { "data-label": label, ...attrs }, ...content);

function resultsTable(results, pointsBallot) {
  const rows = [...results.proposals].sort((a, b) => (a.funded_order ?? 1e9) - (b.funded_order ?? 1e9) || Number(b.score) - Number(a.score));
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("results.table") }, h("table", { class: "reflow" },
    h("caption", { class: "visually-hidden" }, t("results.table")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("results.proposal")),
      h("th", { scope: "col", class: "num" }, t("results.votes")),
      pointsBallot ? h("th", { scope: "col", class: "num" }, t("results.score")) : null,
      h("th", { scope: "col", class: "num" }, t("results.cost")),
      h("th", { scope: "col" }, t("results.funded")))),
    h("tbody", {}, rows.map((l) => h("tr", {},
      h("th", { scope: "row" }, l.title),
      cell(t("results.votes"), { class: "num" }, number(l.votes)),
      pointsBallot ? cell(t("results.score"), { class: "num" }, number(Number(l.score))) : null,
      cell(t("results.cost"), { class: "num" }, money(l.cost_minor, results.currency)),
      cell(t("results.funded"), {}, l.selected ? h("span", { class: "badge ok" }, t("results.yes")) : h("span", { class: "badge" }, t("results.no"))))))));
}

/** Equal Shares: each round's project and what each supporter paid. */
function roundsTable(results, titles) {
  const rounds = (results.tally?.trace ?? []).filter((s) => s.step === "equal_shares");
  if (!rounds.length) return null;
  const currency = results.currency;
  return [
    h("h2", {}, t("results.rounds")),
    h("p", {}, t("results.rounds_intro")),
    h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("results.rounds") }, h("table", { class: "reflow" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "num" }, t("results.round")),
        h("th", { scope: "col" }, t("results.proposal")),
        h("th", { scope: "col", class: "num" }, t("results.price")),
        h("th", { scope: "col", class: "num" }, t("results.payers")),
        h("th", { scope: "col", class: "num" }, t("results.money_left")))),
      h("tbody", {}, rounds.map((r) => h("tr", {},
        cell(t("results.round"), { class: "num" }, number(r.round)),
        h("th", { scope: "row" }, titles.get(r.project) ?? r.project),
        cell(t("results.price"), { class: "num" }, moneyText(r.max_payment?.decimal ?? r.max_payment, currency)),
        cell(t("results.payers"), { class: "num" }, number(r.payers)),
        cell(t("results.money_left"), { class: "num" }, moneyText(r.money_left?.decimal ?? r.money_left, currency))))))),
  ];
}

/**
 * The files a city publishes beside the page: the results as CSV, the cycle's participation
 * statistics, and for its officials and auditors the budget's `.pb`. Each is fetched with the
 * session (staff see them before publication) and saved under the budget's or cycle's name.
 */
function files(budget, city) {
  const status = h("div", { role: "status" });
  const name = pick(budget.names, city.default_language);
  const get = (label, path, chosen) => h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      const saved = await download(await api("GET", path, { auth: true }), null, await chosen());
      status.replaceChildren(h("p", { class: "success" }, t("staff.downloaded", { name: saved })));
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  } }, label);
  const cycleName = async () => {
    const cycle = await api("GET", `/cycles/${budget.cycle_id}`, { auth: true });
    return pick(cycle.names, city.default_language);
  };
  const exporter = ["official", "auditor"].includes(account()?.role);
  return h("section", { "aria-labelledby": "files-title" },
    h("h2", { id: "files-title" }, t("results.files")),
    h("div", { class: "actions" },
      get(t("results.csv"), `/budgets/${budget.id}/results.csv`, async () => fileName(name, "csv")),
      get(t("results.stats"), `/cycles/${budget.cycle_id}/stats.csv`, async () => fileName(`${await cycleName()} ${t("results.stats_file")}`, "csv")),
      exporter ? get(t("staff.download_pb"), `/budgets/${budget.id}/export.pb`, async () => fileName(name, "pb")) : null),
    status);
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
    budgetChart(results),
    resultsTable(results, pointsBallot),
    explanation(results, titles),
    roundsTable(results, titles),
    files(budget, city),
    h("p", {}, h("a", { href: href(city.slug) }, t("ballot.back_to_budgets"))));
}
