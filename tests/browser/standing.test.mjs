// Where a resident stands, in a real browser: before voting each budget says whether this
// resident can vote and, if not, why (another district, awaiting review, under age); after
// voting it says so, shows the receipt (wrapping only between its groups, copied with one tap)
// and offers "Change your vote". On a phone (390×844) and a desktop, checked with axe-core.
// Started by `tests/api/browser_standing.rs`, which stages the residents.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, CITY, env, heading, logIn, SLUG, URL, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB" };
const DESKTOP = { viewport: { width: 1280, height: 800 }, locale: "en-GB" };
const OF_AGE = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(env("KURULTAI_NEW_OF_AGE")));

const card = (page, budget) => page.locator(".card", { hasText: budget });

async function signIn(page, who) {
  await logIn(page, env(who), PASSWORD);
  await heading(page, CITY);
}

/** A receipt's groups each sit on one line, and the code fits the screen. */
async function receiptWrapsBetweenGroups(page) {
  const layout = await page.locator(".receipt-code").first().evaluate((code) => ({
    groups: [...code.querySelectorAll(".receipt-group")].map((g) => g.getClientRects().length),
    right: code.getBoundingClientRect().right,
    scroll: code.scrollWidth <= code.clientWidth,
  }));
  assert.ok(layout.groups.length >= 2, "the code is shown in groups");
  assert.deepEqual(layout.groups, layout.groups.map(() => 1), "no group is broken across lines");
  assert.ok(layout.right <= page.viewportSize().width, "the code fits the screen");
  assert.ok(layout.scroll, "the code does not overflow its box");
}

for (const [device, options] of [["phone", PHONE], ["desktop", DESKTOP]]) {
  test(`${device}: a resident of another district is told so before the ballot`, () => withPage(`${device}-south`, options, async (page) => {
    await signIn(page, "KURULTAI_SOUTHERNER");
    await card(page, "North parks").getByText("this budget is for residents of another district").waitFor();
    assert.equal(await card(page, "North parks").getByRole("link", { name: "Vote" }).count(), 0);
    await card(page, "City library").getByText("You can vote in this budget.").waitFor();
    await card(page, "City library").getByRole("link", { name: "Vote" }).waitFor();
    await accessible(page, `the city page of another district's resident (${device})`);
    // Going to the ballot anyway: the reason, not a form.
    await page.goto(`${URL}/#/m/${SLUG}/vote/${await budgetId(page, "North parks")}`);
    await heading(page, "North parks");
    await page.locator("main").getByText("this budget is for residents of another district").waitFor();
    assert.equal(await page.locator("main form").count(), 0);
    await accessible(page, `a ballot of another district (${device})`);
    // In the page's language.
    await page.getByLabel("Language").selectOption("ru");
    await page.locator("main").getByText("Здесь вы не можете голосовать: этот бюджет для жителей другого района.").waitFor();
  }));

  test(`${device}: a resident awaiting review sees a notice and no vote button`, () => withPage(`${device}-pending`, options, async (page) => {
    await signIn(page, "KURULTAI_PENDING");
    await page.locator("main").getByText("Your registration is awaiting review by the municipality.").waitFor();
    await card(page, "City library").getByText("your registration is awaiting review").waitFor();
    assert.equal(await page.locator("main").getByRole("link", { name: "Vote" }).count(), 0);
    await accessible(page, `the city page awaiting review (${device})`);
  }));

  test(`${device}: an under-age resident learns from when they can vote`, () => withPage(`${device}-young`, options, async (page) => {
    await signIn(page, "KURULTAI_YOUNG");
    await page.locator("main p.notice", { hasText: `You are under the minimum voting age. You can vote from ${OF_AGE}.` }).waitFor();
    await card(page, "North parks").getByText(`You can vote from ${OF_AGE}.`).waitFor();
    assert.equal(await page.locator("main").getByRole("link", { name: "Vote" }).count(), 0);
    await accessible(page, `the city page under age (${device})`);
  }));

  test(`${device}: one who voted sees it, the receipt in whole groups, a copy button and "Change your vote"`, () => withPage(`${device}-voted`, { ...options, permissions: ["clipboard-read", "clipboard-write"] }, async (page) => {
    await signIn(page, "KURULTAI_VOTED");
    const library = card(page, "City library");
    await library.getByText(/You voted here on/).waitFor();
    await library.getByRole("link", { name: "Change your vote" }).waitFor();
    assert.equal(await library.getByRole("link", { name: "Vote", exact: true }).count(), 0);
    await card(page, "North parks").getByRole("link", { name: "Vote", exact: true }).waitFor();
    const code = await library.locator("[data-receipt]").getAttribute("data-receipt");
    assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    await receiptWrapsBetweenGroups(page);
    await library.getByRole("button", { name: "Copy the code" }).click();
    await library.getByText("Copied.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
    await accessible(page, `the city page after voting (${device})`);
  }));
}

/** The budget's id, from its "See the proposals" link. */
async function budgetId(page, budget) {
  const link = await card(page, budget).getByRole("link", { name: "See the proposals" }).getAttribute("href");
  return link.split("/").pop();
}

test("phone: vote, then the confirmation's receipt wraps between groups and copies with one tap", () => withPage("phone-vote", { ...PHONE, permissions: ["clipboard-read", "clipboard-write"] }, async (page) => {
  await signIn(page, "KURULTAI_VOTER");
  await card(page, "North parks").getByText("You can vote in this budget.").waitFor();
  await card(page, "North parks").getByRole("link", { name: "Vote" }).click();
  await heading(page, "North parks");
  await page.getByLabel(/Swings/).check();
  await page.getByRole("button", { name: "Cast my ballot" }).click();
  await heading(page, "Your vote is recorded");
  const code = await page.locator("[data-receipt]").getAttribute("data-receipt");
  await receiptWrapsBetweenGroups(page);
  await page.getByRole("button", { name: "Copy the code" }).click();
  await page.locator("main").getByText("Copied.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
  await accessible(page, "the confirmation with its receipt");
  await page.getByRole("link", { name: "Back to the budgets" }).click();
  await heading(page, CITY);
  await card(page, "North parks").getByRole("link", { name: "Change your vote" }).waitFor();
  assert.equal(await card(page, "North parks").locator("[data-receipt]").getAttribute("data-receipt"), code);
  await card(page, "City library").getByRole("link", { name: "Vote", exact: true }).waitFor();
}));

test("desktop: registering under age says from when one can vote, not that one can vote now", () => withPage("desktop-register", DESKTOP, async (page) => {
  await page.goto(`${URL}/#/m/${SLUG}/register`);
  await heading(page, "Register as a resident");
  await page.getByLabel("National ID number").fill(env("KURULTAI_NEW_ID"));
  await page.getByLabel("Full name").fill("Deniz Kaya");
  await page.getByLabel("Date of birth").fill(env("KURULTAI_NEW_BORN"));
  await page.getByLabel("District").selectOption(env("KURULTAI_NORTH"));
  await page.getByLabel("E-mail").fill(`deniz@${SLUG}.example`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await heading(page, CITY);
  await page.locator("main").getByText(`You are registered. You can vote from ${OF_AGE}`).waitFor();
  assert.equal(await page.locator("main").getByText("You are registered and can vote.").count(), 0);
  await accessible(page, "the city page after an under-age registration");
}));

for (const [device, options, who] of [["phone", PHONE, "KURULTAI_ACCOUNT_PHONE"], ["desktop", DESKTOP, "KURULTAI_ACCOUNT_DESKTOP"]]) {
  test(`${device}: the account page corrects the profile, changes the password and deletes the registration`, () => withPage(`${device}-account`, options, async (page) => {
    await signIn(page, who);
    await page.locator("#account").getByRole("link", { name: "My account" }).click();
    await heading(page, "Your account");
    await page.locator("main").getByText(/The date of birth and the national ID cannot be changed here/).waitFor();
    await accessible(page, `the account page (${device})`);

    await page.getByLabel("Phone").fill("+90 555 000 11 22");
    await page.getByRole("button", { name: "Save the profile" }).click();
    await page.locator("main").getByText("Your profile is saved.").waitFor();
    await page.reload();
    await heading(page, "Your account");
    assert.equal(await page.getByLabel("Phone").inputValue(), "+90 555 000 11 22");

    await page.getByLabel("Current password").fill("not the password at all");
    await page.getByLabel("New password").fill("a brand new passphrase of mine");
    await page.getByRole("button", { name: "Change the password" }).click();
    await page.locator("main").getByText("The current password is wrong.").waitFor();
    assert.equal(await page.getByLabel("Current password").getAttribute("aria-invalid"), "true");
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change the password" }).click();
    await page.locator("main").getByText(/Your password is changed/).waitFor();
    await accessible(page, `the account page after a password change (${device})`);

    // Deleting asks first; going back keeps everything.
    await page.getByRole("button", { name: "Delete my registration" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Delete your registration? This cannot be undone.").waitFor();
    await accessible(page, `the deletion question (${device})`);
    await dialog.getByRole("button", { name: "Go back" }).click();
    await heading(page, "Your account");
    await page.getByRole("button", { name: "Delete my registration" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete my registration" }).click();
    await heading(page, "Your registration is deleted.");
    await page.locator("#account").getByRole("link", { name: "Log in" }).waitFor();
    await logIn(page, env(who), "a brand new passphrase of mine");
    await page.locator("main").getByText("The login or the password is wrong.").waitFor();
  }));
}
