// Staff: the cycles of the municipality and one cycle's control room — its names and dates
// (cycle_details.js), moving it through its phases (each move confirmed first), its budgets
// (created, changed and deleted before voting with budget_form.js) with turnout, review,
// paper ballots, the count, results and the exports.

import { account, api } from "../../api.js";
import { announce, h, show } from "../../dom.js";
import { number, pick, t } from "../../i18n.js";
import { changeAndReload, confirmAction, download, errorBox, fileName, href, phaseName, showFormError } from "../../ui.js";
import { budgetForm, budgetSummary } from "./budget_form.js";
import { cycleForm, schedule } from "./cycle_details.js";
import { nameFields } from "./names.js";

const NEXT = { draft: "submission", submission: "review", review: "voting", voting: "closed", closed: "published" };

const role = () => account()?.role;
const runs = () => role() === "official" || role() === "municipality_admin";

// Kept here too: other pages import the amount parser from this module.
export { toMinor } from "./budget_form.js";

export async function staffHome({ city, isCurrent }) {
  const slug = city.slug;
  const links = [];
  if (runs()) links.push([href(slug, "staff", "residents"), t("staff.residents")]);
  if (role() === "municipality_admin") {
    links.push([href(slug, "staff", "settings"), t("staff.settings")]);
    links.push([href(slug, "staff", "identity"), t("identity.title")]);
    links.push([href(slug, "staff", "categories"), t("settings.categories")]);
    links.push([href(slug, "staff", "districts"), t("staff.districts")]);
    links.push([href(slug, "staff", "accounts"), t("staff.accounts")]);
    links.push([href(slug, "staff", "voter-roll"), t("roll.title")]);
  }
  if (role() === "auditor" || role() === "municipality_admin") links.push([href(slug, "staff", "audit"), t("staff.audit_log")]);
  links.push([href(slug, "staff", "account"), t("staff_account.title")]);
  const cycles = await api("GET", `/municipalities/${encodeURIComponent(slug)}/cycles`, { auth: true });
  if (!isCurrent()) return;
  const sorted = [...cycles].sort((a, b) => b.created_at.localeCompare(a.created_at));
  const alertBox = h("div", { tabindex: "-1" });
  const names = nameFields(city, t("staff.cycle_name"));
  const form = runs() ? h("form", { class: "inline-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      const cycle = await api("POST", `/municipalities/${encodeURIComponent(slug)}/cycles`, {
        auth: true, body: { names: names.value() },
      });
      location.hash = href(slug, "staff", "cycles", cycle.id);
    } catch (error) {
      showFormError(error, { ...names.fields, names: names.fields[`names.${city.default_language}`] }, alertBox);
    }
  } }, alertBox, Object.values(names.fields).map((f) => f.wrap), h("button", { type: "submit" }, t("staff.create_cycle"))) : null;
  show(
    h("h1", {}, t("staff.title")),
    links.length ? h("ul", { class: "toolbar" }, links.map(([to, text]) => h("li", {}, h("a", { class: "button secondary", href: to }, text)))) : null,
    h("h2", {}, t("staff.cycles")),
    sorted.length ? h("ul", { class: "cards" }, sorted.map((c) => h("li", { class: "card" },
      h("h3", {}, h("a", { href: href(slug, "staff", "cycles", c.id) }, pick(c.names, city.default_language))),
      h("span", { class: "badge" }, phaseName(c.status))))) : h("p", {}, t("city.no_cycle")),
    form ? [h("h2", {}, t("staff.new_cycle")), form] : null);
}

async function budgetCard(city, cycle, budget, { report, reload, districts }) {
  const slug = city.slug;
  const status = cycle.status;
  const name = pick(budget.names, city.default_language);
  const rows = [h("p", {}, budgetSummary(city, budget, districts))];
  if (["voting", "closed", "published"].includes(status) && runs()) {
    const turnout = await api("GET", `/budgets/${budget.id}/turnout`, { auth: true });
    rows.push(h("p", {}, t("staff.turnout", { online: number(turnout.online), paper: number(turnout.paper) })));
  }
  const actions = [];
  const card = h("li", { class: "card" });
  if (runs() && ["draft", "submission", "review"].includes(status)) {
    actions.push(h("a", { class: "button secondary", href: href(slug, "staff", "review", budget.id) }, t("staff.review_proposals")));
    actions.push(h("button", { type: "button", class: "secondary", onclick: () => {
      const form = budgetForm(city, cycle, districts, budget, async () => {
        announce(t("staff.budget_saved"));
        await reload();
      });
      const cancel = h("button", { type: "button", class: "secondary", onclick: () => reload() }, t("staff.cancel"));
      card.replaceChildren(h("h3", {}, t("staff.edit_budget", { budget: name })), form, h("div", { class: "actions" }, cancel));
      form.querySelector("input, select")?.focus();
    } }, t("staff.edit_budget", { budget: name })));
    actions.push(h("button", { type: "button", class: "secondary", onclick: async () => {
      const sure = await confirmAction(t("staff.confirm_delete_budget", { budget: name }), t("staff.delete_budget", { budget: name }));
      if (!sure) return;
      try {
        await changeAndReload(() => api("DELETE", `/budgets/${budget.id}`, { auth: true }), reload);
        announce(t("staff.budget_deleted", { budget: name }));
      } catch (error) {
        report(error);
      }
    } }, t("staff.delete_budget", { budget: name })));
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
        report(t("staff.tallied", { count: reply.ballots_counted, budget: pick(budget.names, city.default_language) }));
      } catch (error) {
        report(error);
      }
    } }, t("staff.tally")));
  }
  if (status === "closed" || status === "published") {
    actions.push(h("a", { class: "button secondary", href: href(slug, "results", budget.id) }, t("budget.results")));
    actions.push(h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        const name = await download(await api("GET", `/budgets/${budget.id}/export.pb`, { auth: true }), null, fileName(pick(budget.names, city.default_language), "pb"));
        report(t("staff.downloaded", { name }));
      } catch (error) {
        report(error);
      }
    } }, t("staff.download_pb")));
  }
  card.replaceChildren(h("h3", {}, name), ...rows, h("div", { class: "actions" }, actions));
  return card;
}

export async function staffCyclePage({ city, params: [, cycleId], isCurrent }) {
  const slug = city.slug;
  const [cycle, budgets, districts] = await Promise.all([
    api("GET", `/cycles/${cycleId}`, { auth: true }),
    api("GET", `/cycles/${cycleId}/budgets`, { auth: true }),
    api("GET", `/municipalities/${encodeURIComponent(slug)}/districts`),
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
    h("a", { class: "button secondary", href: href(slug, "staff", "cycles", cycleId, "proposals") }, t("staff.all_proposals")),
    next ? h("button", { type: "button", onclick: move(next) }, t(`staff.move.${next}`)) : null,
    cycle.status !== "published" && cycle.status !== "cancelled"
      ? h("button", { type: "button", class: "secondary", onclick: move("cancelled") }, t("staff.move.cancelled")) : null) : null;
  const archive = ["closed", "published"].includes(cycle.status) ? h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      const name = await download(await api("GET", `/cycles/${cycleId}/export`, { auth: true }), null, fileName(title, "tar.gz"));
      report(t("staff.downloaded", { name }));
    } catch (error) {
      report(error);
    }
  } }, t("staff.download_archive")) : null;
  const cards = await Promise.all(budgets.map((b) => budgetCard(city, cycle, b, { report, reload, districts })));
  const newBudget = () => budgetForm(city, cycle, districts, null, async () => {
    await reload();
    announce(t("staff.budget_created"));
  });
  if (!isCurrent()) return;
  show(
    h("p", {}, h("a", { href: href(slug, "staff") }, t("staff.title"))),
    h("h1", {}, title),
    h("p", {}, t("staff.phase"), ": ", h("strong", { class: "phase" }, phaseName(cycle.status))),
    messages,
    runs() && cycle.status === "draft" ? cycleForm(city, cycle, reload) : schedule(cycle),
    controls,
    h("h2", {}, t("staff.budgets")),
    cards.length ? h("ul", { class: "cards" }, cards) : h("p", {}, t("cycle.no_budgets")),
    archive ? h("p", {}, archive) : null,
    h("p", {}, h("a", { href: href(slug, "staff", "cycles", cycleId, "verify") }, t("verify.link"))),
    runs() && ["draft", "submission", "review"].includes(cycle.status) ? [h("h2", {}, t("staff.new_budget")), newBudget()] : null);
}
