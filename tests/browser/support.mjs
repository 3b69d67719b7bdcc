// What the browser tests share: the browser (Debian's chromium through playwright-core), the
// axe-core check, and failure reports with a screenshot.

import { before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set by tests/api/browser.rs`);
  return value;
};
export const URL = env("KURULTAI_URL");
export const SLUG = env("KURULTAI_SLUG");
export const CITY = `City of ${SLUG}`;

let browser;
/** The browser, launched once per test file. */
export const browserNow = () => browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: env("KURULTAI_CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
});
after(async () => browser?.close());

/** axe-core on the page as it is now: no serious or critical violation. */
export async function accessible(page, where) {
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

export async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

/** Runs `body`; on failure keeps a screenshot and the page's text for the person debugging. */
export async function explained(page, name, body) {
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

/**
 * Runs `body(page)` in a fresh browser context made with `options`: explained on failure
 * (see above), failing on any script error the page raised, the context closed either way.
 */
export async function withPage(name, options, body) {
  const context = await browser.newContext(options);
  try {
    const page = await context.newPage();
    const errors = failOnErrors(page);
    await explained(page, name, () => body(page));
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await context.close();
  }
}

export function failOnErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A 4xx answer the page expects (no ballot yet, an unknown receipt) is logged by the
  // browser as a failed load; the page handles it. Anything else counts.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  return errors;
}


/** Logs in through the page's form; lands on the staff pages for staff accounts. */
export async function logIn(page, login, password) {
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await heading(page, "Log in");
  await page.getByLabel("National ID or e-mail").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}
