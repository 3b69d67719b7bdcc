// A municipality's home: its current cycle with phase and dates in the city's time zone, and
// each budget with what a resident can do there now.

import { account, api, signedInAt } from "../api.js";
import { h, show } from "../dom.js";
import { cyclesPath, shownCycles } from "../early.js";
import { date, dateTime, money, pick, t } from "../i18n.js";
import { receiptBlock, standingIn, standingLine } from "../standing.js";
import { readStored, removeStored } from "../storage.js";
import { href, isStaff, phaseName } from "../ui.js";

function dates(cycle) {
  const zone = cycle.time_zone;
  const rows = [
    ["cycle.submission_opens", cycle.submission_opens_at],
    ["cycle.voting_opens", cycle.voting_opened_at ?? cycle.voting_opens_at],
    ["cycle.voting_closes", cycle.voting_closed_at ?? cycle.voting_closes_at],
    ["cycle.published", cycle.published_at],
  ].filter(([, when]) => when);
  if (!rows.length) return null;
  return h("dl", { class: "dates" }, rows.map(([key, when]) => [
    h("dt", {}, t(key)),
    h("dd", {}, h("time", { datetime: when }, dateTime(when, zone))),
  ]));
}

function budgetCard(city, cycle, budget, signedIn, standing) {
  const slug = city.slug;
  const actions = [h("a", { href: href(slug, "budgets", budget.id) }, t("budget.proposals"))];
  if (standing) {
    // The resident's own standing decides the button: "Vote", "Change your vote", or none.
    if (cycle.status === "voting" && standing.can_vote) {
      actions.push(h("a", { class: "button", href: href(slug, "vote", budget.id) }, t(standing.voted ? "standing.change" : "budget.vote")));
    }
  } else if (cycle.status === "voting") {
    actions.push(signedIn
      ? h("a", { class: "button", href: href(slug, "vote", budget.id) }, t("budget.vote"))
      : h("a", { href: href(slug, "login") }, t("budget.login_to_vote")));
  }
  // During submission the card leads straight to the form, as the budget's own page does.
  if (cycle.status === "submission" && city.max_proposals_per_resident > 0) {
    actions.push(h("a", { class: "button", href: signedIn ? href(slug, "budgets", budget.id, "propose") : href(slug, "login") }, t("propose.action")));
  }
  if (cycle.status === "published") {
    actions.push(h("a", { class: "button", href: href(slug, "results", budget.id) }, t("budget.results")));
  }
  return h("li", { class: "card" },
    h("h3", {}, pick(budget.names, city.default_language)),
    h("p", {}, t("budget.amount", { amount: money(budget.amount_minor, budget.currency) })),
    h("p", { class: "muted" }, t(`ballot.type.${budget.ballot.type}`)),
    standing ? standingLine(standing, cycle.status) : null,
    standing?.receipt ? [h("p", {}, t("ballot.receipt_intro")), receiptBlock(standing.receipt)] : null,
    h("p", { class: "actions" }, actions));
}

// Phases in which a resident's standing says something: before, during and just after voting.
const STANDING_PHASES = ["submission", "review", "voting", "closed"];

/** The signed-in resident's profile and standing in each budget shown (none for others). */
async function residentView(city, shown) {
  if (!signedInAt(city.slug) || isStaff(account())) return { profile: null, standings: new Map() };
  const budgets = shown.filter((c) => STANDING_PHASES.includes(c.status)).flatMap((c) => c.budgets);
  const [profile, ...standings] = await Promise.all([
    api("GET", "/me/profile", { auth: true }).catch(() => null),
    ...budgets.map((b) => standingIn(b.id)),
  ]);
  return { profile, standings: new Map(budgets.map((b, i) => [b.id, standings[i]])) };
}

/** What the resident should know first: a registration awaiting review, or refused, or too young. */
function registrationNotice(profile, welcome) {
  if (!profile) return null;
  if (profile.status === "pending") {
    return welcome ? null : h("p", { class: "notice", role: "status" }, t("city.pending"));
  }
  if (profile.status === "rejected") {
    return h("p", { class: "notice", role: "status" }, t("city.rejected"), profile.status_reason ? ` ${profile.status_reason}` : "");
  }
  if (profile.votes_from && !welcome) {
    return h("p", { class: "notice", role: "status" }, t("city.too_young", { date: date(profile.votes_from, "UTC") }));
  }
  return null;
}

/** The message after registration: what is true of the new resident, not just "registered". */
function welcomeText(welcome, profile) {
  if (welcome !== "verified") return t("city.welcome.pending");
  if (profile?.votes_from) return t("city.welcome.too_young", { date: date(profile.votes_from, "UTC") });
  return t("city.welcome.verified");
}

export async function cityPage({ city, isCurrent }) {
  const shown = shownCycles(await api("GET", cyclesPath(city.slug)));
  const signedIn = signedInAt(city.slug);
  const { profile, standings } = await residentView(city, shown);
  if (!isCurrent()) return;
  const sections = shown.map(({ budgets, ...cycle }) =>
    h("section", { "aria-labelledby": `cycle-${cycle.id}` },
      h("h2", { id: `cycle-${cycle.id}` }, pick(cycle.names, city.default_language), " ",
        h("span", { class: "badge" }, phaseName(cycle.status))),
      dates(cycle),
      budgets.length
        ? h("ul", { class: "cards" }, budgets.map((b) => budgetCard(city, cycle, b, signedIn, standings.get(b.id))))
        : h("p", {}, t("cycle.no_budgets"))));
  const welcome = readStored("sessionStorage", "kurultai.welcome");
  removeStored("sessionStorage", "kurultai.welcome");
  show(
    h("h1", {}, pick(city.names, city.default_language)),
    welcome ? h("p", { class: welcome === "verified" && !profile?.votes_from ? "success" : "notice", role: "status" }, welcomeText(welcome, profile)) : null,
    registrationNotice(profile, welcome),
    signedIn ? null : h("p", { class: "notice" },
      t("city.join"), " ",
      h("a", { href: href(city.slug, "register") }, t("account.register")), " · ",
      h("a", { href: href(city.slug, "login") }, t("account.login"))),
    sections.length ? sections : h("p", {}, t("city.no_cycle")),
  );
}
