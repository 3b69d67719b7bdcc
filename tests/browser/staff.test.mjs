// Staff in a real browser: an official verifies a registration, vets proposals, opens
// voting, enters a paper batch (one mistake first), closes, counts and publishes; the results
// page shows the chart. An admin adds a district and saves settings; an auditor reads the
// audit log and downloads the signed archive. axe-core checks every page. Started by
// `tests/api/browser.rs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, logIn, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");

/** Clicks a phase button and confirms in the dialog. */
async function moveCycle(page, button, phase) {
  await page.getByRole("button", { name: button }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: button }).click();
  await page.locator("main .phase", { hasText: phase }).waitFor();
}

test("an official runs the cycle from review to published results", () => withPage("official", { viewport: { width: 1280, height: 900 }, locale: "en-GB", acceptDownloads: true }, async (page) => {
  await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
  await heading(page, "Staff pages");
  await accessible(page, "the staff home");

  // A registration waiting for an official.
  await page.getByRole("link", { name: "Registrations to check" }).click();
  await heading(page, "Registrations to check");
  await accessible(page, "the registrations");
  await page.getByRole("button", { name: "Verify Mehmet Demir" }).click();
  await page.locator("main").getByText("No registration is waiting.").waitFor();

  // Vet the proposals: approve two, reject one (a reason is required).
  await page.getByRole("link", { name: "Staff pages" }).click();
  await page.locator(".card a").first().click();
  await heading(page, /.+/);
  await page.getByRole("link", { name: "Review proposals" }).click();
  await heading(page, "Proposals to review: Green spaces");
  await accessible(page, "the review");
  // While a decision is saved and the list reloads, the old list's buttons are disabled: a
  // click there would act on a page about to be replaced (a "give a reason" shown on it
  // would vanish with it). The reload is held back here so that moment lasts.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const reviewList = /\/proposals\?status=submitted/;
  await page.route(reviewList, async (route) => {
    await held;
    await route.continue();
  }, { times: 1 });
  await page.getByRole("button", { name: "Approve “Community garden”" }).click();
  await page.getByRole("button", { name: "Reject “Fountain repair”", disabled: true }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator("#main").getAttribute("aria-busy"), "true", "the page says it is busy");
  release();
  await page.getByRole("button", { name: "Approve “Dog park”", disabled: false }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Approve “Community garden”" }).count(), 0, "the approved proposal left the list");
  await page.getByRole("button", { name: "Approve “Dog park”" }).click();
  await page.getByRole("button", { name: "Reject “Fountain repair”" }).waitFor();
  await page.getByRole("button", { name: "Reject “Fountain repair”" }).click();
  await page.locator("main").getByText("Give a reason").waitFor();
  await page.getByLabel("Reason (required to reject)").fill("Already in the city's repair plan.");
  await page.getByRole("button", { name: "Reject “Fountain repair”" }).click();
  await page.locator("main").getByText("No proposal is waiting for review.").waitFor();

  // Open voting, with a confirmation first.
  await page.getByRole("link", { name: "Back to the cycle" }).click();
  await page.locator("main .phase", { hasText: "Proposals under review" }).waitFor();
  await page.getByRole("button", { name: "Open voting" }).click();
  await page.getByRole("dialog").waitFor();
  await accessible(page, "the confirmation dialog");
  await page.getByRole("dialog").getByRole("button", { name: "Go back" }).click();
  await page.locator("main .phase", { hasText: "Proposals under review" }).waitFor();
  await moveCycle(page, "Open voting", "Voting open");

  // A paper batch of three ballots, the second with two choices where one is allowed:
  // refused whole, that ballot marked; corrected, the batch is taken.
  await page.getByRole("link", { name: "Enter paper ballots" }).click();
  await heading(page, "Paper ballots: Green spaces");
  await page.getByLabel("Polling station").fill("School No. 5");
  const ballot = (n) => page.getByRole("group", { name: `Paper ballot ${n}` });
  await ballot(1).getByLabel("Community garden").check();
  await page.getByRole("button", { name: "Add a paper ballot" }).click();
  await ballot(2).getByLabel("Community garden").check();
  await ballot(2).getByLabel("Dog park").check();
  await page.getByRole("button", { name: "Add a paper ballot" }).click();
  await ballot(3).getByLabel("Dog park").check();
  await page.getByRole("button", { name: "Send the batch" }).click();
  await ballot(2).locator(".field-error").waitFor();
  await page.locator("main .alert").waitFor();
  assert.equal(await ballot(2).getAttribute("aria-invalid"), "true");
  assert.equal(await ballot(1).getAttribute("aria-invalid"), null);
  await accessible(page, "the paper batch with an error");
  await ballot(2).getByLabel("Dog park").uncheck();
  await page.getByRole("button", { name: "Send the batch" }).click();
  await page.locator("main").getByText("3 paper ballots from School No. 5 were counted in.").waitFor();

  // Close, count, publish.
  await page.getByRole("link", { name: "Back to the cycle" }).click();
  await page.locator("main").getByText("Ballots: 0 online, 3 on paper").waitFor();
  await moveCycle(page, "Close voting", "Voting closed");
  await page.getByRole("button", { name: "Count the ballots" }).click();
  await page.locator("main").getByText("3 ballots counted in “Green spaces”.").waitFor();
  await accessible(page, "the closed cycle");
  await moveCycle(page, "Publish the results", "Results published");

  await page.getByRole("link", { name: "Results" }).click();
  await heading(page, "Results: Green spaces");
  assert.equal(await page.locator("svg.chart").first().locator("rect.bar.funded").count(), 2, "both approved proposals are funded");
  assert.equal(await page.locator("svg.chart line.budget-line").count(), 1);
  await accessible(page, "the published results");
}));

test("an admin adds a district and saves the settings", () => withPage("admin", { viewport: { width: 390, height: 844 }, isMobile: true, locale: "en-GB" }, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Districts" }).click();
  await heading(page, "Districts");
  await page.getByLabel("Name of the district").fill("Melikgazi");
  await page.getByRole("button", { name: "Add a district" }).click();
  await page.getByLabel("Name of Melikgazi").waitFor();
  await accessible(page, "the districts");
  await page.getByRole("link", { name: "Staff pages" }).click();
  await page.getByRole("link", { name: "Settings" }).click();
  await heading(page, "Settings");
  await page.getByLabel("Proposals one resident may submit per cycle").fill("3");
  await page.getByRole("button", { name: "Save the settings" }).click();
  await page.locator("main").getByText("The settings were saved.").waitFor();
  await accessible(page, "the settings");
  // Languages, currency and zone are picked, not typed; a refusal is shown in the page's language.
  assert.equal(await page.getByLabel("Time zone").inputValue(), "Europe/Istanbul");
  await page.getByRole("checkbox", { name: "English" }).uncheck();
  await page.getByRole("button", { name: "Save the settings" }).click();
  await page.locator("main").getByText("Enable at least one language.").first().waitFor();
  await page.getByRole("link", { name: "Staff pages" }).click();
  await page.getByRole("link", { name: "Staff accounts" }).click();
  await heading(page, "Staff accounts");
  await page.getByLabel("E-mail").fill("clerk@kayseri.example");
  await page.getByLabel("Name", { exact: true }).fill("Clerk");
  await page.getByLabel("Role", { exact: true }).selectOption("official");
  await page.getByRole("button", { name: "Invite a staff member" }).click();
  // Invited: the admin set no password; the clerk sets one from the e-mailed link.
  await page.getByLabel("Status of Clerk").waitFor();
  assert.equal(await page.getByLabel("Status of Clerk").inputValue(), "invited");
  await page.getByLabel("Status of Clerk").selectOption("disabled");
  await page.getByRole("button", { name: "Save Clerk" }).click();
  await page.waitForFunction(() => document.getElementById("announce").textContent.includes("Saved: Clerk"));
  assert.equal(await page.getByLabel("Status of Clerk").inputValue(), "disabled");
  await accessible(page, "the staff accounts");
}));

test("an auditor reads the audit log and downloads the signed archive", () => withPage("auditor", { viewport: { width: 1280, height: 900 }, locale: "en-GB", acceptDownloads: true }, async (page) => {
  await logIn(page, env("KURULTAI_AUDITOR"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Audit log" }).click();
  await heading(page, "Audit log");
  await page.locator("main").getByText(/is intact/).waitFor();
  assert.ok((await page.locator("main tbody tr").count()) > 5, "the log has entries");
  assert.ok((await page.locator("main code", { hasText: "cycle.transition" }).count()) >= 5, "every phase change is logged");
  await accessible(page, "the audit log");
  await page.getByRole("link", { name: "Staff pages" }).click();
  await page.locator(".card a").first().click();
  await page.locator("main .phase", { hasText: "Results published" }).waitFor();
  const [archive] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download the signed archive of the cycle" }).click(),
  ]);
  assert.match(archive.suggestedFilename(), /\.tar\.gz$/);
  const [pb] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download the .pb file" }).click(),
  ]);
  assert.match(pb.suggestedFilename(), /\.pb$/);
  await accessible(page, "the cycle as an auditor");
}));
