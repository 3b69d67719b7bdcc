// Officials in a real browser: a cycle named in both of the city's languages, its dates set,
// a district budget with Equal Shares options created, changed, and a second one deleted;
// then the registrations paged past 100 and searched, a review card showing district,
// registration date and that the applicant is under age. axe-core checks every page. Started
// by `tests/api/browser_officials.rs`, which then checks what the API stored.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, logIn, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");

test("an official names a cycle, sets its dates and configures its budgets", () => withPage("officials-cycle", { viewport: { width: 1280, height: 900 }, locale: "en-GB" }, async (page) => {
  await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
  await heading(page, "Staff pages");

  // Names in every language of the city: the default one required.
  await page.getByLabel("Name of the cycle (Türkçe)").fill("Bahar bütçesi");
  await page.getByLabel("Name of the cycle (English)").fill("Spring budget");
  await page.getByRole("button", { name: "Create the cycle" }).click();
  await heading(page, "Spring budget");
  await accessible(page, "a draft cycle");

  // Dates, typed as the city's wall-clock time; a close before the opening is refused first.
  await page.getByLabel("Proposals from").fill("2027-03-01T09:00");
  await page.getByLabel("Voting opens").fill("2027-04-01T09:00");
  await page.getByLabel("Voting closes").fill("2027-03-15T09:00");
  await page.getByRole("button", { name: "Save the cycle" }).click();
  await page.getByText("The closing time must come after the opening time.").waitFor();
  await page.getByLabel("Voting closes").fill("2027-04-30T20:00");
  await page.getByRole("button", { name: "Save the cycle" }).click();
  await page.getByRole("button", { name: "Save the cycle", disabled: false }).waitFor();
  await page.locator("main .alert").waitFor({ state: "detached" }).catch(() => {});
  await page.waitForFunction(() => document.querySelector("input[name=voting_closes_at]")?.value === "2027-04-30T20:00" && !document.querySelector("[aria-invalid=true]"));
  assert.equal(await page.getByLabel("Proposals from").inputValue(), "2027-03-01T09:00");

  // A district budget counted by Equal Shares: its completion and tie-break options appear
  // only for that rule; cumulative and knapsack options only for their ballots.
  await page.getByLabel("Name of the budget (Türkçe)").fill("Nilüfer parkları");
  await page.getByLabel("Name of the budget (English)").fill("Nilüfer parks");
  await page.getByLabel("District").selectOption({ label: "Nilüfer" });
  await page.getByLabel("Amount (TRY)").fill("250000");
  assert.equal(await page.getByLabel("Money Equal Shares leaves").isVisible(), false, "no completion for greedy");
  assert.equal(await page.getByLabel(/Most a voter may spend/).isVisible(), false, "no spending cap for approval");
  await page.getByLabel("Ballot", { exact: true }).selectOption("knapsack");
  await page.getByLabel(/Most a voter may spend/).waitFor();
  await page.getByLabel("Ballot", { exact: true }).selectOption("approval");
  await page.getByLabel("Fewest proposals a voter must choose").fill("1");
  await page.getByLabel("Most proposals a voter may choose").fill("3");
  await page.getByLabel("Counting rule").selectOption("equal_shares");
  await page.getByLabel("Money Equal Shares leaves").selectOption("add1_greedy");
  await page.getByLabel("Ties are broken by").selectOption("equalshares");
  await accessible(page, "the budget form");
  await page.getByRole("button", { name: "Create the budget" }).click();
  const card = page.locator(".card", { has: page.getByRole("heading", { name: "Nilüfer parks" }) });
  await card.getByText("Method of Equal Shares").waitFor();
  await card.getByText("Nilüfer", { exact: false }).first().waitFor();

  // Changed: the form comes filled with what is stored.
  await page.getByRole("button", { name: "Change Nilüfer parks" }).click();
  await heading(page, "Spring budget");
  assert.equal(await page.getByLabel("Counting rule").first().inputValue(), "equal_shares");
  assert.equal(await page.getByLabel("Money Equal Shares leaves").first().inputValue(), "add1_greedy");
  await accessible(page, "a budget being changed");
  await page.locator(".card").getByLabel("Amount (TRY)").fill("300000");
  await page.getByRole("button", { name: "Save the budget" }).click();
  await card.getByText(/300,000/).waitFor();

  // A second, city-wide budget, deleted after a confirmation.
  await page.getByLabel("Name of the budget (English)").fill("Temporary");
  await page.getByLabel("Amount (TRY)").fill("1000");
  await page.getByRole("button", { name: "Create the budget" }).click();
  await page.getByRole("heading", { name: "Temporary" }).waitFor();
  await page.getByRole("button", { name: "Delete Temporary" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Delete Temporary" }).click();
  await page.getByRole("heading", { name: "Temporary" }).waitFor({ state: "detached" });
  await page.getByRole("heading", { name: "Nilüfer parks" }).waitFor();
}));

test("an official pages and searches more than 100 registrations on a phone", () => withPage("officials-residents", { viewport: { width: 390, height: 844 }, locale: "en-GB" }, async (page) => {
  await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Registrations to check" }).click();
  await heading(page, "Registrations to check");
  await page.getByText("Residents shown: 50").waitFor();
  await accessible(page, "the registrations");

  // Past the API's page of 100: every registration once, then no "Show more".
  await page.getByRole("button", { name: "Show more" }).click();
  await page.getByText("Residents shown: 100").waitFor();
  await page.getByRole("button", { name: "Show more" }).click();
  await page.getByText("Residents shown: 121").waitFor();
  assert.equal(await page.getByRole("button", { name: "Show more" }).isVisible(), false);
  const names = await page.locator(".cards h2").allInnerTexts();
  assert.equal(new Set(names).size, 121, "no registration twice");

  // A search: every word, any case.
  await page.getByLabel("Search by name").fill("RESIDENT 11");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText("Residents shown: 11").waitFor();

  // The under-age applicant's card says so, with district and registration date; the reason
  // is labelled as required to reject, not as optional.
  await page.getByLabel("Search by name").fill("zeynep");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText("Residents shown: 1").waitFor();
  const zeynep = page.locator(".card", { has: page.getByRole("heading", { name: "Zeynep Kaya" }) });
  await zeynep.getByText("Under the minimum voting age of 18.").waitFor();
  await zeynep.getByText("Nilüfer").waitFor();
  await zeynep.getByText("Registered").waitFor();
  const label = await zeynep.locator("label", { hasText: "Reason" }).innerText();
  assert.equal(label.trim(), "Reason (required to reject)");
  await accessible(page, "a searched registration");

  // Rejecting needs the reason.
  await page.getByRole("button", { name: "Reject Zeynep Kaya" }).click();
  await page.getByText("Give a reason").waitFor();
  await zeynep.getByLabel("Reason (required to reject)").fill("Under the minimum voting age.");
  await page.getByRole("button", { name: "Reject Zeynep Kaya" }).click();
  await page.getByText("No resident matches.").waitFor();
  // Every status: the rejected registration is listed, marked.
  await page.getByLabel("Status").selectOption("");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.locator(".card .badge", { hasText: "Rejected" }).waitFor();

  // A rejected registration's ID can be released, after a dialog saying what it does (going
  // back keeps it); the registration is then gone from every list.
  await page.getByRole("button", { name: "Release the ID of Zeynep Kaya" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("This cannot be undone.", { exact: false }).waitFor();
  await accessible(page, "releasing a rejected registration's ID");
  await dialog.getByRole("button", { name: "Go back" }).click();
  await page.locator(".card .badge", { hasText: "Rejected" }).waitFor();
  await page.getByRole("button", { name: "Release the ID of Zeynep Kaya" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Release the ID of Zeynep Kaya" }).click();
  await page.getByText("No resident matches.").waitFor();
}));

test("an official lists a cycle's proposals, pages and filters them", () => withPage("officials-proposals", { viewport: { width: 390, height: 844 }, locale: "en-GB" }, async (page) => {
  await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Autumn works" }).click();
  await heading(page, "Autumn works");
  await page.getByRole("link", { name: "All proposals" }).click();
  await heading(page, "Proposals: Autumn works");
  await page.getByText("Proposals found: 30").waitFor();
  await page.getByText("Page 1 of 2").waitFor();
  await accessible(page, "the proposal list");
  assert.equal(await page.locator(".cards h2").count(), 25);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("Page 2 of 2").waitFor();
  assert.deepEqual(await page.locator(".cards h2").allInnerTexts(), ["Project 26", "Project 27", "Project 28", "Project 29", "Project 30"]);

  // Filtered by status, and searched.
  await page.getByLabel("Status").selectOption("rejected");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText("Proposals found: 3").waitFor();
  await page.getByText("Page 1 of 1").waitFor();
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Search").fill("project 2");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText("Proposals found: 12").waitFor();
  await page.getByLabel("Search").fill("nothing like this");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText("No proposal matches.").waitFor();
}));
