// Staff invitations in a real browser: an admin invites an official from the staff accounts
// page (no password field: the admin never knows it), then resends the invitation; the
// official opens the NEW link from the real e-mail (tests/browser/mail.mjs), is refused a
// too-short password, sets a good one and logs in; the used link and the first, replaced one
// are refused. axe-core checks every page. Started by `tests/api/browser_invitations.rs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessible, env, heading, logIn, SLUG, withPage } from "./support.mjs";
import { linkMailedTo } from "./mail.mjs";

const OFFICIAL = `olcay@${SLUG}.example`;
const CHOSEN = "tulip garden by the river";
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };
const PHONE = { viewport: { width: 390, height: 844 }, locale: "en-GB" };

test("an admin invites an official by e-mail, without a password", () => withPage("admin", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), env("KURULTAI_PASSWORD"));
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Staff accounts" }).click();
  await heading(page, "Staff accounts");
  assert.equal(await page.getByLabel("Password").count(), 0, "no password field");
  await accessible(page, "the invitation form");
  await page.getByRole("textbox", { name: "E-mail" }).fill(OFFICIAL);
  await page.getByLabel("Name", { exact: true }).fill("Olcay Official");
  await page.getByLabel("Role", { exact: true }).selectOption("official");
  await page.getByRole("button", { name: "Invite a staff member" }).click();
  await page.getByLabel("Status of Olcay Official").waitFor();
  assert.equal(await page.getByLabel("Status of Olcay Official").inputValue(), "invited");
  await page.locator("main").getByText("Invited: waiting for them to set a password").waitFor();
  await accessible(page, "the invited official");
}));

// The link of the first invitation, replaced by the resent one.
let firstLink;

test("the admin resends the invitation, on a phone", () => withPage("resend", PHONE, async (page) => {
  firstLink = await linkMailedTo(OFFICIAL);
  await logIn(page, env("KURULTAI_ADMIN"), env("KURULTAI_PASSWORD"));
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Staff accounts" }).click();
  await heading(page, "Staff accounts");
  // Only the invited account has the button.
  assert.equal(await page.getByRole("button", { name: /^Resend the invitation/ }).count(), 1);
  await page.getByRole("button", { name: "Resend the invitation to Olcay Official" }).click();
  await page.getByRole("status").filter({ hasText: `A new invitation was sent to ${OFFICIAL}` }).waitFor();
  await accessible(page, "the invitation resent");
  // The new link arrives by e-mail, and it is another link.
  assert.notEqual(await linkMailedTo(OFFICIAL, { count: 2 }), firstLink);
}));

test("the official sets a password from the resent link and logs in", () => withPage("official", PHONE, async (page) => {
  const link = await linkMailedTo(OFFICIAL, { count: 2 });
  assert.match(link, new RegExp(`/#/m/${SLUG}/invitation\\?token=`));
  await page.goto(link);
  await heading(page, "Accept your invitation");
  await accessible(page, "the invitation page");
  // The password policy answers by field.
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.locator("main").getByText("The password is too short").waitFor();
  assert.equal(await page.getByLabel("New password").getAttribute("aria-invalid"), "true");
  await page.getByLabel("New password").fill(CHOSEN);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("status").filter({ hasText: "Your password is set" }).waitFor();
  await accessible(page, "the invitation accepted");
  await page.getByRole("link", { name: "Log in" }).last().click();
  await heading(page, "Log in");
  await page.getByLabel("National ID or e-mail").fill(OFFICIAL);
  await page.getByLabel("Password").fill(CHOSEN);
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, "Staff pages");
}));

test("the used link is refused", () => withPage("used link", PHONE, async (page) => {
  await page.goto(await linkMailedTo(OFFICIAL, { count: 2 }));
  await heading(page, "Accept your invitation");
  await page.getByLabel("New password").fill("another long enough passphrase");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("alert").filter({ hasText: "This code or link is not valid" }).waitFor();
  await accessible(page, "the used link");
}));

test("the first link, replaced by the resent one, is refused", () => withPage("first link", DESKTOP, async (page) => {
  assert.ok(firstLink, "the first link was read");
  await page.goto(firstLink);
  await heading(page, "Accept your invitation");
  await page.getByLabel("New password").fill("another long enough passphrase");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("alert").filter({ hasText: "This code or link is not valid" }).waitFor();
  await accessible(page, "the replaced link");
}));
