// The budget form, for a new budget and for changing one before voting: names in every
// language, the district whose residents vote, the amount, and every ballot and counting
// option the API has. Options that do not apply to the chosen ballot or rule are hidden and
// not sent (the API refuses them as `not_applicable`).

import { api } from "../../api.js";
import { h, nextId } from "../../dom.js";
import { minorDigits, money, pick, t } from "../../i18n.js";
import { field, showFormError } from "../../ui.js";
import { nameFields } from "./names.js";

const BALLOT_TYPES = ["approval", "knapsack", "cumulative", "ranked"];
const RULES = ["greedy", "equal_shares", "phragmen"];
const COMPLETIONS = ["add1", "add1_greedy", "equalshares_add1", "equalshares_add1u", "none"];
const TIE_BREAKS = ["pabutools", "equalshares"];

/** Which ballot options each type takes. */
const FOR_TYPE = {
  max_points: ["cumulative"],
  max_points_per_proposal: ["cumulative"],
  max_spend: ["knapsack"],
  min_spend_percent: ["knapsack"],
};

/** "1 234,50" or "1234.5" in main units → integer minor units, exactly; null if not a number. */
export function toMinor(text, currency) {
  const digits = minorDigits(currency);
  const clean = String(text).replace(/[\s\u00a0']/g, "").replace(",", ".");
  const match = clean.match(/^(\d+)(?:\.(\d*))?$/);
  if (!match || (match[2] ?? "").length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? "").padEnd(digits, "0") || 0);
}

/** Minor units → the main-unit text a person types ("1500.5"). */
function mainUnits(minor, currency) {
  if (minor === null || minor === undefined) return "";
  const digits = minorDigits(currency);
  const text = String(minor).padStart(digits + 1, "0");
  return digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}`.replace(/\.?0+$/, "") : text;
}

const whole = (value) => (value === "" ? undefined : Number(value));

/**
 * The verification methods that count for voting, as a checkbox per method the city offers
 * (none checked: any of them). The form shows it only where the city offers more than one.
 */
function acceptedField(city, accepted) {
  const boxes = (city.verification_methods ?? []).map((method) => {
    const id = nextId("accepted");
    const box = h("input", { type: "checkbox", id, name: "accepted_verifications", value: method, checked: accepted.includes(method) });
    return [box, h("div", { class: "check" }, box, h("label", { for: id }, ` ${t(`verification.method.${method}`)}`))];
  });
  const hintId = nextId("accepted-hint");
  const error = h("p", { class: "field-error", hidden: true });
  const wrap = h("fieldset", { class: "field", "aria-describedby": hintId },
    h("legend", {}, t("staff.accepted_verifications")),
    h("p", { id: hintId, class: "hint" }, t("staff.accepted_verifications_hint")),
    boxes.map(([, row]) => row), error);
  return {
    wrap, input: boxes[0]?.[0] ?? wrap,
    value: () => boxes.filter(([box]) => box.checked).map(([box]) => box.value),
    setError: (text) => { error.textContent = text || ""; error.hidden = !text; },
    setOk: () => {},
  };
}

/**
 * The form. `budget` is the budget to change, or null for a new one; `done(budget)` runs
 * after the API took it.
 */
export function budgetForm(city, cycle, districts, budget, done) {
  const currency = city.currency;
  const ballot = budget?.ballot ?? {};
  const rule = budget?.rule ?? {};
  const names = nameFields(city, t("staff.budget_name"), budget?.names);
  const number = (name, label, value, attrs = {}) => field({ label, name, type: "number", value: value ?? "", attrs: { min: 0, ...attrs } });
  const fields = {
    ...names.fields,
    district_id: field({ label: t("staff.district"), name: "district_id", value: budget?.district_id ?? "",
      options: [["", t("staff.city_wide")], ...districts.map((d) => [d.id, pick(d.names, city.default_language)])] }),
    amount_minor: field({ label: t("staff.budget_amount", { currency }), name: "amount_minor", required: true,
      value: mainUnits(budget?.amount_minor, currency), attrs: { inputmode: "decimal" } }),
    type: field({ label: t("staff.ballot_type"), name: "type", required: true, value: ballot.type ?? "approval",
      options: BALLOT_TYPES.map((k) => [k, t(`ballot.kind.${k}`)]) }),
    min_selections: number("min_selections", t("staff.min_selections"), ballot.min_selections || ""),
    max_selections: number("max_selections", t("staff.max_selections"), ballot.max_selections, { min: 1 }),
    max_points: number("max_points", t("staff.max_points"), ballot.max_points, { min: 1 }),
    max_points_per_proposal: number("max_points_per_proposal", t("staff.max_points_per_proposal"), ballot.max_points_per_proposal, { min: 1 }),
    max_spend: field({ label: t("staff.max_spend", { currency }), name: "max_spend", hint: t("staff.max_spend_hint"),
      value: mainUnits(ballot.max_spend_minor, currency), attrs: { inputmode: "decimal" } }),
    min_spend_percent: number("min_spend_percent", t("staff.min_spend_percent"), ballot.min_spend_percent, { max: 100 }),
    kind: field({ label: t("staff.rule"), name: "kind", required: true, value: rule.kind ?? "greedy",
      options: RULES.map((k) => [k, t(`rule.name.${k}`)]) }),
    completion: field({ label: t("staff.completion"), name: "completion", required: true, value: rule.completion ?? "add1",
      options: COMPLETIONS.map((k) => [k, t(`staff.completion.${k}`)]) }),
    tie_break: field({ label: t("staff.tie_break"), name: "tie_break", required: true, value: rule.tie_break ?? "pabutools",
      options: TIE_BREAKS.map((k) => [k, t(`staff.tie_break.${k}`)]) }),
    accepted_verifications: acceptedField(city, budget?.accepted_verifications ?? []),
  };
  const applies = (name) => {
    if (name in FOR_TYPE) return FOR_TYPE[name].includes(fields.type.input.value);
    if (name === "completion") return fields.kind.input.value === "equal_shares";
    if (name === "accepted_verifications") return (city.verification_methods ?? []).length > 1;
    return true;
  };
  const sync = () => {
    for (const [name, f] of Object.entries(fields)) f.wrap.hidden = !applies(name);
  };
  fields.type.input.addEventListener("change", sync);
  fields.kind.input.addEventListener("change", sync);
  sync();

  const alertBox = h("div", { tabindex: "-1" });
  const submit = h("button", { type: "submit" }, t(budget ? "staff.save_budget" : "staff.create_budget"));
  const money_ = (f) => {
    if (!f.input.value.trim()) return undefined;
    const minor = toMinor(f.input.value, currency);
    if (minor === null) {
      f.setError(t("staff.amount_invalid"));
      f.input.focus();
      throw new Error("invalid amount");
    }
    return minor;
  };
  const form = h("form", { novalidate: true, class: "budget-form", onsubmit: async (event) => {
    event.preventDefault();
    let body;
    try {
      const amount = money_(fields.amount_minor);
      const spend = applies("max_spend") ? money_(fields.max_spend) : undefined;
      const ballotBody = { type: fields.type.input.value };
      for (const name of ["min_selections", "max_selections", "max_points", "max_points_per_proposal", "min_spend_percent"]) {
        if (applies(name) && fields[name].input.value !== "") ballotBody[name] = whole(fields[name].input.value);
      }
      if (spend !== undefined) ballotBody.max_spend_minor = spend;
      const ruleBody = { kind: fields.kind.input.value, tie_break: fields.tie_break.input.value };
      if (applies("completion")) ruleBody.completion = fields.completion.input.value;
      // Keep the published seed of an equalshares order the budget already has.
      if (ruleBody.tie_break === "equalshares" && rule.tie_break === "equalshares" && rule.seed != null) ruleBody.seed = rule.seed;
      body = { names: names.value(), district_id: fields.district_id.input.value || null, amount_minor: amount, ballot: ballotBody, rule: ruleBody };
      if (applies("accepted_verifications")) body.accepted_verifications = fields.accepted_verifications.value();
    } catch {
      return;
    }
    submit.disabled = true;
    try {
      const saved = budget
        ? await api("PATCH", `/budgets/${budget.id}`, { auth: true, body })
        : await api("POST", `/cycles/${cycle.id}/budgets`, { auth: true, body });
      await done(saved);
    } catch (error) {
      const named = { ...fields, names: names.fields[`names.${city.default_language}`], "ballot.max_spend_minor": fields.max_spend };
      for (const name of ["type", "min_selections", "max_selections", "max_points", "max_points_per_proposal", "min_spend_percent"]) named[`ballot.${name}`] = fields[name];
      for (const name of ["kind", "completion", "tie_break"]) named[`rule.${name}`] = fields[name];
      (city.verification_methods ?? []).forEach((_, i) => { named[`accepted_verifications[${i}]`] = fields.accepted_verifications; });
      showFormError(error, named, alertBox);
    } finally {
      submit.disabled = false;
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, submit));
  return form;
}

/** What a budget's card says about its rules, in words. */
export function budgetSummary(city, budget, districts) {
  const district = districts.find((d) => d.id === budget.district_id);
  const parts = [
    t("budget.amount", { amount: money(budget.amount_minor, budget.currency) }),
    district ? pick(district.names, city.default_language) : t("staff.city_wide"),
    t(`ballot.kind.${budget.ballot.type}`),
    t(`rule.name.${budget.rule.kind}`),
  ];
  if (budget.rule.kind === "equal_shares") parts.push(t(`staff.completion.${budget.rule.completion}`));
  return parts.join(" · ");
}
