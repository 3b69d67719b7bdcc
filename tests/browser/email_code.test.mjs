// The e-mail code in a real browser: a resident of a city offering `email_code` asks for a
// code on their account page, reads it from the mail the real SMTP server received (aiosmtpd,
// started by the Rust side), enters it, sees themselves verified and votes in a budget that
// counts only e-mail codes. A wrong code is refused in the page's language first. axe-core
// checks the page, on a phone and on a desktop. Started by `tests/api/browser_email_code.rs`.

import { test } from "node:test";
import { URL, SLUG, CITY, accessible, env, heading, logIn, withPage } from "./support.mjs";
import { codeMailedTo } from "./mail.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");
const BUDGET = env("KURULTAI_BUDGET_NAME");
const PHONE = { viewport: { width: 390, height: 844 }, locale: "en-GB", isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };

async function verifyByMailAndVote(page, email) {
  await logIn(page, email, PASSWORD);
  await page.getByRole("link", { name: "My account" }).click();
  await heading(page, "Your account");
  await page.getByRole("heading", { name: "Verify by e-mail" }).waitFor();
  await page.locator("main").getByText("You are verified by: Self-declared (open registration).").waitFor();
  await accessible(page, "the account page with the e-mail code");

  // A code never sent: refused, translated by its code.
  await page.getByLabel("E-mail code").fill("00000-00000");
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await page.getByRole("alert").filter({ hasText: "This code or link is not valid: it may be mistyped, already used or expired." }).waitFor();

  await page.getByRole("button", { name: "Send me a code" }).click();
  await page.getByRole("status").filter({ hasText: `A code is on its way to ${email}.` }).waitFor();
  const code = await codeMailedTo(email);
  await page.getByLabel("E-mail code").fill(code.toLowerCase());
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await page.getByRole("status").filter({ hasText: "You are verified by: Self-declared (open registration), Code sent by e-mail." }).waitFor();
  await page.getByRole("heading", { name: "Verify by e-mail" }).waitFor({ state: "detached" });
  await accessible(page, "the account page, verified by e-mail");

  // The budget counts only e-mail codes: now the ballot is theirs to cast.
  await page.goto(`${URL}/#/m/${SLUG}`);
  await heading(page, CITY);
  await page.locator(".card", { hasText: BUDGET }).getByRole("link", { name: "Vote" }).click();
  await heading(page, BUDGET);
  await page.getByLabel(/P1/).check();
  await page.getByRole("button", { name: "Cast my ballot" }).click();
  await heading(page, "Your vote is recorded");
}

test("on a phone: ask for a code, read it in the mail, enter it, vote", () => withPage("email-code-phone", PHONE, (page) => verifyByMailAndVote(page, env("KURULTAI_PHONE_EMAIL"))));

test("on a desktop: ask for a code, read it in the mail, enter it, vote", () => withPage("email-code-desktop", DESKTOP, (page) => verifyByMailAndVote(page, env("KURULTAI_DESKTOP_EMAIL"))));
