// A municipality's home: its current cycle with phase and dates in the city's time zone, and
// each budget with what a resident can do there now.

import { api, signedInAt } from "../api.js";
import { h, show } from "../dom.js";
import { cyclesPath, shownCycles } from "../early.js";
import { dateTime, money, pick, t } from "../i18n.js";
import { readStored, removeStored } from "../storage.js";
import { href, phaseName } from "../ui.js";

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

function budgetCard(city, cycle, budget, signedIn) {
  const slug = city.slug;
  const actions = [h("a", { href: href(slug, "budgets", budget.id) }, t("budget.proposals"))];
  if (cycle.status === "voting") {
    actions.push(signedIn
      ? h("a", { class: "button", href: href(slug, "vote", budget.id) }, t("budget.vote"))
      : h("a", { href: href(slug, "login") }, t("budget.login_to_vote")));
  }
  if (cycle.status === "published") {
    actions.push(h("a", { class: "button", href: href(slug, "results", budget.id) }, t("budget.results")));
  }
  return h("li", { class: "card" },
    h("h3", {}, pick(budget.names, city.default_language)),
    h("p", {}, t("budget.amount", { amount: money(budget.amount_minor, budget.currency) })),
    h("p", { class: "muted" }, t(`ballot.type.${budget.ballot.type}`)),
    h("p", { class: "actions" }, actions));
}

export async function cityPage({ city, isCurrent }) {
  const shown = shownCycles(await api("GET", cyclesPath(city.slug)));
  const signedIn = signedInAt(city.slug);
  if (!isCurrent()) return;
  const sections = shown.map(({ budgets, ...cycle }) =>
    h("section", { "aria-labelledby": `cycle-${cycle.id}` },
      h("h2", { id: `cycle-${cycle.id}` }, pick(cycle.names, city.default_language), " ",
        h("span", { class: "badge" }, phaseName(cycle.status))),
      dates(cycle),
      budgets.length
        ? h("ul", { class: "cards" }, budgets.map((b) => budgetCard(city, cycle, b, signedIn)))
        : h("p", {}, t("cycle.no_budgets"))));
  const welcome = readStored("sessionStorage", "kurultai.welcome");
  removeStored("sessionStorage", "kurultai.welcome");
  show(
    h("h1", {}, pick(city.names, city.default_language)),
    welcome ? h("p", { class: "success", role: "status" }, t(welcome === "verified" ? "city.welcome.verified" : "city.welcome.pending")) : null,
    signedIn ? null : h("p", { class: "notice" },
      t("city.join"), " ",
      h("a", { href: href(city.slug, "register") }, t("account.register")), " · ",
      h("a", { href: href(city.slug, "login") }, t("account.login"))),
    sections.length ? sections : h("p", {}, t("city.no_cycle")),
  );
}
