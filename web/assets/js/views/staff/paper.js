// Staff: a polling station's paper ballots, entered one by one and sent as one batch (all or
// nothing). The batch being typed is kept in this browser until it is accepted.

import { api } from "../../api.js";
import { announce, h, nextId, show } from "../../dom.js";
import { pick, t } from "../../i18n.js";
import { readStoredJson, removeStored, writeStored } from "../../storage.js";
import { errorBox, errorText, field, href } from "../../ui.js";

const draftKey = (budgetId) => `kurultai.paper.${budgetId}`;

async function onBallot(budgetId) {
  const items = [];
  for (let page = 1; page < 50; page += 1) {
    const got = await api("GET", `/budgets/${budgetId}/proposals?limit=100&page=${page}&sort=title`, { auth: true });
    items.push(...got.items.filter((p) => p.on_ballot));
    if (page * got.limit >= got.total) break;
  }
  return items;
}

export async function paperPage({ city, params: [, budgetId], isCurrent }) {
  const [budget, proposals] = await Promise.all([api("GET", `/budgets/${budgetId}`, { auth: true }), onBallot(budgetId)]);
  if (!isCurrent()) return;
  const type = budget.ballot.type;
  const saved = readStoredJson("localStorage", draftKey(budgetId));
  // Each paper ballot: proposal id → true (approval, knapsack) or a number (points, rank).
  let ballots = saved?.ballots ?? [{}];
  const station = field({ label: t("staff.polling_station"), name: "polling_station", required: true, value: saved?.station ?? "" });
  const list = h("div", {});
  const messages = h("div", { tabindex: "-1" });
  const keep = () => writeStored("localStorage", draftKey(budgetId), JSON.stringify({ station: station.input.value, ballots }));
  station.input.addEventListener("input", keep);

  function control(i, p) {
    const id = nextId("paper");
    const value = ballots[i][p.id];
    if (type === "approval" || type === "knapsack") {
      return h("div", { class: "choice" },
        h("input", { type: "checkbox", id, checked: Boolean(value), onchange: (e) => { ballots[i][p.id] = e.target.checked; keep(); } }),
        h("label", { for: id }, p.title), h("span", {}));
    }
    return h("div", { class: "choice" }, h("span", {}),
      h("label", { for: id }, p.title, " ", h("span", { class: "muted" }, t(type === "ranked" ? "staff.rank" : "staff.points"))),
      h("input", { type: "number", id, min: 0, step: 1, value: value || "", onchange: (e) => { ballots[i][p.id] = Number(e.target.value) || 0; keep(); } }));
  }

  function render(errors = new Map()) {
    list.replaceChildren(...ballots.map((_, i) => {
      const legendId = nextId("ballot");
      const error = errors.get(i);
      return h("fieldset", { class: "paper-ballot", "aria-labelledby": legendId, "aria-invalid": error ? "true" : null },
        h("legend", { id: legendId }, t("staff.paper_ballot", { n: i + 1 })),
        error ? h("p", { class: "field-error" }, error) : null,
        proposals.map((p) => control(i, p)),
        h("button", { type: "button", class: "secondary", onclick: () => { ballots.splice(i, 1); keep(); render(); } }, t("staff.remove_ballot", { n: i + 1 })));
    }));
  }

  function selections(entry) {
    const chosen = Object.entries(entry).filter(([, v]) => v);
    if (type === "cumulative") return chosen.map(([proposal_id, points]) => ({ proposal_id, points }));
    if (type === "ranked") return chosen.map(([proposal_id, rank]) => ({ proposal_id, rank }));
    return chosen.map(([proposal_id]) => ({ proposal_id }));
  }

  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      const reply = await api("POST", `/budgets/${budgetId}/paper-ballots`, {
        auth: true, body: { polling_station: station.input.value.trim(), ballots: ballots.map((b) => ({ selections: selections(b) })) },
      });
      removeStored("localStorage", draftKey(budgetId));
      ballots = [{}];
      station.input.value = "";
      render();
      messages.replaceChildren(h("p", { class: "success", role: "status" }, t("staff.paper_accepted", { count: reply.accepted, station: reply.polling_station })));
      messages.focus();
    } catch (error) {
      // Each ballot in error is named `ballots[i]`; its message goes next to it.
      const byBallot = new Map();
      for (const fe of error.errors ?? []) {
        const i = fe.field.match(/^ballots\[(\d+)\]/)?.[1];
        if (i !== undefined) byBallot.set(Number(i), errorText(fe));
        else if (fe.field === "polling_station") station.setError(errorText(fe));
      }
      render(byBallot);
      messages.replaceChildren(errorBox(error));
      messages.focus();
    }
  } },
  station.wrap, list,
  h("div", { class: "actions" },
    h("button", { type: "button", class: "secondary", onclick: () => { ballots.push({}); keep(); render(); announce(t("staff.ballot_added", { n: ballots.length })); } }, t("staff.add_ballot")),
    h("button", { type: "submit" }, t("staff.send_batch"))));
  render();
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff", "cycles", budget.cycle_id) }, t("staff.back_to_cycle"))),
    h("h1", {}, t("staff.paper_title", { budget: pick(budget.names, city.default_language) })),
    h("p", {}, t("staff.paper_intro")),
    messages,
    form);
}
