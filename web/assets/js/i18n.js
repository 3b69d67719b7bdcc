// Interface text in the nine languages of the platform, and numbers, money and dates
// formatted for the chosen language with Intl.

import { rememberedLanguage, rememberLanguage, takeEarly, textUrl, UI_LANGUAGES, uiLanguageOf } from "./early.js";

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

/** The text for `key` with `{name}` placeholders filled; English if a key were missing. */
export function t(key, vars = {}) {
  const text = messages[key] ?? english[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** True when the interface has a text for `key` (error codes without one show the detail). */
export function has(key) {
  return key in messages || key in english;
}

// Building an Intl formatter costs far more than using one (a slow phone notices on a page of
// cards), so each is built once per language and options.
const formatters = new Map();
function formatter(Kind, localeTag, options) {
  const key = `${Kind.name}|${localeTag}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Kind(localeTag, options));
  return formatters.get(key);
}

/** Digits after the decimal point of a currency (ISO 4217 minor unit, as Intl knows it). */
export function minorDigits(currency) {
  return formatter(Intl.NumberFormat, "en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}

/** Money given in minor units, formatted for the interface language. */
export function money(minor, currency) {
  const digits = minorDigits(currency);
  const format = formatter(Intl.NumberFormat, locale(), {
    style: "currency", currency, minimumFractionDigits: 0, maximumFractionDigits: digits,
  });
  // Integer minor units → a decimal string, so no binary fraction creeps into the display.
  const negative = minor < 0;
  const units = String(Math.abs(minor)).padStart(digits + 1, "0");
  const whole = units.slice(0, units.length - digits) || "0";
  const fraction = digits ? units.slice(units.length - digits) : "";
  const text = `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
  return format.format(text);
}

export function number(value) {
  return formatter(Intl.NumberFormat, locale(), {}).format(value);
}

/** An instant shown in the municipality's time zone, with the zone named. */
export function dateTime(iso, timeZone) {
  if (!iso) return "";
  return formatter(Intl.DateTimeFormat, locale(), {
    // dateStyle cannot be combined with timeZoneName, hence the fields one by one.
    year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone, timeZoneName: "short",
  }).format(new Date(iso));
}

export function date(iso, timeZone) {
  if (!iso) return "";
  return formatter(Intl.DateTimeFormat, locale(), { dateStyle: "long", timeZone }).format(new Date(iso));
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
  return formatter(Intl.NumberFormat, locale(), {
    style: "currency", currency, minimumFractionDigits: 0, maximumFractionDigits: minorDigits(currency),
  }).format(String(decimal));
}
