// National-ID checks as the resident types: rule for rule the server's
// `src/domain/national_id.rs` (schemes in `shared/design/national-ids.md`), so that the form
// says what the server will say. The server decides; this only spares a round trip.
// `tests/fixtures/national_id_vectors.json` holds what the Rust code answers; both the Rust
// and the browser tests check against it.
//
// Integer arithmetic only: every number here is a small non-negative integer, and no check
// goes through floating point or `Date` (whose time zones could shift a birth date by a day).

/** Longer input than this (in UTF-8 bytes, as Rust counts `str::len`) is refused first. */
const MAX_INPUT_BYTES = 128;

const DIGITS = "digits";
const AZ_FIN = "az_fin";
const ALNUM = "alnum";

/** Alphabet and allowed lengths after normalisation, as `NationalIdScheme::length`. */
const SCHEMES = {
  tr_tckn: { alphabet: DIGITS, min: 11, max: 11 },
  kz_iin: { alphabet: DIGITS, min: 12, max: 12 },
  kg_pin: { alphabet: DIGITS, min: 14, max: 14 },
  uz_pinfl: { alphabet: DIGITS, min: 14, max: 14 },
  az_fin: { alphabet: AZ_FIN, min: 7, max: 7 },
  hu_tax_id: { alphabet: DIGITS, min: 10, max: 10 },
  generic: { alphabet: ALNUM, min: 4, max: 32 },
};

/** Every scheme name, in the server's order. */
export const NATIONAL_ID_SCHEMES = Object.freeze(Object.keys(SCHEMES));

const POLICIES = ["enforce", "warn"];

/**
 * Checks a national ID of `scheme` under the municipality's `checkDigitPolicy` (`enforce` or
 * `warn`). Returns `{ok, normalized, code, warning, birthDate}`: `code` is the server's error
 * code (`invalid_length`, `invalid_characters`, `invalid_format`, `invalid_birth_date`,
 * `invalid_check_digit`, `never_issued`), `warning` is `unverified_check_digit` when `warn`
 * let a failed unofficial check digit through, `birthDate` is `YYYY-MM-DD` for schemes that
 * carry one. Throws on an unknown scheme or policy: that is a bug, not a typo.
 */
export function checkNationalId(scheme, input, checkDigitPolicy = "enforce") {
  const rules = schemeRules(scheme, checkDigitPolicy, input);

  // Before any other work, as the server does: it bounds what a hostile input costs.
  if (utf8Length(input) > MAX_INPUT_BYTES) return refused("invalid_length");
  const normalized = normalise(input);
  if (normalized === null || !inAlphabet(rules.alphabet, normalized)) {
    return refused("invalid_characters");
  }
  if (normalized.length < rules.min || normalized.length > rules.max) {
    return refused("invalid_length");
  }

  const d = digitsOf(normalized);
  let warning = null;
  let birthDate = null;
  switch (scheme) {
    case "tr_tckn": {
      if (d[0] === 0) return refused("invalid_format");
      if (d[9] !== tcknTenth(d) || d[10] !== tcknEleventh(d)) return refused("invalid_check_digit");
      break;
    }
    case "kz_iin": {
      const century = centuryOf(d[6]);
      if (century === null) return refused("invalid_format");
      birthDate = date(century + two(d, 0), two(d, 2), two(d, 4));
      if (birthDate === null) return refused("invalid_birth_date");
      const k = iinCheckDigit(d);
      // Official (published by the issuer): never relaxed, whatever the policy.
      if (k === null) return refused("never_issued");
      if (d[11] !== k) return refused("invalid_check_digit");
      break;
    }
    case "kg_pin": {
      if (d[0] !== 1 && d[0] !== 2) return refused("invalid_format");
      const year = two(d, 5) * 100 + two(d, 7);
      // No one alive was born before 1800; the server refuses it as a date, not a format.
      birthDate = year < 1800 ? null : date(year, two(d, 3), two(d, 1));
      if (birthDate === null) return refused("invalid_birth_date");
      break;
    }
    case "uz_pinfl": {
      const century = centuryOf(d[0]);
      if (century === null) return refused("invalid_format");
      birthDate = date(century + two(d, 5), two(d, 3), two(d, 1));
      if (birthDate === null) return refused("invalid_birth_date");
      if (d[13] !== pinflCheckDigit(d)) {
        // Community-documented only, so the municipality may relax it to a warning.
        if (checkDigitPolicy !== "warn") return refused("invalid_check_digit");
        warning = "unverified_check_digit";
      }
      break;
    }
    case "hu_tax_id": {
      if (d[0] !== 8) return refused("invalid_format");
      const k = huCheckDigit(d);
      if (k === null) return refused("never_issued");
      if (d[9] !== k) return refused("invalid_check_digit");
      birthDate = huBirthDate(d);
      break;
    }
    default:
      // az_fin and generic: the alphabet and the length are the whole rule.
      break;
  }
  return { ok: true, normalized, code: null, warning, birthDate };
}

/**
 * Whether `input`, as typed so far, can still become an ID that `checkNationalId` accepts by
 * typing more at its end: the right alphabet, not too long, and no part already settled that
 * rules every ending out (a leading 0 of a TCKN, an IIN month 13, 30 February, a complete IIN
 * or HU tax ID body that is never issued…). A complete ID is plausible only when valid. The
 * form stays quiet while this holds and speaks when it stops holding.
 */
export function isPlausiblePrefix(scheme, input, checkDigitPolicy = "enforce") {
  const rules = schemeRules(scheme, checkDigitPolicy, input);

  const bytes = utf8Length(input);
  const normalized = bytes > MAX_INPUT_BYTES ? null : normalise(input);
  if (normalized === null || !inAlphabet(rules.alphabet, normalized)) return false;
  const n = normalized.length;
  if (n > rules.max) return false;
  // Each character still missing costs at least one more byte of the server's budget.
  if (bytes + Math.max(0, rules.min - n) > MAX_INPUT_BYTES) return false;
  if (n >= rules.min) {
    // az_fin and generic have no structure beyond the alphabet; the others are complete.
    return rules.alphabet !== DIGITS || checkNationalId(scheme, input, checkDigitPolicy).ok;
  }

  const d = digitsOf(normalized);
  switch (scheme) {
    case "tr_tckn":
      if (n >= 1 && d[0] === 0) return false;
      // Nine digits settle both check digits; the 11th then follows from the 10th.
      return n < 10 || d[9] === tcknTenth(d);
    case "kz_iin":
      if (!dateCanExist(normalized, { years: centuryYears(6, 0), month: 2, day: 4 })) return false;
      // The 11th digit has weight 11 ≡ 0 in the first pass and 2 in the second: while it is
      // missing at most one of its values gives "never issued", so only a full body can be.
      return n < 11 || iinCheckDigit(d) !== null;
    case "kg_pin":
      if (n >= 1 && d[0] !== 1 && d[0] !== 2) return false;
      return dateCanExist(normalized, { years: fourDigitYears(5), month: 3, day: 1 });
    case "uz_pinfl":
      // The check digit is the last one, and any sum mod 10 names a digit.
      return dateCanExist(normalized, { years: centuryYears(0, 5), month: 3, day: 1 });
    case "hu_tax_id":
      if (n >= 1 && d[0] !== 8) return false;
      // The 9th digit has weight 9, which is invertible mod 11: while it is missing at most
      // one of its values leaves the remainder 10.
      return n < 9 || huCheckDigit(d) !== null;
    default:
      return true;
  }
}

function schemeRules(scheme, checkDigitPolicy, input) {
  if (!Object.hasOwn(SCHEMES, scheme)) throw new RangeError(`unknown national ID scheme: ${scheme}`);
  if (!POLICIES.includes(checkDigitPolicy)) {
    throw new RangeError(`unknown check digit policy: ${checkDigitPolicy}`);
  }
  if (typeof input !== "string") throw new TypeError("the national ID must be a string");
  return SCHEMES[scheme];
}

function refused(code) {
  return { ok: false, normalized: null, code, warning: null, birthDate: null };
}

/** What `str::len` gives for the same text (a lone surrogate counts as the 3 bytes of U+FFFD). */
function utf8Length(input) {
  let bytes = 0;
  for (const ch of input) {
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Strips whitespace and dashes and upper-cases ASCII letters with ASCII rules; `null` when any
 * other non-ASCII character is left. Never `toUpperCase()`: Turkish dotless `ı` would become
 * `I` and two different inputs one ID.
 */
function normalise(input) {
  let out = "";
  for (const ch of input) {
    const cp = ch.codePointAt(0);
    if (isWhitespace(cp) || isDash(cp)) continue;
    if (cp > 0x7f) return null;
    out += cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 0x20) : ch;
  }
  return out;
}

/**
 * Rust's `char::is_whitespace` (Unicode White_Space). Not JavaScript's `\s`, which leaves out
 * U+0085 and adds U+FEFF.
 */
function isWhitespace(cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp === 0x20 || cp === 0x85 || cp === 0xa0 ||
    cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 ||
    cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

/** The hyphens, dashes and minus signs people paste from documents (not the soft hyphen). */
function isDash(cp) {
  return cp === 0x2d || (cp >= 0x2010 && cp <= 0x2015) || cp === 0x2212 || cp === 0xfe63 ||
    cp === 0xff0d;
}

function inAlphabet(alphabet, normalized) {
  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    const letter = c >= 0x41 && c <= 0x5a;
    if (alphabet === DIGITS && !digit) return false;
    // FİN leaves out I and O, which read like 1 and 0.
    if (alphabet === AZ_FIN && !(digit || (letter && c !== 0x49 && c !== 0x4f))) return false;
    if (alphabet === ALNUM && !(digit || letter)) return false;
  }
  return true;
}

/** The digit values (meaningful only where the characters are digits). */
function digitsOf(normalized) {
  const d = [];
  for (let i = 0; i < normalized.length; i++) d.push(normalized.charCodeAt(i) - 0x30);
  return d;
}

/** Two-digit number from `d[i]` and `d[i + 1]`. */
function two(d, i) {
  return d[i] * 10 + d[i + 1];
}

/** Century from the IIN/PINFL code: 1–2 → 1800s, 3–4 → 1900s, 5–6 → 2000s; else `null`. */
function centuryOf(code) {
  return code >= 1 && code <= 6 ? 1800 + 100 * ((code - 1) >> 1) : null;
}

// ---- check digits ----

function tcknTenth(d) {
  const odd = d[0] + d[2] + d[4] + d[6] + d[8];
  const even = d[1] + d[3] + d[5] + d[7];
  // 7·odd − even goes negative when the even positions outweigh the odd ones, and `%` keeps
  // the sign; the rule means the mathematical (never negative) remainder.
  return (((7 * odd - even) % 10) + 10) % 10;
}

function tcknEleventh(d) {
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += d[i];
  return sum % 10;
}

const IIN_SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/** The IIN check digit, or `null` when both passes give 10 (never issued). */
function iinCheckDigit(d) {
  let first = 0;
  for (let i = 0; i < 11; i++) first += (i + 1) * d[i];
  first %= 11;
  if (first !== 10) return first;
  let second = 0;
  for (let i = 0; i < 11; i++) second += IIN_SECOND_WEIGHTS[i] * d[i];
  second %= 11;
  return second === 10 ? null : second;
}

const PINFL_WEIGHTS = [7, 3, 1];

function pinflCheckDigit(d) {
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += PINFL_WEIGHTS[i % 3] * d[i];
  return sum % 10;
}

/** The HU tax ID check digit, or `null` for a remainder of 10 (never issued). */
function huCheckDigit(d) {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * d[i];
  const k = sum % 11;
  return k === 10 ? null : k;
}

// ---- dates, in whole numbers (proleptic Gregorian, as chrono's NaiveDate) ----

function isLeap(year) {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year, month) {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1];
}

/** `YYYY-MM-DD`, or `null` when there is no such day. */
function date(year, month, day) {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return iso(year, month, day);
}

function iso(year, month, day) {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Digits 2–6 count the days since 1867-01-01. Every count up to 99999 is a real date (the
 * last in 2140), so unlike the other schemes this cannot fail.
 */
function huBirthDate(d) {
  let days = d[1] * 10000 + d[2] * 1000 + d[3] * 100 + d[4] * 10 + d[5];
  let year = 1867;
  while (days >= (isLeap(year) ? 366 : 365)) {
    days -= isLeap(year) ? 366 : 365;
    year += 1;
  }
  let month = 1;
  while (days >= daysInMonth(year, month)) {
    days -= daysInMonth(year, month);
    month += 1;
  }
  return iso(year, month, days + 1);
}

// ---- what a prefix can still become ----

/**
 * The values the `width`-digit field at `start` can still take, as `[lo, hi]`. What is typed
 * is a prefix of the ID, so the known digits of a field are always its leading ones.
 */
function fieldRange(typed, start, width) {
  const known = typed.slice(start, start + width);
  const scale = 10 ** (width - known.length);
  const lo = (known === "" ? 0 : Number(known)) * scale;
  return [lo, lo + scale - 1];
}

/** Leap years are at most 8 apart, so this looks at no more than 8 years. */
function leapYearIn(lo, hi) {
  for (let year = lo; year <= hi; year++) if (isLeap(year)) return true;
  return false;
}

/** Years of an IIN/PINFL: the century code at `codeAt`, `YY` at `yearAt`. */
function centuryYears(codeAt, yearAt) {
  return (typed) => {
    const [codeLo, codeHi] = fieldRange(typed, codeAt, 1);
    const [yyLo, yyHi] = fieldRange(typed, yearAt, 2);
    let possible = false;
    let leap = false;
    for (let code = Math.max(codeLo, 1); code <= Math.min(codeHi, 6); code++) {
      possible = true;
      leap ||= leapYearIn(centuryOf(code) + yyLo, centuryOf(code) + yyHi);
    }
    return { possible, leap };
  };
}

/** Years of a KG PIN: `YYYY` at `yearAt`, from 1800 on. */
function fourDigitYears(yearAt) {
  return (typed) => {
    const [lo, hi] = fieldRange(typed, yearAt, 4);
    const from = Math.max(lo, 1800);
    return { possible: from <= hi, leap: leapYearIn(from, hi) };
  };
}

/**
 * Whether some real date agrees with the digits typed so far (`MM` at `month`, `DD` at
 * `day`). Only February depends on the year, and only through whether one of the possible
 * years is a leap year.
 */
function dateCanExist(typed, { years, month, day }) {
  const { possible, leap } = years(typed);
  if (!possible) return false;
  const [monthLo, monthHi] = fieldRange(typed, month, 2);
  const [dayLo, dayHi] = fieldRange(typed, day, 2);
  const firstDay = Math.max(dayLo, 1);
  if (firstDay > dayHi) return false;
  for (let m = Math.max(monthLo, 1); m <= Math.min(monthHi, 12); m++) {
    const longest = m === 2 ? (leap ? 29 : 28) : MONTH_DAYS[m - 1];
    if (firstDay <= longest) return true;
  }
  return false;
}
