// The count explained in plain words, from the engine's stored trace (`kurultai.tally/1`,
// docs/tally-json.md): what each Equal Shares round did, what the completion did to each
// voter's share (and so why "money left with the voters" can exceed the budget), why a
// proposal with more votes can lose, and which ties decided the outcome and how they were
// broken (greedy ties read from the order of the greedy steps, Equal Shares ties from each
// round's `tied_with`). Every figure comes from the trace; nothing here recounts.

import { h } from "../dom.js";
import { minorDigits, money, moneyText, number, t } from "../i18n.js";

/** A trace amount: exact values come as `{fraction, decimal}`, plain money as a string. */
const decimal = (value) => value?.decimal ?? value;

const quoted = (title) => t("results.quoted", { title });

/** Each voter's share of the budget: the first the completion tried, and the one it kept. */
function shares(results) {
  const add1 = (results.tally?.trace ?? []).find((s) => s.step === "add1");
  if (add1) return { first: Number(decimal(add1.first_share)), kept: Number(decimal(add1.kept_share)), runs: add1.runs };
  const even = results.ballots_counted ? Number(decimal(results.tally?.budget)) / results.ballots_counted : 0;
  return { first: even, kept: even, runs: 1 };
}

function completionText(results, share) {
  const currency = results.currency;
  const voters = results.ballots_counted;
  const parts = [h("p", {}, t("results.es.share", {
    budget: money(results.amount_minor, currency), voters: number(voters), share: moneyText(share.first, currency),
  }))];
  if (share.kept > share.first) {
    parts.push(h("p", { class: "completion" }, t("results.es.completion", {
      first: moneyText(share.first, currency),
      kept: moneyText(share.kept, currency),
      total: moneyText(share.kept * voters, currency),
      budget: money(results.amount_minor, currency),
    })));
  }
  return parts;
}

/** One sentence per round of the kept Equal Shares run, then the greedy completion's picks. */
function roundsText(results, titles) {
  const currency = results.currency;
  const trace = results.tally?.trace ?? [];
  const items = [];
  for (const s of trace) {
    const title = quoted(titles.get(s.project) ?? s.project);
    if (s.step === "equal_shares") {
      items.push(h("li", {}, t("results.es.round", {
        round: number(s.round), project: title, cost: moneyText(decimal(s.cost), currency),
        payers: number(s.payers), price: moneyText(decimal(s.max_payment), currency),
        all: number(s.paid_everything), left: moneyText(decimal(s.money_left), currency),
      })));
    } else if (s.step === "greedy" && s.stage === "completion" && s.funded) {
      items.push(h("li", {}, t("results.es.greedy_completion", { project: title, cost: moneyText(decimal(s.cost), currency) })));
    } else if (s.step === "free") {
      items.push(h("li", {}, t("results.es.free", { project: title })));
    }
  }
  return items.length ? h("ol", { class: "rounds-text" }, items) : null;
}

/**
 * For each proposal left out although a funded one had fewer votes: its cost per supporter
 * against the share each voter held, which is what Equal Shares weighs, not the vote count.
 */
function upsetsText(results, share) {
  const currency = results.currency;
  const funded = results.proposals.filter((l) => l.selected);
  const items = [];
  for (const lost of results.proposals.filter((l) => !l.selected && l.votes > 0)) {
    const beaten = funded.filter((w) => w.votes < lost.votes).sort((a, b) => a.votes - b.votes)[0];
    if (!beaten) continue;
    const perSupporter = lost.cost_minor / lost.votes;
    const vars = {
      project: quoted(lost.title), votes: number(lost.votes), winner: quoted(beaten.title),
      winner_votes: number(beaten.votes), cost: money(lost.cost_minor, currency),
      per: money(Math.ceil(perSupporter), currency), share: moneyText(share.kept, currency),
    };
    const unaffordable = share.kept > 0 && perSupporter / 10 ** minorDigits(currency) > share.kept;
    items.push(h("li", {}, t(unaffordable ? "results.es.lost_share" : "results.es.lost_spent", vars)));
  }
  if (!items.length) return null;
  return [h("h3", {}, t("results.es.lost_heading")), h("ul", {}, items)];
}

/** The tie-break rule in words, as the count applied it. */
function tieRule(tally) {
  const tie = tally?.tie_break ?? {};
  return tie.name === "equalshares" ? t("results.tie_rule.equalshares", { seed: tie.seed }) : t("results.tie_rule.pabutools");
}

/**
 * Ties that decided a greedy pass: two proposals with the same score, considered one after
 * the other, where the first was funded and the second then no longer fitted. The trace lists
 * every proposal a pass considered in the order the tie-break rule fixed, so it shows them.
 */
export function greedyTies(results, titles) {
  const steps = (results.tally?.trace ?? []).filter((s) => s.step === "greedy");
  const ties = [];
  for (let i = 1; i < steps.length; i += 1) {
    const [a, b] = [steps[i - 1], steps[i]];
    if (a.stage !== b.stage || a.score !== b.score || !a.funded || b.funded) continue;
    // Would the second have fitted had it come first? Only then did the tie decide anything.
    const before = Number(decimal(a.budget_left)) + Number(decimal(a.cost));
    if (Number(decimal(b.cost)) > before) continue;
    ties.push({ winner: titles.get(a.project) ?? a.project, loser: titles.get(b.project) ?? b.project, score: a.score });
  }
  return ties;
}

/**
 * Ties an Equal Shares round broke: the engine records, per round, the projects whose price per
 * supporter equalled the winner's exactly (`tied_with`, absent from results counted before it).
 */
export function roundTies(results, titles) {
  return (results.tally?.trace ?? [])
    .filter((s) => s.step === "equal_shares" && s.tied_with?.length)
    .map((s) => ({ round: s.round, winner: titles.get(s.project) ?? s.project, losers: s.tied_with.map((p) => titles.get(p) ?? p) }));
}

function tiesText(results, titles) {
  const rule = tieRule(results.tally);
  const items = [
    ...greedyTies(results, titles).map((tie) => t("results.tie", {
      winner: quoted(tie.winner), loser: quoted(tie.loser), score: number(Number(tie.score)), rule,
    })),
    ...roundTies(results, titles).map((tie) => t("results.tie_round", {
      round: number(tie.round), winner: quoted(tie.winner), losers: tie.losers.map(quoted).join(", "), rule,
    })),
  ];
  if (!items.length) return null;
  return [h("h3", {}, t("results.ties")), h("ul", { class: "ties" }, items.map((text) => h("li", {}, text)))];
}

/** The explanation section for a result, or null when there is nothing to explain. */
export function explanation(results, titles) {
  const rule = results.tally?.rule;
  const parts = [];
  if (rule === "equal_shares") {
    const share = shares(results);
    parts.push(h("h2", {}, t("results.es.heading")), completionText(results, share), roundsText(results, titles),
      upsetsText(results, share));
  }
  parts.push(tiesText(results, titles));
  const shown = parts.flat(Infinity).filter(Boolean);
  return shown.length ? h("section", { class: "explanation", "aria-label": t("results.explanation") }, shown) : null;
}
