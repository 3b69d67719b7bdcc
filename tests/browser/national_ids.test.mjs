// The web client's national-ID checks against the vectors the Rust parser is held to
// (tests/fixtures/national_id_vectors.json, checked by tests/national_id_vectors.rs).
// Run with `node --test tests/browser/national_ids.test.mjs`; no packages needed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import {
  NATIONAL_ID_SCHEMES,
  checkNationalId,
  isPlausiblePrefix,
} from "../../web/assets/js/national_ids.js";

const { vectors } = JSON.parse(
  readFileSync(new URL("../fixtures/national_id_vectors.json", import.meta.url), "utf8"),
);

const label = (v) => `${v.scheme} ${JSON.stringify(v.input)} (${v.policy}): ${v.note}`;

test("checkNationalId agrees with every vector", () => {
  for (const v of vectors) {
    assert.deepEqual(checkNationalId(v.scheme, v.input, v.policy), v.expected, label(v));
  }
});

test("the policy defaults to enforce", () => {
  for (const v of vectors.filter((v) => v.policy === "enforce")) {
    assert.deepEqual(checkNationalId(v.scheme, v.input), v.expected, label(v));
  }
});

test("every prefix of a valid vector is plausible", () => {
  for (const v of vectors.filter((v) => v.expected.ok)) {
    const chars = [...v.input];
    for (let i = 0; i <= chars.length; i++) {
      const prefix = chars.slice(0, i).join("");
      assert.equal(isPlausiblePrefix(v.scheme, prefix, v.policy), true, `${label(v)} at ${JSON.stringify(prefix)}`);
    }
  }
});

test("prefixes that a leap year or a later digit can still save are plausible", () => {
  const open = [
    ["kg_pin", "22902"], // 29 February of some leap year
    ["kg_pin", "2290219"], // 29 February 19xx: 1904…1996
    ["kz_iin", "000229"], // 29 February 2000, if the century code is 5 or 6
    ["uz_pinfl", "22902"], // 29 February 18xx: 1804…1896
    ["tr_tckn", "180000000"], // any nine digits have their two check digits
    ["kz_iin", "9001013008"], // the 11th digit can still avoid "never issued"
    ["hu_tax_id", "80000001"], // the 9th digit can still avoid remainder 10
    ["generic", " ".repeat(124) + "AB"], // 126 bytes: room for the two missing characters
  ];
  for (const [scheme, prefix] of open) {
    assert.equal(isPlausiblePrefix(scheme, prefix), true, `${scheme} ${JSON.stringify(prefix)}`);
  }
});

test("a valid vector is plausible, one refused for anything but its length is not", () => {
  // Too short can still grow; too long (or over the byte limit) is covered by the walks below.
  for (const v of vectors.filter((v) => v.expected.code !== "invalid_length")) {
    assert.equal(isPlausiblePrefix(v.scheme, v.input, v.policy), v.expected.ok, label(v));
  }
});

test("refused vectors that are already settled are not plausible", () => {
  // Whatever follows, these can no longer become valid: the form may say so at once.
  const settled = [
    ["tr_tckn", "0"], // leading zero
    ["tr_tckn", "1800000001"], // the 10th digit is settled by the first nine
    ["tr_tckn", "1000000014a"],
    ["kz_iin", "9013"], // month 13
    ["kz_iin", "90023"], // 30 or 31 February
    ["kz_iin", "0002293"], // 29 February 1900
    ["kz_iin", "9001017"], // century code 7
    ["kz_iin", "90010130080"], // never issued, whatever the last digit
    ["kg_pin", "3"], // sex digit
    ["kg_pin", "24"], // day 4x
    ["kg_pin", "2290217"], // 29 February 17xx
    ["kg_pin", "229021900"], // 29 February 1900
    ["uz_pinfl", "7"],
    ["uz_pinfl", "1290200"], // 29 February 1800
    ["hu_tax_id", "7"],
    ["hu_tax_id", "800000013"], // remainder 10
    ["az_fin", "5GXM4DI"],
    ["az_fin", "5GXM4DZZ"],
    ["generic", "Z".repeat(33)],
    ["generic", " ".repeat(126) + "AB"], // the server's 128-byte limit leaves no room for 2 more
  ];
  for (const [scheme, prefix] of settled) {
    assert.equal(isPlausiblePrefix(scheme, prefix), false, `${scheme} ${JSON.stringify(prefix)}`);
  }
});

// ---- isPlausiblePrefix is exact ----
//
// "Some ending makes it valid" holds of a prefix exactly when it holds of one of its
// one-character extensions, or the prefix is valid itself. If isPlausiblePrefix satisfies that
// step for every prefix it is asked about, and is right for complete IDs (tested above), then
// it is exactly "can still become valid". The prefixes come from the vectors, their
// mutations, all short digit strings, and a seeded random walk.

const ALPHABET = {
  tr_tckn: "0123456789",
  kz_iin: "0123456789",
  kg_pin: "0123456789",
  uz_pinfl: "0123456789",
  hu_tax_id: "0123456789",
  az_fin: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  generic: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
};

function stepHolds(scheme, prefix, policy) {
  const expected = checkNationalId(scheme, prefix, policy).ok ||
    [...ALPHABET[scheme]].some((c) => isPlausiblePrefix(scheme, prefix + c, policy));
  return isPlausiblePrefix(scheme, prefix, policy) === expected;
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("isPlausiblePrefix is exact on every short digit prefix", () => {
  for (const scheme of NATIONAL_ID_SCHEMES) {
    const prefixes = [""];
    for (let length = 1; length <= 3; length++) {
      for (let i = 0; i < 10 ** length; i++) prefixes.push(String(i).padStart(length, "0"));
    }
    for (const prefix of prefixes) {
      for (const policy of ["enforce", "warn"]) {
        assert.ok(stepHolds(scheme, prefix, policy), `${scheme} ${JSON.stringify(prefix)} (${policy})`);
      }
    }
  }
});

test("isPlausiblePrefix is exact along mutated vectors and random walks", () => {
  const next = random(20260127);
  const pick = (s) => s[Math.floor(next() * s.length)];
  for (const v of vectors) {
    const alphabet = ALPHABET[v.scheme];
    const base = v.expected.normalized ?? v.input;
    for (let round = 0; round < 40; round++) {
      // Mostly the vector with one character changed, sometimes random characters.
      const chars = [...base];
      if (chars.length > 0 && round % 4 !== 3) {
        chars[Math.floor(next() * chars.length)] = pick(alphabet);
      } else {
        for (let i = 0; i < chars.length; i++) chars[i] = pick(alphabet);
      }
      const mutated = chars.join("");
      for (let i = 0; i <= chars.length; i++) {
        const prefix = mutated.slice(0, i);
        assert.ok(stepHolds(v.scheme, prefix, v.policy), `${v.scheme} ${JSON.stringify(prefix)} (${v.policy})`);
      }
    }
  }
});

test("separators and case do not change what a prefix can become", () => {
  assert.equal(isPlausiblePrefix("tr_tckn", "100 000-"), true);
  assert.equal(isPlausiblePrefix("az_fin", "5gx-m"), true);
  assert.equal(isPlausiblePrefix("az_fin", "5gx-mi"), false);
  assert.equal(isPlausiblePrefix("generic", "tm 12"), true);
  assert.equal(isPlausiblePrefix("generic", "\u0131"), false);
  assert.equal(isPlausiblePrefix("tr_tckn", "1\ufeff"), false);
  assert.equal(isPlausiblePrefix("tr_tckn", "1\u0085"), true);
});

test("unknown schemes and policies are programming errors", () => {
  assert.throws(() => checkNationalId("xx_id", "1234"), RangeError);
  assert.throws(() => checkNationalId("toString", "1234"), RangeError);
  assert.throws(() => checkNationalId("generic", "1234", "Warn"), RangeError);
  assert.throws(() => checkNationalId("generic", 1234), TypeError);
  assert.throws(() => isPlausiblePrefix("xx_id", "1"), RangeError);
  assert.throws(() => isPlausiblePrefix("generic", null), TypeError);
});
