// What a municipality's languages, currency and time zone are picked from (never typed as
// codes), each country's defaults (read from the server, whose domain/country.rs keeps them), and
// name fields with one box per enabled language.

import { api } from "../../api.js";
import { h, nextId } from "../../dom.js";
import { currencySymbol } from "../../formats.js";
import { language, t } from "../../i18n.js";
import { field } from "../../ui.js";

let countriesRead = null;

/**
 * The served countries and their defaults (currency, zone, languages, ID scheme) by code, as
 * the server keeps them (`GET /countries`, built from domain/country.rs): read once a session.
 */
export function countries() {
  countriesRead ??= api("GET", "/countries")
    .then(({ items }) => Object.fromEntries(items.map((country) => [country.code, country])))
    .catch((error) => { countriesRead = null; throw error; });
  return countriesRead;
}

/**
 * The languages a municipality can publish in, each named in itself (a picker of languages is
 * read by someone looking for their own), with the `lang` its name is written in.
 */
export const LANGUAGES = [
  ["tr", "Türkçe"], ["kk", "Қазақша"], ["ky", "Кыргызча"], ["uz-Latn", "Oʻzbekcha"], ["uz-Cyrl", "Ўзбекча"],
  ["kaa", "Qaraqalpaqsha"], ["az", "Azərbaycanca"], ["tk", "Türkmençe"], ["hu", "Magyar"], ["ru", "Русский"], ["en", "English"],
];
const languageName = (tag) => LANGUAGES.find(([code]) => code === tag)?.[1] ?? tag;

// Offered beside the served countries' own (from `countries()`): the common foreign
// currencies, and the zones of a served country's other regions (Northern Cyprus, Samarkand).
const OTHER_CURRENCIES = ["EUR", "USD"];
const OTHER_ZONES = ["Asia/Famagusta", "Asia/Samarkand"];
const unique = (list) => [...new Set(list)];

/** The zone's offset now ("GMT+5"), read with English data every browser has. */
function offset(zone) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "shortOffset" }).formatToParts(new Date());
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}

/** `list` with `value` added when a municipality already has one the list lacks. */
const withCurrent = (list, value) => (value && !list.includes(value) ? [...list, value] : list);

/** `served`: the map `countries()` gives, whose currencies come first. */
export function currencyField(value, served) {
  const currencies = unique([...Object.values(served).map((c) => c.currency), ...OTHER_CURRENCIES]);
  return field({
    label: t("settings.currency"), name: "currency", required: true, value,
    options: withCurrent(currencies, value).map((code) => [code, `${code} (${currencySymbol(code, language())})`]),
  });
}

/** `served`: the map `countries()` gives, whose zones come first. */
export function timeZoneField(value, served) {
  const zones = unique([...Object.values(served).map((c) => c.time_zone), ...OTHER_ZONES]);
  return field({
    label: t("settings.time_zone"), name: "time_zone", required: true, value,
    options: withCurrent(zones, value).map((zone) => [zone, `${zone} (${offset(zone)})`]),
  });
}

/**
 * The enabled languages as checkboxes and the default one as a list of those checked;
 * `onChange(languages)` runs whenever the checked set changes.
 */
export function languagesFields(selected, defaultLanguage, onChange = () => {}) {
  const known = LANGUAGES.map(([code]) => code);
  const boxes = [...known, ...selected.filter((code) => !known.includes(code))].map((code) => {
    const id = nextId("lang");
    const box = h("input", { type: "checkbox", id, name: "languages", value: code, checked: selected.includes(code) });
    return [box, h("div", { class: "check" }, box, h("label", { for: id, lang: code }, ` ${languageName(code)}`))];
  });
  const error = h("p", { class: "field-error", hidden: true });
  const fieldset = h("fieldset", { class: "field" }, h("legend", {}, t("settings.languages")), boxes.map(([, row]) => row), error);
  const chosen = () => boxes.filter(([box]) => box.checked).map(([box]) => box.value);
  const byDefault = field({ label: t("settings.default_language"), name: "default_language", required: true, value: defaultLanguage, options: [] });
  const fillDefaults = () => {
    const keep = byDefault.input.value || defaultLanguage;
    byDefault.input.replaceChildren(...chosen().map((code) =>
      h("option", { value: code, selected: code === keep, lang: code }, languageName(code))));
  };
  fillDefaults();
  for (const [box] of boxes) box.addEventListener("change", () => { fillDefaults(); onChange(chosen()); });
  const languages = {
    wrap: fieldset, input: boxes[0][0],
    setError: (text) => { error.textContent = text || ""; error.hidden = !text; },
    setOk: () => {},
  };
  return { languages, default_language: byDefault, chosen };
}

/**
 * One name box per language, for texts kept per language (a city's or a district's name).
 * `names.values()` gives the filled ones; `names.setLanguages(list)` follows a change of the
 * enabled languages, keeping what was typed.
 */
export function nameFields(label, languages, names = {}, required = null) {
  const typed = { ...names };
  const wrap = h("div", { class: "names" });
  let inputs = [];
  const render = (list) => {
    for (const [code, f] of inputs) typed[code] = f.input.value;
    inputs = list.map((code) => [code, field({
      label: t("settings.name_in", { name: label, language: languageName(code) }), name: `names.${code}`,
      required: code === (required ?? list[0]), value: typed[code] ?? "", attrs: { lang: code },
    })]);
    wrap.replaceChildren(...inputs.map(([, f]) => f.wrap));
  };
  render(languages);
  return {
    wrap, input: wrap,
    setError: (text) => inputs[0]?.[1].setError(text),
    setOk: () => {},
    setLanguages: render,
    values: () => Object.fromEntries(inputs.map(([code, f]) => [code, f.input.value.trim()]).filter(([, v]) => v)),
    fields: () => Object.fromEntries(inputs.map(([code, f]) => [`names.${code}`, f])),
  };
}
