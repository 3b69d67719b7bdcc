// Staff: the cycles of the municipality and one cycle's control room — moving it through its
// phases (each move confirmed first), its budgets with turnout, review, paper ballots, the
// count, results and the exports.

import { account, api } from "../../api.js";
import { announce, h, show } from "../../dom.js";
import { dateTime, minorDigits, money, number, pick, t } from "../../i18n.js";
import { changeAndReload, confirmAction, download, errorBox, field, href, phaseName, showFormError } from "../../ui.js";

const NEXT = { draft: "submission", submission: "review", review: "voting", voting: "closed", closed: "published" };

const role = () => account()?.role;
const runs = () => role() === "official" || role() === "municipality_admin";

/** "1 234,50" or "1234.5" in main units → integer minor units, exactly; null if not a number. */
export function toMinor(text, currency) {
  const digits = minorDigits(currency);
  const clean = String(text).replace(/[\s\u00a0']/g, "").replace(",", ".");
  const match = clean.match(/^(\d+)(?:\.(\d*))?$/);
  if (!match || (match[2] ?? "").length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? "").padEnd(digits, "0") || 0);
}

export async function staffHome({ city, isCurrent }) {
  const slug = city.slug;
  const links = [];
  if (runs()) links.push([href(slug, "staff", "residents"), t("staff.residents")]);
  if (role() === "municipality_admin") {
    links.push([href(slug, "staff", "settings"), t("staff.settings")]);
    links.push([href(slug, "staff", "categories"), t("settings.categories")]);
    links.push([href(slug, "staff", "districts"), t("staff.districts")]);
    links.push([href(slug, "staff", "accounts"), t("staff.accounts")]);
  }
  if (role() === "auditor" || role() === "municipality_admin") links.push([href(slug, "staff", "audit"), t("staff.audit_log")]);
  const cycles = await api("GET", `/municipalities/${encodeURIComponent(slug)}/cycles`, { auth: true });
  if (!isCurrent()) return;
  const sorted = [...cycles].sort((a, b) => b.created_at.localeCompare(a.created_at));
  const alertBox = h("div", { tabindex: "-1" });
  const name = field({ label: t("staff.cycle_name"), name: "names", required: true });
  const form = runs() ? h("form", { class: "inline-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      const cycle = await api("POST", `/municipalities/${encodeURIComponent(slug)}/cycles`, {
        auth: true, body: { names: { [city.default_language]: name.input.value.trim() } },
      });
      location.hash = href(slug, "staff", "cycles", cycle.id);
    } catch (error) {
      showFormError(error, { names: name }, alertBox);
    }
  } }, alertBox, name.wrap, h("button", { type: "submit" }, t("staff.create_cycle"))) : null;
  show(
    h("h1", {}, t("staff.title")),
    links.length ? h("ul", { class: "toolbar" }, links.map(([to, text]) => h("li", {}, h("a", { class: "button secondary", href: to }, text)))) : null,
    h("h2", {}, t("staff.cycles")),
    sorted.length ? h("ul", { class: "cards" }, sorted.map((c) => h("li", { class: "card" },
      h("h3", {}, h("a", { href: href(slug, "staff", "cycles", c.id) }, pick(c.names, city.default_language))),
      h("span", { class: "badge" }, phaseName(c.status))))) : h("p", {}, t("city.no_cycle")),
    form ? [h("h2", {}, t("staff.new_cycle")), form] : null);
}

function budgetForm(city, cycle, reload) {
  const currency = city.currency;
  const fields = {
    names: field({ label: t("staff.budget_name"), name: "names", required: true }),
    amount_minor: field({ label: t("staff.budget_amount", { currency }), name: "amount_minor", required: true, attrs: { inputmode: "decimal" } }),
    type: field({ label: t("staff.ballot_type"), name: "type", required: true, value: "approval", options: ["approval", "knapsack", "cumulative", "ranked"].map((k) => [k, t(`ballot.kind.${k}`)]) }),
    max_selections: field({ label: t("staff.max_selections"), name: "max_selections", type: "number", attrs: { min: 1 } }),
    max_points: field({ label: t("staff.max_points"), name: "max_points", type: "number", attrs: { min: 1 } }),
    kind: field({ label: t("staff.rule"), name: "kind", required: true, value: "greedy", options: ["greedy", "equal_shares", "phragmen"].map((k) => [k, t(`rule.name.${k}`)]) }),
  };
  const alertBox = h("div", { tabindex: "-1" });
  return h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const amount = toMinor(fields.amount_minor.input.value, currency);
    if (amount === null) {
      fields.amount_minor.setError(t("staff.amount_invalid"));
      fields.amount_minor.input.focus();
      return;
    }
    const ballot = { type: fields.type.input.value };
    if (fields.max_selections.input.value) ballot.max_selections = Number(fields.max_selections.input.value);
    if (fields.max_points.input.value) ballot.max_points = Number(fields.max_points.input.value);
    const rule = { kind: fields.kind.input.value };
    if (rule.kind === "equal_shares") rule.completion = "add1";
    try {
      const body = { names: { [city.default_language]: fields.names.input.value.trim() }, amount_minor: amount, ballot, rule };
      await changeAndReload(() => api("POST", `/cycles/${cycle.id}/budgets`, { auth: true, body }), reload);
      announce(t("staff.budget_created"));
    } catch (error) {
      showFormError(error, { ...fields, "ballot.type": fields.type, "ballot.max_selections": fields.max_selections, "ballot.max_points": fields.max_points, "rule.kind": fields.kind }, alertBox);
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.create_budget"))));
}

async function budgetCard(city, cycle, budget, report) {
  const slug = city.slug;
  const status = cycle.status;
  const rows = [h("p", {}, t("budget.amount", { amount: money(budget.amount_minor, budget.currency) }), " · ", t(`ballot.kind.${budget.ballot.type}`), " · ", t(`rule.name.${budget.rule.kind}`))];
  if (["voting", "closed", "published"].includes(status) && runs()) {
    const turnout = await api("GET", `/budgets/${budget.id}/turnout`, { auth: true });
    rows.push(h("p", {}, t("staff.turnout", { online: number(turnout.online), paper: number(turnout.paper) })));
  }
  const actions = [];
  if (runs() && ["draft", "submission", "review"].includes(status)) {
    actions.push(h("a", { class: "button secondary", href: href(slug, "staff", "review", budget.id) }, t("staff.review_proposals")));
  }
  if (runs() && ["submission", "review"].includes(status)) {
    actions.push(h("a", { class: "button secondary", href: href(slug, "budgets", budget.id, "propose") }, t("propose.add")));
  }
  if (runs() && (status === "voting" || status === "closed")) {
    actions.push(h("a", { class: "button secondary", href: href(slug, "staff", "paper", budget.id) }, t("staff.paper_batch")));
  }
  if (runs() && status === "closed") {
    actions.push(h("button", { type: "button", onclick: async () => {
      try {
        const reply = await api("POST", `/budgets/${budget.id}/tally`, { auth: true, body: {} });
        report(t("staff.tallied", { count: number(reply.ballots_counted), budget: pick(budget.names, city.default_language) }));
      } catch (error) {
        report(error);
      }
    } }, t("staff.tally")));
  }
  if (status === "closed" || status === "published") {
    actions.push(h("a", { class: "button secondary", href: href(slug, "results", budget.id) }, t("budget.results")));
    actions.push(h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        const name = await download(await api("GET", `/budgets/${budget.id}/export.pb`, { auth: true }), `${budget.id}.pb`);
        report(t("staff.downloaded", { name }));
      } catch (error) {
        report(error);
      }
    } }, t("staff.download_pb")));
  }
  return h("li", { class: "card" }, h("h3", {}, pick(budget.names, city.default_language)), rows, h("div", { class: "actions" }, actions));
}

export async function staffCyclePage({ city, params: [, cycleId], isCurrent }) {
  const slug = city.slug;
  const [cycle, budgets] = await Promise.all([
    api("GET", `/cycles/${cycleId}`, { auth: true }),
    api("GET", `/cycles/${cycleId}/budgets`, { auth: true }),
  ]);
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const report = (what) => {
    messages.replaceChildren(what instanceof Error ? errorBox(what) : h("p", { class: "success", role: "status" }, what));
    messages.focus();
  };
  const reload = () => staffCyclePage({ city, params: [slug, cycleId], isCurrent });
  const title = pick(cycle.names, city.default_language);
  const move = (to) => async () => {
    const sure = await confirmAction(t(`staff.confirm.${to}`, { cycle: title }), t(`staff.move.${to}`));
    if (!sure) return;
    try {
      await changeAndReload(() => api("POST", `/cycles/${cycleId}/transition`, { auth: true, body: { to } }), reload);
      announce(t("staff.moved", { phase: phaseName(to) }));
    } catch (error) {
      report(error);
    }
  };
  const next = NEXT[cycle.status];
  const controls = runs() ? h("div", { class: "actions" },
    next ? h("button", { type: "button", onclick: move(next) }, t(`staff.move.${next}`)) : null,
    cycle.status !== "published" && cycle.status !== "cancelled"
      ? h("button", { type: "button", class: "secondary", onclick: move("cancelled") }, t("staff.move.cancelled")) : null) : null;
  const archive = ["closed", "published"].includes(cycle.status) ? h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      const name = await download(await api("GET", `/cycles/${cycleId}/export`, { auth: true }), `${cycleId}.tar.gz`);
      report(t("staff.downloaded", { name }));
    } catch (error) {
      report(error);
    }
  } }, t("staff.download_archive")) : null;
  const cards = await Promise.all(budgets.map((b) => budgetCard(city, cycle, b, report)));
  if (!isCurrent()) return;
  show(
    h("p", {}, h("a", { href: href(slug, "staff") }, t("staff.title"))),
    h("h1", {}, title),
    h("p", {}, t("staff.phase"), ": ", h("strong", { class: "phase" }, phaseName(cycle.status))),
    cycle.voting_closes_at ? h("p", {}, t("cycle.voting_closes"), ": ", dateTime(cycle.voting_closes_at, cycle.time_zone)) : null,
    messages,
    controls,
    h("h2", {}, t("staff.budgets")),
    cards.length ? h("ul", { class: "cards" }, cards) : h("p", {}, t("cycle.no_budgets")),
    archive ? h("p", {}, archive) : null,
    runs() && ["draft", "submission", "review"].includes(cycle.status) ? [h("h2", {}, t("staff.new_budget")), budgetForm(city, cycle, reload)] : null);
}
