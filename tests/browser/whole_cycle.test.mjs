// The acceptance test: a city runs a whole participatory budget from the web client
// alone. Only the platform admin's account exists beforehand (the app's bootstrap makes it);
// everything else is done in pages: the platform admin creates a Kazakh city and its first
// admin; the admin sets the languages, districts, categories and staff accounts; an official
// runs the cycle through every phase; residents register on phones in Kazakh and Russian,
// write proposals, see where they stand and vote; a resident reads the results and an auditor
// takes the archive and the verify command. axe-core checks every page. Started by
// tests/api/browser_whole_cycle.rs, which then checks through the API what the pages stored.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessible, env, heading, URL, withPage } from "./support.mjs";
import { linkMailedTo } from "./mail.mjs";

const SLUG = env("KURULTAI_SLUG");
const PASSWORD = env("KURULTAI_PASSWORD");
const OUT = env("KURULTAI_OUT_DIR");
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, acceptDownloads: true };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB", acceptDownloads: true };
const main = (page) => page.locator("main");
const card = (page, name) => page.locator(".card", { has: page.getByRole("heading", { name, exact: true }) });

/** The client's own texts, so the Kazakh and Russian pages are checked in their words. */
const TEXTS = Object.fromEntries(["kk", "ru", "en"].map((lang) => [lang, JSON.parse(readFileSync(new globalThis.URL(`../../web/assets/i18n/${lang}.json`, import.meta.url), "utf8"))]));
function T(lang, key, params = {}) {
  const text = TEXTS[lang][key];
  assert.equal(typeof text, "string", `${lang} has ${key}`);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
}

/** A valid IIN for a birth date (century digit 3 or 4: born in the 1900s). */
function iin(born, century, serial) {
  const body = `${born.slice(2, 4)}${born.slice(5, 7)}${born.slice(8, 10)}${century}${String(serial).padStart(4, "0")}`;
  const digits = [...body].map(Number);
  const weigh = (w) => digits.reduce((s, d, i) => s + d * w[i], 0) % 11;
  let k = weigh([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  if (k === 10) k = weigh([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
  return k === 10 ? iin(born, century, serial + 1) : body + k;
}

const CITY = { kk: "Шымкент қаласы", ru: "Город Шымкент" };
const NORTH = { kk: "Әл-Фараби ауданы", ru: "Аль-Фарабийский район" };
const SOUTH = { kk: "Абай ауданы", ru: "Абайский район" };
const CYCLE = { kk: "Халық бюджеті 2027", ru: "Народный бюджет 2027" };
const PARKS = { kk: "Қала саябақтары", ru: "Городские парки" };
const YARDS = { kk: "Әл-Фараби аулалары", ru: "Дворы Аль-Фараби" };
const ADMIN = "admin@shymkent.example";
const OFFICIAL = "official@shymkent.example";
const AUDITOR = "auditor@shymkent.example";
const RESIDENTS = [
  { lang: "kk", name: "Айгүл Серікова", born: "1991-02-03", century: 4, district: NORTH, email: "aigul@shymkent.example" },
  { lang: "ru", name: "Иван Петров", born: "1985-06-07", century: 3, district: NORTH, email: "ivan@shymkent.example" },
  { lang: "ru", name: "Дана Касымова", born: "1993-09-10", century: 4, district: SOUTH, email: "dana@shymkent.example" },
].map((r, i) => ({ ...r, id: iin(r.born, r.century, 101 + i) }));
const [AIGUL, IVAN, DANA] = RESIDENTS;
const state = {};

/** Staff log in on the city's page, switched to English (the city opens in Kazakh). */
async function staffLogIn(page, login) {
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await page.waitForFunction(() => document.querySelector("#main h1"));
  await page.locator("#lang-select").selectOption("en");
  await heading(page, "Log in");
  await page.getByLabel("National ID or e-mail").fill(login);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, "Staff pages");
}

/** Staff set their own password from the link in their invitation e-mail (in English). */
async function acceptInvitation(page, email) {
  await page.goto(await linkMailedTo(email));
  await page.waitForFunction(() => document.querySelector("#main h1"));
  await page.locator("#lang-select").selectOption("en");
  await heading(page, "Accept your invitation");
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("status").filter({ hasText: "Your password is set" }).waitFor();
}

/** A resident logs in in their language; lands on the city page. */
async function residentLogIn(page, who) {
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await page.waitForFunction(() => document.querySelector("#main h1"));
  await page.locator("#lang-select").selectOption(who.lang);
  await heading(page, T(who.lang, "login.title"));
  await page.getByLabel(T(who.lang, "login.login")).fill(who.id);
  await page.getByLabel(T(who.lang, "login.password")).fill(PASSWORD);
  await page.getByRole("button", { name: T(who.lang, "login.submit") }).click();
  await heading(page, CITY[who.lang]);
}

/** Waits until the page's live region has said `text` (saves and moves are announced). */
async function announced(page, text) {
  await page.waitForFunction((said) => document.getElementById("announce")?.textContent === said, text);
}

/** Moves the cycle on from its staff page, confirming in the dialog. */
async function move(page, to) {
  const label = T("en", `staff.move.${to}`);
  await page.getByRole("button", { name: label }).click();
  await page.getByRole("dialog").getByRole("button", { name: label }).click();
  await page.locator("main strong.phase", { hasText: T("en", `phase.${to}`) }).waitFor();
}

async function openCycle(page) {
  await page.goto(`${URL}/#/m/${SLUG}/staff/cycles/${state.cycle}`);
  await heading(page, CYCLE.kk);
}

test("the platform admin creates the city and its first admin", () => withPage("platform", DESKTOP, async (page) => {
  await page.goto(`${URL}/#/platform`);
  await heading(page, "Platform admin login");
  await page.getByLabel("E-mail").fill(env("KURULTAI_PLATFORM_EMAIL"));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, "Platform administration");
  await page.getByLabel("Country").selectOption("KZ");
  await page.getByLabel("Address name").fill(SLUG);
  await page.getByLabel("Name of the municipality (Қазақша)").fill(CITY.kk);
  await page.getByLabel("Name of the municipality (Русский)").fill(CITY.ru);
  await page.getByRole("textbox", { name: "E-mail" }).fill(ADMIN);
  await page.getByLabel("Name", { exact: true }).fill("Aigerim Admin");
  await accessible(page, "platform create");
  await page.getByRole("button", { name: "Create municipality" }).click();
  await page.getByRole("status").filter({ hasText: ADMIN }).waitFor();
  await accessible(page, "platform created");
}));

test("the first admin sets a password from the invitation e-mail", () => withPage("first admin", DESKTOP, async (page) => {
  await acceptInvitation(page, ADMIN);
  await accessible(page, "invitation accepted");
}));

test("the city's admin sets languages, districts, categories and staff accounts", () => withPage("admin", DESKTOP, async (page) => {
  await staffLogIn(page, ADMIN);
  await page.getByRole("link", { name: "Settings" }).click();
  await heading(page, "Settings");
  assert.equal(await page.getByLabel("Currency").inputValue(), "KZT");
  assert.equal(await page.getByLabel("National ID scheme").inputValue(), "kz_iin");
  assert.ok(await page.getByRole("checkbox", { name: "Қазақша" }).isChecked());
  assert.ok(await page.getByRole("checkbox", { name: "Русский" }).isChecked());
  await page.getByLabel("Default language").selectOption("kk");
  await page.getByLabel("Registration", { exact: true }).selectOption("open");
  await accessible(page, "settings");
  await page.getByRole("button", { name: "Save the settings" }).click();
  await main(page).getByText("The settings were saved.").waitFor();

  await page.goto(`${URL}/#/m/${SLUG}/staff/districts`);
  await heading(page, "Districts");
  for (const district of [NORTH, SOUTH]) {
    await page.getByLabel("Name of the district (Қазақша)").fill(district.kk);
    await page.getByLabel("Name of the district (Русский)").fill(district.ru);
    await page.getByRole("button", { name: "Add a district" }).click();
    await page.getByLabel(`Name of ${district.kk} (Русский)`).waitFor();
  }
  await accessible(page, "districts");

  await page.goto(`${URL}/#/m/${SLUG}/staff/categories`);
  await heading(page, "Proposal categories");
  const categories = [["parks", "Саябақтар", "Парки"], ["lights", "Жарық", "Освещение"]];
  for (const [i, [key, kk, ru]] of categories.entries()) {
    await page.getByRole("button", { name: "Add a category" }).click();
    await page.getByLabel("Key (a–z, 0–9, - and _)").nth(i).fill(key);
    await page.getByLabel("Name (Қазақша)").nth(i).fill(kk);
    await page.getByLabel("Name (Русский)").nth(i).fill(ru);
  }
  await accessible(page, "categories");
  await page.getByRole("button", { name: "Save the categories" }).click();
  await main(page).getByText("The settings were saved.").waitFor();

  await page.goto(`${URL}/#/m/${SLUG}/staff/accounts`);
  await heading(page, "Staff accounts");
  for (const [email, name, role] of [[OFFICIAL, "Olzhas Official", "official"], [AUDITOR, "Asel Auditor", "auditor"]]) {
    await page.getByRole("textbox", { name: "E-mail" }).fill(email);
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Role", { exact: true }).selectOption(role);
    await page.getByRole("button", { name: "Invite a staff member" }).click();
    await page.getByLabel(`Role of ${name}`).waitFor();
  }
  await accessible(page, "staff accounts");
}));

test("the official and the auditor set their passwords from their invitations", () => withPage("invitees", DESKTOP, async (page) => {
  for (const email of [OFFICIAL, AUDITOR]) await acceptInvitation(page, email);
}));

test("an official creates the cycle and its budgets and opens submission", () => withPage("official-setup", DESKTOP, async (page) => {
  await staffLogIn(page, OFFICIAL);
  await page.getByLabel("Name of the cycle (Қазақша)").fill(CYCLE.kk);
  await page.getByLabel("Name of the cycle (Русский)").fill(CYCLE.ru);
  await page.getByRole("button", { name: "Create the cycle" }).click();
  await heading(page, CYCLE.kk);
  state.cycle = page.url().split("/").pop();
  await page.getByLabel("Proposals from").fill("2027-03-01T09:00");
  await page.getByLabel("Voting opens").fill("2027-04-01T09:00");
  await page.getByLabel("Voting closes").fill("2027-04-30T20:00");
  await page.getByRole("button", { name: "Save the cycle" }).click();
  await announced(page, "The cycle was saved.");

  // City-wide, counted by Equal Shares.
  await page.getByLabel("Name of the budget (Қазақша)").fill(PARKS.kk);
  await page.getByLabel("Name of the budget (Русский)").fill(PARKS.ru);
  await page.getByLabel("Amount (KZT)").fill("1000000");
  await page.getByLabel("Most proposals a voter may choose").fill("3");
  await page.getByLabel("Counting rule").selectOption("equal_shares");
  await accessible(page, "the budget form");
  await page.getByRole("button", { name: "Create the budget" }).click();
  await card(page, PARKS.kk).getByText("Method of Equal Shares").waitFor();

  // The northern district's, a knapsack ballot.
  await page.getByLabel("Name of the budget (Қазақша)").fill(YARDS.kk);
  await page.getByLabel("Name of the budget (Русский)").fill(YARDS.ru);
  await page.getByLabel("District").selectOption({ label: NORTH.kk });
  await page.getByLabel("Amount (KZT)").fill("300000");
  await page.getByLabel("Ballot", { exact: true }).selectOption("knapsack");
  await page.getByRole("button", { name: "Create the budget" }).click();
  await card(page, YARDS.kk).waitFor();
  await accessible(page, "a cycle with two budgets");
  const budgetOf = async (name) => (await card(page, name).getByRole("link", { name: "Review proposals" }).getAttribute("href")).split("/").pop();
  state.parks = await budgetOf(PARKS.kk);
  state.yards = await budgetOf(YARDS.kk);

  await move(page, "submission");
  await accessible(page, "a cycle open for proposals");
}));

/** Registers `who` on a phone in their language; lands on the city page. */
async function register(page, who) {
  await page.goto(`${URL}/#/m/${SLUG}`);
  await page.waitForFunction(() => document.querySelector("#main h1"));
  await page.locator("#lang-select").selectOption(who.lang);
  await heading(page, CITY[who.lang]);
  await page.getByRole("link", { name: T(who.lang, "register.submit") }).first().click();
  await heading(page, T(who.lang, "register.title"));
  await page.getByLabel(T(who.lang, "register.national_id")).fill(who.id);
  await page.getByLabel(T(who.lang, "register.full_name")).fill(who.name);
  await page.getByLabel(T(who.lang, "register.birth_date")).fill(who.born);
  await page.getByLabel(T(who.lang, "register.district")).selectOption({ label: who.district[who.lang] });
  await page.getByLabel(T(who.lang, "register.email")).fill(who.email);
  await page.getByLabel(T(who.lang, "register.password")).fill(PASSWORD);
  await accessible(page, `registration in ${who.lang}`);
  await page.getByRole("button", { name: T(who.lang, "register.submit") }).click();
  await heading(page, CITY[who.lang]);
}

/** From the city page's budget card, writes a proposal in the page's language. */
async function propose(page, who, budget, title, cost, category) {
  await page.goto(`${URL}/#/m/${SLUG}`);
  await heading(page, CITY[who.lang]);
  await card(page, budget[who.lang]).getByRole("link", { name: T(who.lang, "propose.action") }).click();
  await heading(page, T(who.lang, "propose.title", { budget: budget[who.lang] }));
  const language = T(who.lang, `language.${who.lang}`);
  await page.getByLabel(T(who.lang, "propose.field_title", { language })).fill(title);
  await page.getByLabel(T(who.lang, "propose.field_description", { language })).fill(`${title}: ${who.name}.`);
  await page.getByLabel(T(who.lang, "propose.cost", { currency: "KZT" })).fill(cost);
  await page.getByLabel(T(who.lang, "proposals.category")).selectOption(category);
  await page.getByRole("button", { name: T(who.lang, "propose.submit") }).click();
  await heading(page, title);
}

const PROPOSALS = [
  [AIGUL, PARKS, "Веложолдар", "400000", "parks"],
  [AIGUL, YARDS, "Балалар алаңы", "150000", "parks"],
  [IVAN, PARKS, "Новые скамейки", "100000", "parks"],
  [IVAN, YARDS, "Освещение двора", "120000", "lights"],
  [DANA, PARKS, "Фонтан в центре", "900000", "parks"],
];

for (const who of RESIDENTS) {
  test(`${who.name} registers on a phone in ${who.lang} and writes proposals`, () => withPage(`register-${who.lang}-${who.born}`, PHONE, async (page) => {
    await register(page, who);
    await accessible(page, `the city page during submission (${who.lang})`);
    // Nothing to scroll sideways to on the phone (long Kazakh labels once pushed the dates off).
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "the city page fits the phone");
    for (const [author, budget, title, cost, category] of PROPOSALS) {
      if (author === who) await propose(page, who, budget, title, cost, category);
    }
    await accessible(page, `a submitted proposal (${who.lang})`);
  }));
}

test("the official reviews the proposals and opens voting", () => withPage("official-review", DESKTOP, async (page) => {
  await staffLogIn(page, OFFICIAL);
  await openCycle(page);
  await move(page, "review");
  for (const [budget, approve] of [[state.parks, ["Веложолдар", "Новые скамейки"]], [state.yards, ["Балалар алаңы", "Освещение двора"]]]) {
    await page.goto(`${URL}/#/m/${SLUG}/staff/review/${budget}`);
    for (const title of approve) {
      await page.getByRole("button", { name: `Approve “${title}”` }).click();
      await page.locator(".card", { hasText: title }).getByText("On the ballot").waitFor();
    }
  }
  await page.goto(`${URL}/#/m/${SLUG}/staff/review/${state.parks}`);
  const fountain = page.locator(".card", { has: page.getByRole("heading", { name: "Фонтан в центре" }) });
  await fountain.getByLabel("Reason (required to reject)").fill("Слишком дорого для одного года.");
  await accessible(page, "the review page");
  await page.getByRole("button", { name: "Reject “Фонтан в центре”" }).click();
  await page.locator(".card", { hasText: "Фонтан в центре" }).getByText("Rejected").waitFor();
  await openCycle(page);
  await move(page, "voting");
  await accessible(page, "a cycle in voting");
}));

/** Votes in one budget from the city page's card, ticking `titles`. */
async function vote(page, who, budget, titles) {
  const here = card(page, budget[who.lang]);
  await here.getByText(T(who.lang, "standing.can_vote")).waitFor();
  await here.getByRole("link", { name: T(who.lang, "budget.vote"), exact: true }).click();
  await heading(page, budget[who.lang]);
  for (const title of titles) await page.getByRole("checkbox", { name: new RegExp(title) }).check();
  await accessible(page, `a ballot (${who.lang})`);
  await page.getByRole("button", { name: T(who.lang, "ballot.cast") }).click();
  await heading(page, T(who.lang, "ballot.recorded_title"));
  await accessible(page, `a recorded vote (${who.lang})`);
  await page.getByRole("link", { name: T(who.lang, "ballot.back_to_budgets") }).click();
  await heading(page, CITY[who.lang]);
  await card(page, budget[who.lang]).getByRole("link", { name: T(who.lang, "standing.change") }).waitFor();
}

const BALLOTS = [
  [AIGUL, [[PARKS, ["Веложолдар", "Новые скамейки"]], [YARDS, ["Балалар алаңы", "Освещение двора"]]]],
  [IVAN, [[PARKS, ["Новые скамейки"]], [YARDS, ["Освещение двора"]]]],
  [DANA, [[PARKS, ["Веложолдар"]]]],
];

for (const [who, ballots] of BALLOTS) {
  test(`${who.name} sees where they stand and votes on a phone`, () => withPage(`vote-${who.born}`, PHONE, async (page) => {
    await residentLogIn(page, who);
    if (who === DANA) {
      // The northern district's budget is not hers, and the page says why.
      await card(page, YARDS.ru).getByText(T("ru", "standing.wrong_district")).waitFor();
      assert.equal(await card(page, YARDS.ru).getByRole("link", { name: T("ru", "budget.vote"), exact: true }).count(), 0);
    }
    await accessible(page, `the city page in voting (${who.lang})`);
    for (const [budget, titles] of ballots) await vote(page, who, budget, titles);
  }));
}

test("the official closes voting, counts every budget and publishes", () => withPage("official-close", DESKTOP, async (page) => {
  await staffLogIn(page, OFFICIAL);
  await openCycle(page);
  await move(page, "closed");
  for (const [budget, count] of [[PARKS, 3], [YARDS, 2]]) {
    await card(page, budget.kk).getByRole("button", { name: "Count the ballots" }).click();
    await main(page).getByText(T("en", "staff.tallied", { count, budget: budget.kk })).waitFor();
  }
  await accessible(page, "a counted cycle");
  await move(page, "published");
  writeFileSync(join(OUT, "cycle.json"), JSON.stringify(state));
}));

test("a resident reads the results with the Equal Shares explanation", () => withPage("results", PHONE, async (page) => {
  await residentLogIn(page, AIGUL);
  await card(page, PARKS.kk).getByRole("link", { name: T("kk", "budget.results") }).click();
  await heading(page, T("kk", "results.title", { budget: PARKS.kk }));
  await main(page).getByRole("heading", { name: T("kk", "results.es.heading") }).waitFor();
  await accessible(page, "the Equal Shares results in Kazakh");

  // Her name corrected on the account page is the header's name at once.
  await page.locator("#account").getByRole("link", { name: T("kk", "account.mine") }).click();
  await heading(page, T("kk", "me.title"));
  await page.getByLabel(T("kk", "register.full_name")).fill("Айгүл Серікқызы");
  await page.getByRole("button", { name: T("kk", "me.save") }).click();
  await main(page).getByText(T("kk", "me.saved")).waitFor();
  await page.locator("#account .who", { hasText: "Айгүл Серікқызы" }).waitFor();
}));

test("an auditor downloads the archive and sees the verify command", () => withPage("auditor", { ...PHONE, locale: "en-GB" }, async (page) => {
  await staffLogIn(page, AUDITOR);
  await page.getByRole("link", { name: CYCLE.kk }).click();
  await heading(page, CYCLE.kk);
  await page.getByRole("link", { name: "Check this cycle yourself (archive, key, command)" }).click();
  await heading(page, `Check the cycle yourself: ${CYCLE.kk}`);
  await accessible(page, "the auditor's page");
  const saved = page.waitForEvent("download");
  await main(page).getByRole("button", { name: "Download the signed archive of the cycle" }).click();
  const archive = await saved;
  const command = await main(page).locator("code.command").innerText();
  assert.match(command, /^kurultai verify --key \S+ '.+\.tar\.gz'$/);
  assert.ok(command.endsWith(`'${archive.suggestedFilename()}'`), "the command names the file saved");
  await archive.saveAs(join(OUT, archive.suggestedFilename()));
  writeFileSync(join(OUT, "command.txt"), command);
}));
