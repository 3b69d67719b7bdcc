// What the first page needs from the network, asked for the moment this file arrives.
//
// It imports nothing, and index.html loads it as an `async` module of its own, so it runs as
// soon as its few bytes are in, while the rest of the client is still downloading and
// compiling: on a slow phone over 3G that starts the requests hundreds of milliseconds earlier
// than the entry point could. The municipality's answer starts the request for its language's
// text at once. The rest of the client imports this same module (one instance) and takes each
// answer once.

export const BASE = "/api/v1";

export const UI_LANGUAGES = ["tr", "kk", "ky", "uz", "az", "tk", "hu", "ru", "en"];
const STORE_KEY = "kurultai.lang";

// An answer older than this is asked for again: the person has lingered elsewhere first.
const FRESH_MS = 10_000;

const early = new Map();

/** The interface language for a language tag (`uz-Latn` → `uz`), or null. */
export function uiLanguageOf(tag) {
  const primary = String(tag || "").toLowerCase().split("-")[0];
  return UI_LANGUAGES.includes(primary) ? primary : null;
}

// The choice made on this page, which also holds when the browser keeps nothing.
let chosenHere = null;

/** The language the person chose before (on an earlier visit or on this page), if any. */
export function rememberedLanguage() {
  let kept = null;
  try {
    kept = localStorage.getItem(STORE_KEY);
  } catch {
    // Site data blocked (see storage.js): only this page's choice counts.
  }
  return uiLanguageOf(kept ?? chosenHere);
}

/** Remembers the person's choice of language for this page and, if allowed, their next visit. */
export function rememberLanguage(lang) {
  chosenHere = lang;
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // Not kept for the next visit (see storage.js).
  }
}

/** Where a language's interface text is. */
export const textUrl = (lang) => `/assets/i18n/${lang}.json`;

/** What a city page asks for: the cycles with their budgets, in one answer. */
export const cyclesPath = (slug) => `/municipalities/${encodeURIComponent(slug)}/cycles?include=budgets`;

/** The cycles a city page shows: under way or finished, newest first, at most three. */
export function shownCycles(cycles) {
  return cycles
    .filter((c) => c.status !== "cancelled" && c.status !== "draft")
    // Not localeCompare: it builds a collator per call, which a slow phone feels.
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
    .slice(0, 3);
}

/**
 * Starts a GET of `url` for its JSON unless one is under way; resolves with the body, or null
 * on any failure (whoever needs it then asks again and shows the error).
 */
function prefetch(url) {
  if (early.has(url)) return early.get(url).body;
  const body = fetch(url, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
  early.set(url, { body, at: performance.now() });
  return body;
}

/** The early body for `url`, once; null when none was asked for, it failed or it is stale. */
export async function takeEarly(url) {
  const entry = early.get(url);
  if (!entry) return null;
  early.delete(url);
  if (performance.now() - entry.at > FRESH_MS) return null;
  return entry.body;
}

// The first page: its path and, on a municipality's pages, the municipality's slug and address.
const FIRST_PATH = decodeURI(location.hash.replace(/^#/, "")).split("?")[0];
const FIRST_SLUG = FIRST_PATH.match(/^\/m\/([^/]+)/)?.[1];
const FIRST_CITY = FIRST_SLUG ? decodeURIComponent(FIRST_SLUG) : null;
const FIRST_CITY_URL = FIRST_CITY && `${BASE}/municipalities/${encodeURIComponent(FIRST_CITY)}`;

/**
 * The interface language of the first page: the one chosen before, else the municipality's
 * default on a municipality's pages, else the browser's, else English. Its text is asked for
 * as soon as the language is known.
 */
export const firstLanguage = (() => {
  const fallback = () => uiLanguageOf(navigator.language) ?? "en";
  let chosen = Promise.resolve(rememberedLanguage());
  if (!rememberedLanguage() && FIRST_CITY_URL) {
    // Most people open their own city's pages in a browser set to its language: asking for
    // the browser's language now saves waiting for the municipality first (and costs a few
    // kilobytes when the guess is wrong).
    prefetch(textUrl(fallback()));
    chosen = prefetch(FIRST_CITY_URL).then((city) => uiLanguageOf(city?.default_language));
  }
  const lang = chosen.then((found) => found ?? fallback());
  lang.then((code) => prefetch(textUrl(code)));
  return lang;
})();

function startFirstPage() {
  if (!FIRST_CITY_URL) return;
  prefetch(FIRST_CITY_URL);
  if (/^\/m\/[^/]+\/?$/.test(FIRST_PATH)) prefetch(`${BASE}${cyclesPath(FIRST_CITY)}`);
}

/**
 * Builds a money and a date formatter and drops them. The first `Intl` object a page makes
 * loads the locale data — about a quarter of a second on a slow phone — so it is done here,
 * while the requests above are on their way, and not after the answers have come.
 */
function warmUpIntl() {
  const locale = navigator.language || "en";
  new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(1);
  new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(0);
}

startFirstPage();
setTimeout(warmUpIntl, 0);
