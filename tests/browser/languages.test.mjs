// Every language, every browser: the client's formatters run in Chromium for each of the nine
// languages and must give these exact strings, with the browser's locale data where it has
// it and with the client's own patterns where it does not (this Chromium knows Kazakh, Uzbek
// and Azerbaijani only by name, Kyrgyz and Turkmen not at all). Then the platform admin.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, URL, withPage } from "./support.mjs";
import { linkMailedTo } from "./mail.mjs";

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
    // Debian's Chromium: Kazakh, Uzbek and Azerbaijani resolve to root data ("2026 M12 5"),
    // Kyrgyz and Turkmen to English; all five are detected and get the fallback.
    const known = await page.evaluate(async () => {
      const { hasLocaleData } = await import("/assets/js/formats.js");
      const tags = { tr: "tr-TR", kk: "kk-KZ", ky: "ky-KG", uz: "uz-Latn-UZ", az: "az-Latn-AZ", tk: "tk-TM", hu: "hu-HU", ru: "ru-RU", en: "en-GB" };
      return Object.entries(tags).filter(([lang, tag]) => hasLocaleData(lang, tag)).map(([lang]) => lang);
    });
    assert.deepEqual(known, ["tr", "hu", "ru", "en"], "the languages this Chromium has data for");
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

test("the platform admin creates a municipality whose first admin logs in, names it in every language and uploads its voter roll", async () => {
  await withPage("platform", { viewport: { width: 390, height: 844 } }, async (page) => {
    await page.goto(`${URL}/#/platform`);
    await heading(page, "Platform admin login");
    await accessible(page, "platform login");
    await page.getByLabel("E-mail").fill(env("KURULTAI_PLATFORM_EMAIL"));
    await page.getByLabel("Password").fill(env("KURULTAI_PASSWORD"));
    await page.getByRole("button", { name: "Log in" }).click();
    await heading(page, "Platform administration");

    // Choosing the country picks its currency, zone and languages.
    await page.getByLabel("Country").selectOption("KZ");
    assert.equal(await page.getByLabel("Currency").inputValue(), "KZT");
    assert.equal(await page.getByLabel("Time zone").inputValue(), "Asia/Almaty");
    assert.ok(await page.getByRole("checkbox", { name: "Қазақша" }).isChecked());
    assert.ok(await page.getByRole("checkbox", { name: "Русский" }).isChecked());
    assert.ok(!(await page.getByRole("checkbox", { name: "Türkçe" }).isChecked()));
    assert.equal(await page.getByLabel("Default language").inputValue(), "kk");
    await accessible(page, "platform create");

    await page.getByLabel("Address name").fill("shymkent");
    await page.getByLabel("Name of the municipality (Қазақша)").fill("Шымкент қаласы");
    await page.getByLabel("Name of the municipality (Русский)").fill("Город Шымкент");
    await page.getByRole("textbox", { name: "E-mail" }).fill("admin@shymkent.example");
    await page.getByLabel("Name", { exact: true }).fill("Aigerim");
    await page.getByRole("button", { name: "Create municipality" }).click();
    await page.getByRole("status").filter({ hasText: "admin@shymkent.example" }).waitFor();
    await accessible(page, "platform created");
    const adminLogin = await page.getByRole("link", { name: "Go to the admin login" }).getAttribute("href");

    // The first admin sets a password from the invitation e-mail (the page speaks Kazakh).
    await page.goto(await linkMailedTo("admin@shymkent.example"));
    await page.waitForFunction(() => document.documentElement.lang === "kk" && document.querySelector("#main h1"));
    await page.locator("main input[type=password]").fill("correct horse battery staple");
    await page.locator("main button[type=submit]").click();
    await page.locator("main [role=status]").waitFor();

    // The first admin logs in (the city's page opens in its default language, Kazakh).
    await page.goto(`${URL}/${adminLogin}`);
    await page.waitForFunction(() => document.documentElement.lang === "kk" && document.querySelector("#main h1"));
    await page.locator("#lang-select").selectOption("en");
    await heading(page, "Log in");
    await page.getByLabel("National ID or e-mail").fill("admin@shymkent.example");
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Log in" }).click();
    await heading(page, "Staff pages");

    // Settings: pickers, not codes, and a name in every enabled language.
    await page.goto(`${URL}/#/m/shymkent/staff/settings`);
    await heading(page, "Settings");
    assert.equal(await page.getByLabel("Currency").inputValue(), "KZT");
    assert.equal(await page.getByLabel("Name of the municipality (Русский)").inputValue(), "Город Шымкент");
    await page.getByRole("checkbox", { name: "English" }).check();
    await page.getByLabel("Name of the municipality (English)").fill("City of Shymkent");
    await accessible(page, "settings");
    await page.getByRole("button", { name: "Save the settings" }).click();
    await page.getByRole("status").filter({ hasText: "The settings were saved." }).waitFor();
    const saved = await page.evaluate(async () => (await fetch("/api/v1/municipalities/shymkent")).json());
    assert.deepEqual(saved.languages, ["kk", "ru", "en"]);
    assert.deepEqual(saved.names, { kk: "Шымкент қаласы", ru: "Город Шымкент", en: "City of Shymkent" });

    // Districts are named in every enabled language too.
    await page.goto(`${URL}/#/m/shymkent/staff/districts`);
    await heading(page, "Districts");
    await page.getByLabel("Name of the district (Қазақша)").fill("Әл-Фараби ауданы");
    await page.getByLabel("Name of the district (Русский)").fill("Аль-Фарабийский район");
    await page.getByLabel("Name of the district (English)").fill("Al-Farabi district");
    await page.getByRole("button", { name: "Add a district" }).click();
    await page.getByLabel("Name of Al-Farabi district (Русский)").waitFor();
    await accessible(page, "districts");
    const districts = await page.evaluate(async () => (await fetch("/api/v1/municipalities/shymkent/districts")).json());
    assert.deepEqual(districts.map((d) => d.names), [{ kk: "Әл-Фараби ауданы", ru: "Аль-Фарабийский район", en: "Al-Farabi district" }]);

    // The voter roll: a file with bad lines is refused whole, the lines named; a good one is taken.
    await page.goto(`${URL}/#/m/shymkent/staff`);
    await page.getByRole("link", { name: "Voter roll" }).click();
    await heading(page, "Voter roll");
    const csv = (lines) => ({ name: "roll.csv", mimeType: "application/vnd.ms-excel", buffer: Buffer.from(lines.join("\n") + "\n") });
    await page.getByLabel("CSV file").setInputFiles(csv(["national_id,birth_date", "900101300017,1990-01-01", "900101300018,1990-01-01", "900101300017,1990-02-30"]));
    await page.getByRole("button", { name: "Upload the voter roll" }).click();
    await page.getByRole("alert").filter({ hasText: "Nothing was stored: 2 lines are wrong." }).waitFor();
    const rows = await page.locator("table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(0, 2).map((c) => c.textContent)));
    assert.deepEqual(rows, [["3", "National ID"], ["4", "Birth date"]]);
    await accessible(page, "voter roll rejected");
    await page.getByLabel("CSV file").setInputFiles(csv(["national_id,birth_date", "900101300017,1990-01-01"]));
    await page.getByRole("button", { name: "Upload the voter roll" }).click();
    await page.getByRole("status").filter({ hasText: "The voter roll now has 1 person." }).waitFor();
    await accessible(page, "voter roll taken");
  });
});
