// Published results in a real browser, on a phone: the budget bar's segments named, the table
// reflowed into cards with "Funded" in view, Equal Shares explained in plain words (what the
// completion did to each voter's share, why six votes lost to three), the tie that decided a
// knapsack budget, and the CSV and statistics downloads named by what they are. The audit log
// pages once, in words, with a filter; the auditor's page gives the archive, the key and the
// `kurultai verify` command (which the Rust side then runs). axe-core checks every page. Started by `tests/api/browser_results.rs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessible, env, heading, logIn, URL, SLUG, withPage } from "./support.mjs";

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB", acceptDownloads: true };
const day = new Date().toISOString().slice(0, 10);

/** Every cell of a table row lies inside the phone's screen (nothing to scroll sideways to). */
async function rowFits(page, row) {
  const cells = await row.locator("th, td").evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { right: r.right, width: r.width, text: e.innerText };
  }));
  for (const c of cells) assert.ok(c.width > 0 && c.right <= 390, `cell “${c.text}” is on the screen (${c.right})`);
}

test("Equal Shares results explain themselves on a phone", () => withPage("shares", PHONE, async (page) => {
  await page.goto(`${URL}/#/m/${SLUG}/results/${env("KURULTAI_SHARES_BUDGET")}`);
  await heading(page, "Results: City parks");
  await accessible(page, "the Equal Shares results on a phone");
  const main = page.locator("main");

  // The budget bar: numbered segments, and a list naming each with its cost and share.
  const segments = main.locator("ol.segments li");
  assert.deepEqual((await segments.allInnerTexts()).map((s) => s.replace(/:.*/, "")).sort(), ["Bike lanes", "Bus shelters", "Library garden"]);
  await main.getByText(/^Bike lanes: .*300.*\(30% of the budget\)$/).waitFor();
  assert.equal(await main.locator("svg .segment title").count(), 3, "each segment carries its name");

  // The table is cards on a phone; "Funded" stays on the screen for every proposal.
  const table = main.getByRole("table", { name: "Every proposal with its votes, cost and outcome" });
  const stadium = table.getByRole("row", { name: /Stadium roof/ });
  await rowFits(page, stadium);
  await stadium.getByText("Not funded").waitFor();
  assert.ok(await stadium.getByText("Not funded").isVisible());
  await rowFits(page, table.getByRole("row", { name: /Bike lanes/ }));

  // What the completion did, and why "money left" can exceed the budget.
  await main.getByText(/shared equally among the 10 voters: .*100 each/).waitFor();
  const completion = main.locator("p.completion");
  assert.match(await completion.innerText(), /from .*100 to .*\d/, "the share before and after");
  assert.match(await completion.innerText(), /more than the budget of/);
  // Each round in words.
  await main.getByText(/^Round 1: “Bike lanes” was funded for/).waitFor();
  // Six votes lost to three: the cost per supporter against each voter's share.
  await main.getByRole("heading", { name: "Why a proposal with more votes can lose" }).waitFor();
  await main.getByText(/^“Stadium roof” had 6 votes, more than “(Library garden|Bus shelters)” \(3\), but it costs .*900: .*150 for each supporter/).waitFor();

  // The files, named by the budget and the cycle, not by id.
  const csv = page.waitForEvent("download");
  await main.getByRole("button", { name: "Download the results (CSV)" }).click();
  assert.equal((await csv).suggestedFilename(), `city-parks-${day}.csv`);
  await main.getByText(`Downloaded city-parks-${day}.csv.`).waitFor();
  const stats = page.waitForEvent("download");
  await main.getByRole("button", { name: "Download the participation statistics (CSV)" }).click();
  assert.match((await stats).suggestedFilename(), new RegExp(`-statistics-${day}\\.csv$`));
  // The .pb is for officials and auditors only.
  assert.equal(await main.getByRole("button", { name: "Download the .pb file" }).count(), 0);
}));

test("a tie that decided a knapsack budget is named with its rule", () => withPage("tie", PHONE, async (page) => {
  await page.goto(`${URL}/#/m/${SLUG}/results/${env("KURULTAI_KNAPSACK_BUDGET")}`);
  await heading(page, "Results: School repairs");
  await accessible(page, "the knapsack results on a phone");
  const main = page.locator("main");
  await main.getByRole("heading", { name: "Ties" }).waitFor();
  const tie = await main.locator("ul.ties li").innerText();
  assert.match(tie, /^“(Gym floor|Roof insulation)” and “(Gym floor|Roof insulation)” had the same score \(2\)/);
  assert.match(tie, /an order fixed before counting/);
  // No Equal Shares section for a greedy count.
  assert.equal(await main.getByRole("heading", { name: /Equal Shares/ }).count(), 0);
}));

test("a tie in an Equal Shares round is named with its rule", () => withPage("round-tie", PHONE, async (page) => {
  await page.goto(`${URL}/#/m/${SLUG}/results/${env("KURULTAI_TIED_BUDGET")}`);
  await heading(page, "Results: Playgrounds");
  const tie = await page.locator("main ul.ties li").innerText();
  assert.match(tie, /^Round 1: “(Swings|Slides)” and “(Swings|Slides)” cost their supporters exactly the same per vote\. The tie was broken in favour of “(Swings|Slides)” by an order fixed before counting/);
  await accessible(page, "a tied Equal Shares round on a phone");
}));

test("the audit log pages once, names staff and actions, and filters", () => withPage("audit", { viewport: { width: 1280, height: 900 }, locale: "en-GB" }, async (page) => {
  const total = Number(env("KURULTAI_AUDIT_COUNT"));
  await logIn(page, env("KURULTAI_AUDITOR"), env("KURULTAI_PASSWORD"));
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Audit log" }).click();
  await heading(page, "Audit log");
  const main = page.locator("main");
  const intact = (seq) => main.getByText(`The whole chain up to entry ${seq} is intact, entries hidden by the filter included: no entry was changed or removed.`);
  await intact(100).waitFor();
  const rows = main.locator("tbody tr");
  assert.equal(await rows.count(), 100);
  // Actions and targets in words (with the code beside), staff by name and e-mail.
  const move = rows.filter({ hasText: "cycle.transition" }).first();
  await move.getByText("Phase changed").waitFor();
  await move.getByText("Cycle", { exact: true }).waitFor();
  await move.getByText("official", { exact: true }).waitFor();
  await move.getByText("official@bursa.example · Official").waitFor();
  await accessible(page, "the audit log");

  // "Show more" loads the rest once and then goes away: never the first page again.
  const more = main.getByRole("button", { name: "Show more" });
  await more.click();
  await intact(total).waitFor();
  assert.equal(await rows.count(), total);
  assert.equal(await more.isVisible(), false, "no “Show more” after the last page");
  const seqs = await rows.locator("td.num").first().allInnerTexts();
  assert.equal(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.cells[0].textContent))).size, total, `no entry twice ${seqs.length}`);

  // The filter is the server's, over the whole log: by action, then by day.
  const asked = [];
  page.on("request", (request) => { if (request.url().includes("/audit-log?")) asked.push(new globalThis.URL(request.url()).searchParams); });
  await main.getByLabel("Action").selectOption({ label: "Phase changed" });
  const moves = Number(env("KURULTAI_AUDIT_MOVES"));
  await main.getByText(`Matching entries shown: ${moves}.`).waitFor();
  assert.equal(await rows.count(), moves);
  assert.equal(asked.at(-1).get("action"), "cycle.transition");
  assert.equal(await more.isVisible(), false);
  await main.getByLabel("Action").selectOption({ label: "All actions" });
  const tomorrow = new Date(Date.now() + 86_400_000 * 2).toISOString().slice(0, 10);
  await main.getByLabel("From").fill(tomorrow);
  await main.getByText("Matching entries shown: 0.").waitFor();
  assert.equal(await rows.count(), 0);
  assert.equal(asked.at(-1).get("from"), tomorrow);
  await main.getByLabel("From").fill("");
  await intact(100).waitFor();
  assert.equal(await rows.count(), 100);
  await accessible(page, "the audit log, all of it");
}));

test("the auditor's page gives the archive, the key and the exact verify command", () => withPage("verify", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB", acceptDownloads: true }, async (page) => {
  await logIn(page, env("KURULTAI_AUDITOR"), env("KURULTAI_PASSWORD"));
  await heading(page, "Staff pages");
  await page.goto(`${URL}/#/m/${SLUG}/staff/cycles/${env("KURULTAI_SHARES_CYCLE")}`);
  await page.getByRole("link", { name: "Check this cycle yourself (archive, key, command)" }).click();
  await heading(page, "Check the cycle yourself: People's Budget 2027");
  await accessible(page, "the auditor's page on a phone");
  const main = page.locator("main");
  const keys = await (await fetch(`${URL}/api/v1/municipalities/${SLUG}/keys`)).json();
  await main.locator("code.public-key", { hasText: keys.keys[0].public_key }).waitFor();
  const saved = page.waitForEvent("download");
  await main.getByRole("button", { name: "Download the signed archive of the cycle" }).click();
  const archive = await saved;
  const name = `people-s-budget-2027-${day}.tar.gz`;
  assert.equal(archive.suggestedFilename(), name);
  const command = await main.locator("code.command").innerText();
  assert.equal(command, `kurultai verify --key ${keys.keys[0].public_key} '${name}'`);
  // Handed to tests/api/browser_results.rs, which runs the command on the file.
  const dir = env("KURULTAI_VERIFY_DIR");
  await archive.saveAs(join(dir, name));
  writeFileSync(join(dir, "command.txt"), command);
}));
