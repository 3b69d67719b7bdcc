// Writing a proposal: a resident during submission, an official from the staff pages; editing
// it while the API allows (its author while submitted, an official until voting); withdrawing
// it (its author); and a resident's own proposals with their status and the official's reason.

import { account, api, signedInAt } from "../api.js";
import { announce, h, show } from "../dom.js";
import { cyclesPath } from "../early.js";
import { language, minorDigits, money, pick, t, uiLanguageOf } from "../i18n.js";
import { categories, categoryName } from "../proposal_text.js";
import { confirmAction, errorBox, field, href, isStaff, showFormError } from "../ui.js";

/**
 * The languages a proposal is written in: the page's (the city's default where the city does
 * not use the page's language), and on an edit every language it already has.
 */
function writingLanguages(city, p) {
  const page = city.languages.find((tag) => uiLanguageOf(tag) === language()) ?? city.default_language;
  const had = Object.keys(p?.titles ?? {});
  return [page, ...had].filter((tag, i, all) => all.indexOf(tag) === i);
}

function languageName(tag) {
  const ui = uiLanguageOf(tag);
  return ui ? t(`language.${ui}`) : tag;
}

/** Minor units as the decimal a person types ("1500.5" for 150050 with two digits). */
function toMajor(minor, currency) {
  return String(minor / 10 ** minorDigits(currency));
}

function toMinor(text, currency) {
  const value = Number(text.replace(",", "."));
  return text.trim() === "" || !Number.isFinite(value) ? null : Math.round(value * 10 ** minorDigits(currency));
}

/** The form's fields, named as the API names them, so its errors land next to them. */
function proposalFields(city, currency, p) {
  const fields = {};
  for (const tag of writingLanguages(city, p)) {
    fields[`titles.${tag}`] = field({
      label: t("propose.field_title", { language: languageName(tag) }), name: `titles.${tag}`, required: true,
      value: p?.titles?.[tag], attrs: { maxlength: 200, lang: tag },
    });
    fields[`descriptions.${tag}`] = field({
      label: t("propose.field_description", { language: languageName(tag) }), name: `descriptions.${tag}`,
      type: "textarea", required: true, value: p?.descriptions?.[tag], attrs: { rows: 6, lang: tag },
    });
  }
  const digits = minorDigits(currency);
  fields.cost_minor = field({
    label: t("propose.cost", { currency }), name: "cost_minor", type: "number", required: true,
    value: p ? toMajor(p.cost_minor, currency) : null,
    attrs: { min: 0, step: digits ? 1 / 10 ** digits : 1, inputmode: "decimal" },
  });
  const list = categories(city);
  fields.category = list.length
    ? field({
      label: t("proposals.category"), name: "category", value: p?.category ?? "",
      options: [["", t("propose.no_category")], ...list.map((c) => [c.key, categoryName(city, c.key)])],
    })
    : field({ label: t("proposals.category"), name: "category", value: p?.category, attrs: { maxlength: 64 } });
  fields.location = field({
    label: t("propose.latitude"), name: "latitude", type: "number", hint: t("propose.location_hint"),
    value: p?.location?.lat, attrs: { min: -90, max: 90, step: "any" },
  });
  fields.longitude = field({
    label: t("propose.longitude"), name: "longitude", type: "number", value: p?.location?.lon,
    attrs: { min: -180, max: 180, step: "any" },
  });
  return fields;
}

/** The body the API takes, from the fields; texts merge over what the proposal already has. */
function bodyOf(fields, city, currency, p) {
  const value = (name) => fields[name].input.value.trim();
  const titles = { ...(p?.titles ?? {}) };
  const descriptions = { ...(p?.descriptions ?? {}) };
  for (const tag of writingLanguages(city, p)) {
    titles[tag] = value(`titles.${tag}`);
    descriptions[tag] = value(`descriptions.${tag}`);
    // A language left empty on an edit is dropped rather than sent blank.
    if (!titles[tag]) delete titles[tag];
    if (!descriptions[tag]) delete descriptions[tag];
  }
  const [lat, lon] = [value("location"), value("longitude")];
  return {
    titles, descriptions,
    cost_minor: toMinor(value("cost_minor"), currency),
    category: value("category") || null,
    location: lat === "" && lon === "" ? null : { lat: Number(lat), lon: Number(lon) },
  };
}

function proposalForm(fields, city, p, submitLabel, send) {
  const alertBox = h("div", { tabindex: "-1" });
  const submit = h("button", { type: "submit" }, submitLabel);
  const first = writingLanguages(city, p)[0];
  const aliases = { ...fields, titles: fields[`titles.${first}`], descriptions: fields[`descriptions.${first}`] };
  return h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await send();
    } catch (error) {
      showFormError(error, aliases, alertBox);
    } finally {
      submit.disabled = false;
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, submit));
}

export async function proposePage({ city, params: [, budgetId], isCurrent }) {
  if (!signedInAt(city.slug)) {
    location.hash = href(city.slug, "login");
    return;
  }
  const budget = await api("GET", `/budgets/${budgetId}`, { auth: true });
  if (!isCurrent()) return;
  const fields = proposalFields(city, budget.currency, null);
  const staff = isStaff(account());
  show(
    h("p", {}, h("a", { href: staff ? href(city.slug, "staff", "cycles", budget.cycle_id) : href(city.slug, "budgets", budget.id) }, t("proposal.back"))),
    h("h1", {}, t("propose.title", { budget: pick(budget.names, city.default_language) })),
    h("p", {}, t("budget.amount", { amount: money(budget.amount_minor, budget.currency) })),
    proposalForm(fields, city, null, t("propose.submit"), async () => {
      const made = await api("POST", `/budgets/${budget.id}/proposals`, { auth: true, body: bodyOf(fields, city, budget.currency, null) });
      announce(t("propose.submitted"));
      location.hash = href(city.slug, "proposals", made.id);
    }));
}

export async function editProposalPage({ city, params: [, proposalId], isCurrent }) {
  const p = await api("GET", `/proposals/${proposalId}`, { auth: true });
  if (!isCurrent()) return;
  const fields = proposalFields(city, p.currency, p);
  show(
    h("p", {}, h("a", { href: href(city.slug, "proposals", p.id) }, t("proposal.open", { title: p.title }))),
    h("h1", {}, t("propose.edit_title")),
    proposalForm(fields, city, p, t("propose.save"), async () => {
      // Only what the form shows is sent: an official's PATCH must not clear what it did not show.
      const body = bodyOf(fields, city, p.currency, p);
      await api("PATCH", `/proposals/${p.id}`, { auth: true, body });
      announce(t("propose.saved"));
      location.hash = href(city.slug, "proposals", p.id);
    }));
}

/** The author's withdrawal, asked first. */
export async function withdraw(city, p, messages) {
  if (!(await confirmAction(t("propose.withdraw_confirm"), t("propose.withdraw")))) return;
  try {
    await api("POST", `/proposals/${p.id}/withdraw`, { auth: true });
    announce(t("propose.withdrawn"));
    location.hash = href(city.slug, "mine");
  } catch (error) {
    messages.replaceChildren(errorBox(error));
    messages.focus();
  }
}

function mineCard(city, cycle, p) {
  return h("li", { class: "card" },
    h("h3", {}, h("a", { href: href(city.slug, "proposals", p.id), lang: p.language }, p.title)),
    h("p", { class: "proposal-meta" },
      h("span", { class: "badge" }, t(`proposal.status.${p.status}`)),
      h("span", {}, money(p.cost_minor, p.currency)),
      p.category ? h("span", {}, categoryName(city, p.category)) : null),
    p.status_reason ? h("p", {}, t("propose.reason", { reason: p.status_reason })) : null,
    cycle.status === "submission" && p.status === "submitted"
      ? h("p", { class: "actions" }, h("a", { href: href(city.slug, "proposals", p.id, "edit") }, t("propose.edit_named", { title: p.title })))
      : null);
}

export async function myProposalsPage({ city, isCurrent }) {
  if (!signedInAt(city.slug)) {
    location.hash = href(city.slug, "login");
    return;
  }
  const cycles = await api("GET", cyclesPath(city.slug));
  const sections = [];
  for (const cycle of cycles) {
    const page = await api("GET", `/cycles/${cycle.id}/proposals?limit=100`, { auth: true });
    const mine = page.items.filter((p) => p.mine);
    if (mine.length) {
      sections.push(h("section", { "aria-labelledby": `mine-${cycle.id}` },
        h("h2", { id: `mine-${cycle.id}` }, pick(cycle.names, city.default_language)),
        h("ul", { class: "cards" }, mine.map((p) => mineCard(city, cycle, p)))));
    }
  }
  if (!isCurrent()) return;
  show(h("h1", {}, t("propose.mine")), sections.length ? sections : h("p", {}, t("propose.none")));
}
