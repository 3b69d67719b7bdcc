// Interface text in the nine languages of the platform, and numbers, money and dates
// formatted for the chosen language with Intl.

import { rememberedLanguage, rememberLanguage, takeEarly, textUrl, UI_LANGUAGES, uiLanguageOf } from "./early.js";
import { hasLocaleData, localDecimal, longDate, longDateTime, placeSymbol, pluralCategory } from "./formats.js";

export { rememberedLanguage, UI_LANGUAGES, uiLanguageOf };

/** The locale Intl formats with, per interface language. */
const LOCALES = {
  tr: "tr-TR", kk: "kk-KZ", ky: "ky-KG", uz: "uz-Latn-UZ", az: "az-Latn-AZ",
  tk: "tk-TM", hu: "hu-HU", ru: "ru-RU", en: "en-GB",
};

let current = null;
let messages = {};
// English is the last resort for a missing key; a test keeps every language complete, so
// it is only loaded when English is chosen (a second file on a phone's first page costs).
let english = {};

async function load(lang) {
  const early = await takeEarly(textUrl(lang));
  if (early) return early;
  const response = await fetch(textUrl(lang));
  if (!response.ok) throw new Error(`no interface text for ${lang}`);
  return response.json();
}

export async function setLanguage(lang, remember = false) {
  const chosen = uiLanguageOf(lang) ?? "en";
  if (chosen !== current) {
    messages = await load(chosen);
    if (chosen === "en") english = messages;
    current = chosen;
  }
  document.documentElement.lang = chosen === "uz" ? "uz-Latn" : chosen;
  if (remember) rememberLanguage(chosen);
}

export function language() {
  return current ?? "en";
}

export function locale() {
  return LOCALES[language()];
}

/**
 * The text for `key` with `{name}` placeholders filled; English if a key were missing. A
 * numeric `count` picks the plural form `key.one`, `key.few` or `key.many` where the language's
 * rules call for it (`key` itself is the "other" form) and is written as a number.
 */
export function t(key, vars = {}) {
  if (typeof vars.count === "number") {
    const form = `${key}.${pluralCategory(locale(), vars.count)}`;
    if (form in messages || form in english) key = form;
    vars = { ...vars, count: number(vars.count) };
  }
  const text = messages[key] ?? english[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** True when the interface has a text for `key` (error codes without one show the detail). */
export function has(key) {
  return key in messages || key in english;
}

/** The names under `prefix` the interface has a text for (e.g. every audit action it names). */
export function keysUnder(prefix) {
  const keys = new Set([...Object.keys(english), ...Object.keys(messages)]);
  return [...keys].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
}

// Building an Intl formatter costs far more than using one (a slow phone notices on a page of
// cards), so each is built once per language and options.
const formatters = new Map();
function formatter(Kind, localeTag, options) {
  const key = `${Kind.name}|${localeTag}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Kind(localeTag, options));
  return formatters.get(key);
}

// Where Intl's digits (CLDR's) differ from the ISO 4217 minor unit the server counts in: the
// forint has 2 in ISO 4217 but Intl gives 0, which would read 150,50 Ft as 15 050 Ft.
const ISO_MINOR_DIGITS = { HUF: 2 };
// Currencies shown without their minor unit (national-ids.md: the forint and the Uzbek som).
const SHOWN_DIGITS = { HUF: 0, UZS: 0 };

/** Digits after the decimal point of a currency (its ISO 4217 minor unit). */
export function minorDigits(currency) {
  return ISO_MINOR_DIGITS[currency]
    ?? formatter(Intl.NumberFormat, "en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}

/** Digits a currency's amounts are shown with. */
function shownDigits(currency) {
  return SHOWN_DIGITS[currency] ?? minorDigits(currency);
}

/** Integer minor units → a plain decimal string, so no binary fraction creeps into the display. */
function minorToDecimal(minor, digits) {
  const negative = minor < 0;
  const units = String(Math.abs(minor)).padStart(digits + 1, "0");
  const whole = units.slice(0, units.length - digits) || "0";
  const fraction = digits ? units.slice(units.length - digits) : "";
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

const formatSets = new Map();
const knownLocales = new Map();

/** Whether the browser has `lang`'s locale data (asked once: the check builds formatters). */
function browserKnows(lang) {
  if (!knownLocales.has(lang)) knownLocales.set(lang, hasLocaleData(lang, LOCALES[lang]));
  return knownLocales.get(lang);
}

/**
 * The number, money and date formatters of `lang`: Intl's where the browser has the locale's
 * data, else the patterns of formats.js (`useIntl` chooses, for the tests). Money always gets
 * the currency's own symbol (₸ in a Russian or English page too), placed as the language does.
 */
export function formatsFor(lang, useIntl = browserKnows(lang)) {
  const key = `${lang}|${useIntl}`;
  if (formatSets.has(key)) return formatSets.get(key);
  const tag = LOCALES[lang];
  // A plain decimal rounded to at most `max` digits ("1234.5"), before the language writes it.
  const plain = (value, max) => formatter(Intl.NumberFormat, "en-US", { useGrouping: false, maximumFractionDigits: max }).format(value);
  const decimal = (value, max) => (useIntl
    ? formatter(Intl.NumberFormat, tag, { minimumFractionDigits: 0, maximumFractionDigits: max }).format(value)
    : localDecimal(lang, plain(value, max)));
  const set = {
    number: (value) => decimal(value, 3),
    decimalMoney: (text, currency) => placeSymbol(lang, decimal(String(text), shownDigits(currency)), currency),
    money: (minor, currency) => set.decimalMoney(minorToDecimal(minor, minorDigits(currency)), currency),
    dateTime: (iso, timeZone) => {
      if (!iso) return "";
      if (!useIntl) return longDateTime(lang, new Date(iso), timeZone);
      return formatter(Intl.DateTimeFormat, tag, {
        // dateStyle cannot be combined with timeZoneName, hence the fields one by one.
        year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23", timeZone, timeZoneName: "short",
      }).format(new Date(iso));
    },
    date: (iso, timeZone) => {
      if (!iso) return "";
      if (!useIntl) return longDate(lang, new Date(iso), timeZone);
      return formatter(Intl.DateTimeFormat, tag, { dateStyle: "long", timeZone }).format(new Date(iso));
    },
  };
  formatSets.set(key, set);
  return set;
}

/** Money given in minor units, formatted for the interface language. */
export function money(minor, currency) {
  return formatsFor(language()).money(minor, currency);
}

export function number(value) {
  return formatsFor(language()).number(value);
}

/** An instant shown in the municipality's time zone, with the zone named. */
export function dateTime(iso, timeZone) {
  return formatsFor(language()).dateTime(iso, timeZone);
}

export function date(iso, timeZone) {
  return formatsFor(language()).date(iso, timeZone);
}

/** A municipality-entered text map `{tr: …, en: …}` in the interface language, else its default. */
export function pick(texts, fallbackLanguage) {
  if (!texts) return "";
  const exact = Object.entries(texts).find(([tag]) => uiLanguageOf(tag) === language());
  if (exact) return exact[1];
  return texts[fallbackLanguage] ?? Object.values(texts)[0] ?? "";
}

/** Money given as a decimal string in main units (the tally's trace), rounded for reading. */
export function moneyText(decimal, currency) {
  return formatsFor(language()).decimalMoney(decimal, currency);
}
