// A resident in a real browser: registers, votes in two budgets, changes a ballot, keeps and
// checks a receipt, looks at published results; on a phone-sized and a desktop viewport,
// with an axe-core accessibility check on every page. Started by `tests/api/browser.rs`,
// which sets the stage and passes it in the environment.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set by tests/api/browser.rs`);
  return value;
};
const URL = env("KURULTAI_URL");
const SLUG = env("KURULTAI_SLUG");
const CITY = `City of ${SLUG}`;

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: env("KURULTAI_CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
});
after(async () => browser?.close());

/** axe-core on the page as it is now: no serious or critical violation. */
async function accessible(page, where) {
  // KURULTAI_BROWSER_SHOTS=DIR keeps a picture of every page checked, for a person to look at.
  if (process.env.KURULTAI_BROWSER_SHOTS) {
    const name = `${page.viewportSize().width}-${where.replace(/\W+/g, "-")}.png`;
    await page.screenshot({ path: join(process.env.KURULTAI_BROWSER_SHOTS, name), fullPage: true });
  }
  // Evaluated through the debugging protocol, so the page's CSP (no inline script) holds.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    [],
    `accessibility violations on ${where}`,
  );
}

async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

/** Runs `body`; on failure keeps a screenshot and the page's text for the person debugging. */
async function explained(page, name, body) {
  try {
    await body();
  } catch (error) {
    const shot = join(tmpdir(), `kurultai-${name}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    const text = await page.locator("body").innerText().catch(() => "(no page)");
    error.message += `\n--- at ${page.url()} (screenshot ${shot}):\n${text.slice(0, 2000)}`;
    throw error;
  }
}

function failOnErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A 4xx answer the page expects (no ballot yet, an unknown receipt) is logged by the
  // browser as a failed load; the page handles it. Anything else counts.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

const receipts = {};

test("on a phone: register, vote in two budgets, change a ballot, check a receipt, see results", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB" });
  const page = await context.newPage();
  const errors = failOnErrors(page);
  await explained(page, "phone", async () => {
  await page.goto(`${URL}/`);
  await heading(page, "Participatory budgeting");
  await accessible(page, "the municipality list");
  await page.getByRole("link", { name: CITY }).click();
  await heading(page, CITY);
  await page.locator("main").getByText("Voting open").first().waitFor();
  await accessible(page, "the city page");

  // Register: the ID is checked as it is typed.
  await page.getByRole("link", { name: "Register" }).first().click();
  await heading(page, "Register as a resident");
  const id = page.getByLabel("National ID number");
  await id.fill(env("KURULTAI_MISTYPED_ID"));
  await id.blur();
  await page.locator("main").getByText("check digit does not match").waitFor();
  assert.equal(await id.getAttribute("aria-invalid"), "true");
  await accessible(page, "the registration form with an error");
  await id.fill(env("KURULTAI_NATIONAL_ID"));
  await page.locator("main").getByText("The number is well formed.").waitFor();
  await page.getByLabel("Full name").fill("Ayşe Yılmaz");
  await page.getByLabel("Date of birth").fill("1990-05-17");
  await page.getByLabel("E-mail").fill(`ayse@${SLUG}.example`);
  await page.getByLabel("Password").fill(env("KURULTAI_PASSWORD"));
  await page.getByRole("button", { name: "Register" }).click();
  await page.locator("main").getByText("You are registered and can vote.").waitFor();

  // Parks: an approval ballot of at most two.
  const parks = page.locator(".card", { hasText: "Parks and streets" });
  await parks.getByRole("link", { name: "Vote" }).click();
  await heading(page, "Parks and streets");
  await page.getByLabel(/Benches by the river/).check();
  await page.locator("main").getByText("You chose 1 of at most 2; 1 left.").waitFor();
  await page.waitForFunction(() => document.getElementById("announce").textContent.includes("1 left"));
  await page.getByLabel(/Trees on Atatürk Street/).check();
  await page.getByLabel(/A playground in the old town/).check();
  await page.locator("main").getByText("You chose too many proposals.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Cast my ballot" }).isDisabled(), true);
  await page.getByLabel(/A playground in the old town/).uncheck();
  await accessible(page, "the approval ballot");
  // A reload keeps the half-filled ballot.
  await page.reload();
  await heading(page, "Parks and streets");
  await page.locator("main").getByText("Your unsent choices from before were restored.").waitFor();
  assert.equal(await page.getByLabel(/Benches by the river/).isChecked(), true);
  assert.equal(await page.getByLabel(/Trees on Atatürk Street/).isChecked(), true);
  await page.getByRole("button", { name: "Cast my ballot" }).click();
  await heading(page, "Your vote is recorded");
  receipts.parks = await page.locator("[data-receipt]").getAttribute("data-receipt");
  assert.match(receipts.parks, /\S{8,}/);
  await accessible(page, "the confirmation");

  // Schools: a knapsack ballot with its budget meter.
  await page.getByRole("link", { name: "Back to the budgets" }).click();
  await heading(page, CITY);
  await page.locator(".card", { hasText: "Schools" }).getByRole("link", { name: "Vote" }).click();
  await heading(page, "Schools");
  await page.getByLabel(/Science lab equipment/).check();
  await page.getByLabel(/Sports hall roof/).check();
  await page.locator("main").getByText(/Over the budget by/).waitFor();
  assert.equal(await page.getByRole("button", { name: "Cast my ballot" }).isDisabled(), true);
  await page.getByLabel(/Sports hall roof/).uncheck();
  await page.getByLabel(/New library books/).check();
  await page.locator("main").getByText(/used; .* left\./).waitFor();
  assert.equal(await page.locator("meter").getAttribute("value"), "90000");
  await accessible(page, "the knapsack ballot");
  await page.getByRole("button", { name: "Cast my ballot" }).click();
  await heading(page, "Your vote is recorded");
  receipts.schools = await page.locator("[data-receipt]").getAttribute("data-receipt");

  // Change the parks ballot.
  await page.getByRole("link", { name: "Back to the budgets" }).click();
  await page.locator(".card", { hasText: "Parks and streets" }).getByRole("link", { name: "Vote" }).click();
  await heading(page, "Parks and streets");
  await page.locator("main").getByText(/You voted here on/).waitFor();
  await page.getByLabel(/Trees on Atatürk Street/).uncheck();
  await page.getByLabel(/A playground in the old town/).check();
  await page.getByRole("button", { name: "Replace my ballot" }).click();
  await heading(page, "Your new ballot replaced the earlier one");
  const replacement = await page.locator("[data-receipt]").getAttribute("data-receipt");
  assert.notEqual(replacement, receipts.parks);

  // Check a receipt; a mistyped one is said to be unknown.
  await page.getByRole("link", { name: "Check a receipt" }).click();
  await heading(page, "Check a receipt");
  await page.getByLabel("Receipt code").fill(replacement);
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator("main").getByText("This ballot was recorded.", { exact: false }).waitFor();
  await page.getByLabel("Receipt code").fill("NOPE-NOPE-NOPE");
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator("main").getByText("No ballot has this receipt code").waitFor();
  await accessible(page, "the receipt check");

  // Last year's results, with the chart.
  await page.getByRole("link", { name: "Budgets" }).click();
  await heading(page, CITY);
  await page.locator(".card", { hasText: "Last year's parks" }).getByRole("link", { name: "Results" }).click();
  await heading(page, /Results: Last year's parks/);
  assert.ok((await page.locator("svg.chart rect.bar.funded").count()) >= 1, "funded bars are marked");
  assert.equal(await page.locator("svg.chart line.budget-line").count(), 1);
  await page.getByRole("heading", { name: "Rounds of the Method of Equal Shares" }).waitFor();
  await accessible(page, "the results");

  });
  assert.deepEqual(errors, [], "no script errors");
  await context.close();
});

test("on a desktop: another language, remembered; log in with the national ID; own ballot shown", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB" });
  const page = await context.newPage();
  const errors = failOnErrors(page);
  await explained(page, "desktop", async () => {
  await page.goto(`${URL}/#/m/${SLUG}`);
  await heading(page, CITY);
  await page.getByLabel("Language").selectOption("kk");
  await page.locator("html[lang=kk]").waitFor();
  const loginText = await page.locator("#account a").textContent();
  assert.notEqual(loginText, "Log in", "the header is in Kazakh");
  await accessible(page, "the city page in Kazakh");
  await page.reload();
  await page.locator("html[lang=kk]").waitFor();
  await page.locator("#lang-select").selectOption("en");
  await page.locator("html[lang=en]").waitFor();

  await page.getByRole("link", { name: "Log in" }).first().click();
  await heading(page, "Log in");
  await page.getByLabel("National ID or e-mail").fill(env("KURULTAI_NATIONAL_ID"));
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("main").getByText("The login or the password is wrong.").waitFor();
  await page.getByLabel("Password").fill(env("KURULTAI_PASSWORD"));
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, CITY);
  await page.locator(".card", { hasText: "Schools" }).getByRole("link", { name: "Vote" }).click();
  await heading(page, "Schools");
  await page.locator("main").getByText(/You voted here on/).waitFor();
  assert.equal(await page.getByLabel(/Science lab equipment/).isChecked(), true);
  assert.equal(await page.getByLabel(/New library books/).isChecked(), true);
  await accessible(page, "the knapsack ballot on a desktop");
  });
  assert.deepEqual(errors, [], "no script errors");
  await context.close();
});
