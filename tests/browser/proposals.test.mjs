// Proposals in a real browser: an admin defines the categories, a resident writes, edits,
// withdraws and follows a proposal on a phone, an official adds one, edits one and revisits a
// decision on a desktop; axe-core on every page. Started by tests/api/browser_proposals.rs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, logIn, SLUG, URL, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");
const BUDGET = env("KURULTAI_BUDGET");
const CYCLE = env("KURULTAI_CYCLE");
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB" };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };
const main = (page) => page.locator("main");

test("an admin lists the proposal categories", () => withPage("admin-categories", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Proposal categories" }).click();
  await heading(page, "Proposal categories");
  await page.getByRole("button", { name: "Add a category" }).click();
  await page.getByLabel("Key (a–z, 0–9, - and _)").fill("parks");
  await page.getByLabel("Name (English)").fill("Parks and gardens");
  await page.getByRole("button", { name: "Add a category" }).click();
  await page.getByLabel("Key (a–z, 0–9, - and _)").nth(1).fill("Bad Key");
  await page.getByLabel("Name (English)").nth(1).fill("Roads");
  await page.getByRole("button", { name: "Save the categories" }).click();
  await main(page).getByText("A key uses only").waitFor();
  await accessible(page, "the category editor with an error");
  await page.getByLabel("Key (a–z, 0–9, - and _)").nth(1).fill("roads");
  await page.getByRole("button", { name: "Save the categories" }).click();
  await main(page).getByText("The settings were saved.").waitFor();
}));

test("on a phone a resident writes, edits, withdraws and lists proposals", () => withPage("resident-proposals", PHONE, async (page) => {
  await logIn(page, env("KURULTAI_RESIDENT"), PASSWORD);
  await page.getByRole("button", { name: "Log out" }).waitFor();
  await page.goto(`${URL}/#/m/${SLUG}/budgets/${BUDGET}`);
  await heading(page, "Neighbourhood");
  await main(page).getByText("0 proposals").waitFor();
  assert.doesNotMatch(await main(page).innerText(), /null/, "no stray null in an empty list");

  async function write(title, cost) {
    await page.goto(`${URL}/#/m/${SLUG}/budgets/${BUDGET}`);
    await heading(page, "Neighbourhood");
    await page.getByRole("link", { name: "Write a proposal" }).click();
    await heading(page, "New proposal: Neighbourhood");
    await page.getByLabel("Title (English)").fill(title);
    await page.getByLabel("Description (English)").fill(`Why ${title} matters.`);
    await page.getByLabel("Cost (TRY)").fill(cost);
    await page.getByLabel("Category").selectOption({ label: "Parks and gardens" });
  }

  // A cost above the budget is refused next to the cost, in the page's language.
  await write("Shade trees", "5000");
  await accessible(page, "the proposal form");
  await page.getByRole("button", { name: "Submit the proposal" }).click();
  await main(page).getByText("The cost is more than the whole budget.").waitFor();
  await page.getByLabel("Cost (TRY)").fill("250.50");
  await page.getByLabel("Latitude").fill("40.1885");
  await page.getByLabel("Longitude").fill("29.061");
  await page.getByRole("button", { name: "Submit the proposal" }).click();
  await heading(page, "Shade trees");
  await main(page).getByText("Category: Parks and gardens").waitFor();
  await main(page).getByText("Submitted").waitFor();
  const map = main(page).getByRole("link", { name: /OpenStreetMap/ });
  assert.match(await map.getAttribute("href"), /openstreetmap\.org\/\?mlat=40\.18850&mlon=29\.06100/);
  await accessible(page, "the author's own submitted proposal");

  // Reloaded, the author still sees it (it is not public yet).
  await page.reload();
  await heading(page, "Shade trees");

  await page.getByRole("link", { name: "Edit “Shade trees”" }).click();
  await heading(page, "Edit the proposal");
  await page.getByLabel("Cost (TRY)").fill("300");
  await page.getByRole("button", { name: "Save the changes" }).click();
  await heading(page, "Shade trees");
  await main(page).getByText(/Cost: .*300/).waitFor();

  await write("A second bench", "10");
  await page.getByRole("button", { name: "Submit the proposal" }).click();
  await heading(page, "A second bench");
  await main(page).getByRole("button", { name: "Withdraw the proposal" }).click();
  await page.locator("dialog").getByRole("button", { name: "Withdraw the proposal" }).click();
  await heading(page, "My proposals");
  await page.locator(".card", { hasText: "A second bench" }).getByText("Withdrawn").waitFor();
  await page.locator(".card", { hasText: "Shade trees" }).getByText("Submitted").waitFor();
  await accessible(page, "my proposals");

  await page.goto(`${URL}/#/m/${SLUG}/budgets/${BUDGET}`);
  await main(page).getByText("2 proposals").waitFor();
  assert.doesNotMatch(await main(page).innerText(), /null/, "no stray null under the list");
}));

test("an official adds a proposal, edits one and revisits a decision", () => withPage("official-proposals", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
  await heading(page, "Staff pages");
  await page.goto(`${URL}/#/m/${SLUG}/staff/cycles/${CYCLE}`);
  await page.getByRole("link", { name: "Add a proposal" }).click();
  await heading(page, "New proposal: Neighbourhood");
  await page.getByLabel("Title (English)").fill("Street lights");
  await page.getByLabel("Description (English)").fill("Lights on the long street.");
  await page.getByLabel("Cost (TRY)").fill("120");
  await page.getByRole("button", { name: "Submit the proposal" }).click();
  await heading(page, "Street lights");

  await page.goto(`${URL}/#/m/${SLUG}/staff/review/${BUDGET}`);
  await heading(page, /Neighbourhood/);
  await page.getByRole("link", { name: "Edit “Shade trees”" }).click();
  await heading(page, "Edit the proposal");
  await page.getByLabel("Cost (TRY)").fill("275");
  await page.getByRole("button", { name: "Save the changes" }).click();
  await heading(page, "Shade trees");
  await main(page).getByText(/Cost: .*275/).waitFor();

  await page.goto(`${URL}/#/m/${SLUG}/staff/review/${BUDGET}`);
  await page.getByRole("button", { name: "Approve “Shade trees”" }).click();
  const decided = page.locator(".card", { hasText: "Shade trees" });
  await decided.getByText("On the ballot").waitFor();
  await accessible(page, "the review page with a decided proposal");
  // Revisited before voting: rejected, with a reason.
  await decided.getByLabel(/Why the decision changes/).fill("The land belongs to the province.");
  await decided.getByRole("button", { name: "Reject “Shade trees”" }).click();
  await page.locator(".card", { hasText: "Shade trees" }).getByText("Rejected").waitFor();
}));

test("the author reads the decision and its reason", () => withPage("resident-decision", PHONE, async (page) => {
  await logIn(page, env("KURULTAI_RESIDENT"), PASSWORD);
  await page.getByRole("button", { name: "Log out" }).waitFor();
  await page.goto(`${URL}/#/m/${SLUG}/mine`);
  await heading(page, "My proposals");
  const card = page.locator(".card", { hasText: "Shade trees" });
  await card.getByText("Rejected").waitFor();
  await card.getByText("The land belongs to the province.").waitFor();
  await card.getByRole("link", { name: "Shade trees" }).click();
  await heading(page, "Shade trees");
  await main(page).getByText("Decision of the municipality: The land belongs to the province.").waitFor();
  await accessible(page, "a rejected proposal seen by its author");
}));
