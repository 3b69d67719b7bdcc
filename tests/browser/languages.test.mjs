// Every language, every browser: the client's formatters run in Chromium for each of the nine
// languages and must give these exact strings, with the browser's locale data where it has
// it and with the client's own patterns where it does not (this Chromium knows Kazakh, Uzbek
// and Azerbaijani only by name, Kyrgyz and Turkmen not at all). Then the platform admin.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, URL, withPage } from "./support.mjs";

const _ = "\u00a0";
// 2026-12-05 15:07 in Almaty (UTC+5).
const INSTANT = "2026-12-05T10:07:00Z";

/** What each language's fallback patterns must write, whatever the browser knows. */
const FALLBACK = {
  tr: { date: "5 Aralık 2026", dateTime: "5 Aralık 2026 15:07 GMT+5", kzt: "₸1.000.000.000", own: "₺150,5", number: "1.234.567,5" },
  kk: { date: "2026 ж. 5 желтоқсан", dateTime: "2026 ж. 5 желтоқсан, 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `150,5${_}₸`, number: `1${_}234${_}567,5` },
  ky: { date: "2026-ж., 5-декабрь", dateTime: "2026-ж., 5-декабрь, 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `150,5${_}сом`, number: `1${_}234${_}567,5` },
  uz: { date: "5-dekabr, 2026", dateTime: "5-dekabr, 2026, 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `151${_}soʻm`, number: `1${_}234${_}567,5` },
  az: { date: "5 dekabr 2026", dateTime: "5 dekabr 2026 15:07 GMT+5", kzt: `1.000.000.000${_}₸`, own: `150,5${_}₼`, number: "1.234.567,5" },
  tk: { date: "5 dekabr 2026", dateTime: "5 dekabr 2026 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `150,5${_}TMT`, number: `1${_}234${_}567,5` },
  hu: { date: "2026. december 5.", dateTime: "2026. december 5. 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `151${_}Ft`, number: `1${_}234${_}567,5` },
  ru: { date: "5 декабря 2026 г.", dateTime: "5 декабря 2026 г., 15:07 GMT+5", kzt: `1${_}000${_}000${_}000${_}₸`, own: `150,5${_}₸`, number: `1${_}234${_}567,5` },
  en: { date: "5 December 2026", dateTime: "5 December 2026, 15:07 GMT+5", kzt: "₸1,000,000,000", own: `som${_}150.5`, number: "1,234,567.5" },
};
/** Each language's own currency, for the `own` line above. */
const OWN_CURRENCY = { tr: "TRY", kk: "KZT", ky: "KGS", uz: "UZS", az: "AZN", tk: "TMT", hu: "HUF", ru: "KZT", en: "KGS" };

/** What the page shows with this Chromium: Intl where it has the data, the fallback elsewhere. */
const IN_THIS_CHROMIUM = {
  ...FALLBACK,
  tr: { ...FALLBACK.tr, dateTime: "5 Aralık 2026 15:07 GMT+5" },
  hu: { ...FALLBACK.hu, dateTime: "2026. december 5. 15:07 GMT+5" },
  ru: { ...FALLBACK.ru, dateTime: "5 декабря 2026 г. в 15:07 GMT+5" },
  en: { ...FALLBACK.en, dateTime: "5 December 2026 at 15:07 GMT+5" },
};

/** Runs every formatter of every language in the page; `useIntl` undefined lets it detect. */
async function formatted(page, useIntl) {
  return page.evaluate(async ({ instant, own, useIntl }) => {
    const { formatsFor, UI_LANGUAGES } = await import("/assets/js/i18n.js");
    const out = {};
    for (const lang of UI_LANGUAGES) {
      const f = useIntl === undefined ? formatsFor(lang) : formatsFor(lang, useIntl);
      out[lang] = {
        date: f.date(instant, "Asia/Almaty"),
        dateTime: f.dateTime(instant, "Asia/Almaty"),
        kzt: f.money(100_000_000_000, "KZT"),
        own: f.money(15_050, own[lang]),
        number: f.number(1234567.5),
      };
    }
    return out;
  }, { instant: INSTANT, own: OWN_CURRENCY, useIntl });
}

test("dates, numbers and money are right in all nine languages", async () => {
  await withPage("formats", {}, async (page) => {
    await page.goto(`${URL}/#/`);
    await page.locator("h1").first().waitFor();
    assert.deepEqual(await formatted(page, false), FALLBACK, "the fallback patterns");
    assert.deepEqual(await formatted(page), IN_THIS_CHROMIUM, "what the page shows here");
    // A money amount in the trace's decimal form is rounded to the currency's minor unit.
    const trace = await page.evaluate(async () => {
      const { formatsFor } = await import("/assets/js/i18n.js");
      return [formatsFor("ru").decimalMoney("934041436.123456", "KZT"), formatsFor("kk", false).decimalMoney("-12.5", "KZT")];
    });
    assert.deepEqual(trace, [`934${_}041${_}436,12${_}₸`, `-12,5${_}₸`]);
  });
});

test("counts take the language's plural forms", async () => {
  await withPage("plurals", {}, async (page) => {
    await page.goto(`${URL}/#/`);
    await page.locator("h1").first().waitFor();
    const counts = await page.evaluate(async () => {
      const { setLanguage, t } = await import("/assets/js/i18n.js");
      const out = {};
      for (const lang of ["en", "ru", "kk", "tr"]) {
        await setLanguage(lang);
        out[lang] = [1, 3, 5, 21, 1000].map((count) => t("proposals.count", { count }));
      }
      await setLanguage("en");
      return out;
    });
    assert.deepEqual(counts, {
      en: ["1 proposal", "3 proposals", "5 proposals", "21 proposals", "1,000 proposals"],
      ru: ["1 проект", "3 проекта", "5 проектов", "21 проект", `1${_}000 проектов`],
      kk: ["1 ұсыныс", "3 ұсыныс", "5 ұсыныс", "21 ұсыныс", `1${_}000 ұсыныс`],
      tr: ["1 öneri", "3 öneri", "5 öneri", "21 öneri", "1.000 öneri"],
    });
  });
});
