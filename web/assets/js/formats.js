// How each interface language writes dates, numbers and money when the browser has no locale
// data for it. Chromium builds without full ICU know Kazakh, Uzbek and Azerbaijani only by
// name (dates come out as "2026 M12 5", numbers with English separators) and Kyrgyz and
// Turkmen not at all (English with a 12-hour clock). These patterns are CLDR's, written out,
// and tests/browser/languages.test.mjs checks every string they make.

const NBSP = "\u00a0";

/** Month names in the form a date uses (Russian takes the genitive: "5 декабря"). */
const MONTHS = {
  tr: ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"],
  kk: ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"],
  ky: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
  uz: ["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avgust", "sentabr", "oktabr", "noyabr", "dekabr"],
  az: ["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr"],
  tk: ["ýanwar", "fewral", "mart", "aprel", "maý", "iýun", "iýul", "awgust", "sentýabr", "oktýabr", "noýabr", "dekabr"],
  hu: ["január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember", "október", "november", "december"],
  ru: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
};

/** A long date from its year, month name and day. */
const LONG_DATE = {
  tr: (y, m, d) => `${d} ${m} ${y}`,
  kk: (y, m, d) => `${y} ж. ${d} ${m}`,
  ky: (y, m, d) => `${y}-ж., ${d}-${m}`,
  uz: (y, m, d) => `${d}-${m}, ${y}`,
  az: (y, m, d) => `${d} ${m} ${y}`,
  tk: (y, m, d) => `${d} ${m} ${y}`,
  hu: (y, m, d) => `${y}. ${m} ${d}.`,
  ru: (y, m, d) => `${d} ${m} ${y} г.`,
  en: (y, m, d) => `${d} ${m} ${y}`,
};

/** What separates the date from the (24-hour) time. */
const DATE_TIME_JOIN = { tr: " ", kk: ", ", ky: ", ", uz: ", ", az: " ", tk: " ", hu: " ", ru: ", ", en: ", " };

/** Digit grouping and the decimal sign. */
const SEPARATORS = {
  tr: [".", ","], kk: [NBSP, ","], ky: [NBSP, ","], uz: [NBSP, ","], az: [".", ","],
  tk: [NBSP, ","], hu: [NBSP, ","], ru: [NBSP, ","], en: [",", "."],
};

/** Languages that put the currency symbol before the amount; the rest put it after a space. */
const SYMBOL_FIRST = new Set(["tr", "en"]);

/**
 * Each currency's symbol, the same in every language unless a language writes it otherwise:
 * ₸ for the tenge whether the page is in Kazakh, Russian or English.
 */
const SYMBOLS = {
  TRY: { all: "₺" },
  KZT: { all: "₸" },
  KGS: { all: "сом", tr: "som", uz: "som", az: "som", tk: "som", hu: "som", en: "som" },
  UZS: { all: "soʻm", kk: "сум", ky: "сум", ru: "сум" },
  AZN: { all: "₼" },
  TMT: { all: "TMT", ru: "ТМТ" },
  HUF: { all: "Ft" },
  EUR: { all: "€" },
  USD: { all: "$" },
  GBP: { all: "£" },
};

export function currencySymbol(currency, lang) {
  const symbols = SYMBOLS[currency];
  return symbols ? (symbols[lang] ?? symbols.all) : currency;
}

/** `amount` (already formatted) with the currency's symbol where the language puts it. */
export function placeSymbol(lang, amount, currency) {
  const symbol = currencySymbol(currency, lang);
  const negative = amount.startsWith("-");
  const digits = negative ? amount.slice(1) : amount;
  if (!SYMBOL_FIRST.has(lang)) return `${amount}${NBSP}${symbol}`;
  // "₺1.500" but "som 1,500": a word-like symbol keeps a space from the digits.
  const gap = [...symbol].length === 1 ? "" : NBSP;
  return `${negative ? "-" : ""}${symbol}${gap}${digits}`;
}

/** A plain decimal ("-1234567.5") written with the language's grouping and decimal sign. */
export function localDecimal(lang, plain) {
  const [group, decimal] = SEPARATORS[lang] ?? SEPARATORS.en;
  const negative = plain.startsWith("-");
  const [whole, fraction] = (negative ? plain.slice(1) : plain).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${negative ? "-" : ""}${grouped}${fraction ? `${decimal}${fraction}` : ""}`;
}

// One reader per time zone: building an Intl formatter costs far more than using one.
const readers = new Map();

/** The fields of an instant in `timeZone`, read with English data every Chromium has. */
function fields(instant, timeZone) {
  const key = timeZone ?? "";
  if (!readers.has(key)) {
    readers.set(key, new Intl.DateTimeFormat("en-GB", {
      year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZone, timeZoneName: "shortOffset",
    }));
  }
  const parts = readers.get(key).formatToParts(instant);
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return { year: get("year"), month: Number(get("month")), day: Number(get("day")), time: `${get("hour")}:${get("minute")}`, zone: get("timeZoneName") };
}

export function longDate(lang, instant, timeZone) {
  const f = fields(instant, timeZone);
  const pattern = LONG_DATE[lang] ?? LONG_DATE.en;
  return pattern(f.year, (MONTHS[lang] ?? MONTHS.en)[f.month - 1], f.day);
}

/** A long date, the 24-hour time and the zone's offset ("GMT+5"). */
export function longDateTime(lang, instant, timeZone) {
  const f = fields(instant, timeZone);
  return `${longDate(lang, instant, timeZone)}${DATE_TIME_JOIN[lang] ?? ", "}${f.time} ${f.zone}`;
}

/**
 * True when the browser has its own data for `tag` in language `lang`: it says it supports the
 * locale, resolves it to the same language, and names a month rather than writing "M12".
 */
export function hasLocaleData(lang, tag) {
  try {
    if (!Intl.DateTimeFormat.supportedLocalesOf([tag]).length) return false;
    if (!Intl.NumberFormat.supportedLocalesOf([tag]).length) return false;
    const resolved = new Intl.DateTimeFormat(tag).resolvedOptions().locale;
    if (resolved.split("-")[0] !== lang) return false;
    const month = new Intl.DateTimeFormat(tag, { month: "long", timeZone: "UTC" }).format(Date.UTC(2026, 11, 5));
    return !/^M?\d+$/.test(month);
  } catch {
    return false;
  }
}

const pluralRules = new Map();

/** The plural category of `count` ("one", "few", …), one/other where the browser has no rules. */
export function pluralCategory(tag, count) {
  if (!pluralRules.has(tag)) {
    pluralRules.set(tag, Intl.PluralRules.supportedLocalesOf([tag]).length ? new Intl.PluralRules(tag) : null);
  }
  const rules = pluralRules.get(tag);
  return rules ? rules.select(count) : count === 1 ? "one" : "other";
}
