// Verification in a real browser: an admin chooses the city's verification methods and
// configures its identity provider (a real OpenID provider, so the server's discovery check
// runs); the client secret never reaches the page again. An official issues a letter code
// and a counter reset code; the resident enters the first and resets the password with the
// second. An admin removes the provider, and the login page offers it no more. axe-core
// checks every page, on a phone and on a desktop. Started by
// `tests/api/browser_verification.rs`, once per stage: each stage sets the variables of its
// tests, and the others are skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { URL, SLUG, accessible, env, heading, logIn, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");
const SECRET = process.env.KURULTAI_CLIENT_SECRET;
const PROVIDER_STAGE = { skip: !SECRET };
const CODES_STAGE = { skip: !process.env.KURULTAI_NATIONAL_ID };
const STAFF_STAGE = { skip: !process.env.KURULTAI_STAFF_NEW_PASSWORD };
const REMOVE_STAGE = { skip: !process.env.KURULTAI_REMOVE_PROVIDER };
const PHONE = { viewport: { width: 390, height: 844 }, locale: "en-GB", isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };

test("an admin sets the verification methods and the identity provider", PROVIDER_STAGE, () => withPage("identity", PHONE, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Identity and verification" }).click();
  await heading(page, "Identity and verification");
  await page.getByText("No identity provider is configured").waitFor();
  await accessible(page, "the identity page, no provider");

  // Each method says what it proves.
  await page.getByText("Proves the person controls the state sign-in account").waitFor();
  await page.getByLabel("Self-declared (open registration)").uncheck();
  await page.getByLabel("On the voter roll").uncheck();
  await page.getByLabel("State sign-in").check();
  await page.getByLabel("Printed letter code").check();
  await page.getByRole("button", { name: "Save the methods" }).click();
  await page.getByRole("status").filter({ hasText: "The verification methods were saved." }).waitFor();

  // No method at all is refused, with the reason in the page's language.
  for (const box of await page.locator("input[name=verification_methods]").all()) await box.uncheck();
  await page.getByRole("button", { name: "Save the methods" }).click();
  await page.getByRole("alert").filter({ hasText: "Offer at least one verification method." }).waitFor();
  await page.reload();
  await heading(page, "Identity and verification");
  assert.equal(await page.getByLabel("State sign-in").isChecked(), true, "the saved methods stay");
  assert.equal(await page.getByLabel("On the voter roll").isChecked(), false);

  // The provider: discovery runs against the real provider when saving.
  await page.getByLabel("Issuer URL").fill(env("KURULTAI_ISSUER"));
  await page.getByLabel("Client ID").fill(env("KURULTAI_CLIENT_ID"));
  await page.getByLabel("Client secret").fill(SECRET);
  await page.getByLabel("Claim carrying the national ID").fill("national_id");
  await page.getByLabel("Claim carrying the birth date").fill("birthdate");
  await page.getByLabel("Scopes").fill("profile");
  for (const label of await page.locator("input[name^='names.']").all()) await label.fill("e-Devlet ile giriş");
  await page.getByRole("button", { name: "Save the identity provider" }).click();
  await page.getByText("A client secret is set.").waitFor();
  await page.getByText("Register this redirect URI with the provider:").waitFor();
  assert.match(await page.locator("code.redirect-uri").innerText(), /\/api\/v1\/auth\/oidc\/callback$/);
  assert.equal(await page.getByLabel("Client secret").inputValue(), "", "the secret field is empty");
  assert.ok(!(await page.content()).includes(SECRET), "the secret is nowhere in the page");
  await accessible(page, "the identity page, with a provider");

  // Saved again without typing the secret, the stored one stays.
  await page.getByLabel("Client ID").fill(env("KURULTAI_CLIENT_ID"));
  await page.getByRole("button", { name: "Save the identity provider" }).click();
  await page.locator("#main:not([aria-busy])").waitFor();
  await page.getByText("A client secret is set.").waitFor();

  // An issuer that is not a provider is refused by its code, translated.
  await page.getByLabel("Issuer URL").fill(`${URL}/nothing-here`);
  await page.getByRole("button", { name: "Save the identity provider" }).click();
  await page.getByText("The provider's discovery document could not be fetched or is not valid: check the issuer URL.").waitFor();
  assert.equal(await page.getByLabel("Issuer URL").getAttribute("aria-invalid"), "true");
  assert.ok(!(await page.content()).includes(SECRET));
}));

test("the identity page on a desktop", PROVIDER_STAGE, () => withPage("identity-desktop", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.goto(`${URL}/#/m/${SLUG}/staff/identity`);
  await heading(page, "Identity and verification");
  await page.getByText("A client secret is set.").waitFor();
  assert.ok(!(await page.content()).includes(SECRET));
  await accessible(page, "the identity page on a desktop");
}));

/**
 * The city's login page for a stranger, once it has asked which sign-ins the city offers (the
 * provider's section is filled in when the answer arrives): the provider's button, or null.
 */
async function providerButtonOnLogin(page) {
  const asked = page.waitForResponse((r) => r.url().endsWith(`/municipalities/${SLUG}/sign-in-options`));
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await heading(page, "Log in");
  const answer = await (await asked).json();
  await page.locator("#main:not([aria-busy])").waitFor();
  const button = page.getByRole("button", { name: "e-Devlet ile giriş" });
  if (answer.provider) await button.waitFor();
  return (await button.count()) ? button : null;
}

test("before the removal, the login page offers the provider", REMOVE_STAGE, () => withPage("provider-offered", PHONE, async (page) => {
  assert.ok(await providerButtonOnLogin(page), "the provider's button");
  await page.getByRole("heading", { name: "Sign in with the state's sign-in service" }).waitFor();
}));

test("an admin removes the identity provider", REMOVE_STAGE, () => withPage("remove-provider", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.getByRole("link", { name: "Identity and verification" }).click();
  await heading(page, "Identity and verification");
  await page.getByText("A client secret is set.").waitFor();
  // The page asks first; going back keeps the provider.
  await page.getByRole("button", { name: "Remove the identity provider" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove the identity provider? Residents will no longer be able to sign in with it." });
  await dialog.waitFor();
  await accessible(page, "the removal asked");
  await dialog.getByRole("button", { name: "Go back" }).click();
  await page.getByText("A client secret is set.").waitFor();
  await page.getByRole("button", { name: "Remove the identity provider" }).click();
  await dialog.getByRole("button", { name: "Remove the identity provider" }).click();
  await page.getByText("No identity provider is configured").waitFor();
  await page.locator("#announce").filter({ hasText: "The identity provider was removed." }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Remove the identity provider" }).count(), 0);
  assert.equal(await page.getByText("A client secret is set.").count(), 0);
  assert.equal(await page.getByLabel("Issuer URL").inputValue(), "", "the form starts empty again");
  await accessible(page, "the identity page, provider removed");
}));

test("after the removal, the login page offers no provider", REMOVE_STAGE, () => withPage("provider-gone", PHONE, async (page) => {
  assert.equal(await providerButtonOnLogin(page), null, "no provider's button");
  assert.equal(await page.getByRole("heading", { name: "Sign in with the state's sign-in service" }).count(), 0);
  await accessible(page, "the login page without a provider");
}));

/** The code on the slip the official's page shows (the `strong.code` in it). */
async function issue(page, button) {
  await page.getByRole("button", { name: button }).click();
  const slip = page.locator(".slip");
  await slip.waitFor();
  return (await slip.locator(".code").innerText()).trim();
}

async function findResident(page, name) {
  await page.goto(`${URL}/#/m/${SLUG}/staff/residents`);
  await heading(page, "Registrations to check");
  await page.getByLabel("Search by name").fill(name);
  await page.getByLabel("Status").selectOption("");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByRole("heading", { level: 2, name }).waitFor();
}

test("an official issues a letter code the resident enters, then a counter reset code", CODES_STAGE, async () => {
  const nationalId = env("KURULTAI_NATIONAL_ID");
  const newPassword = env("KURULTAI_NEW_PASSWORD");
  let letter;
  await withPage("letter-official", PHONE, async (page) => {
    await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
    await heading(page, "Staff pages");
    await findResident(page, "Ayşe Kaya");
    await page.getByText("Self-declared (open registration)").waitFor();
    letter = await issue(page, "Issue a letter code for Ayşe Kaya");
    assert.match(letter, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const slip = await page.locator(".slip").innerText();
    for (const part of ["Letter code", "Ayşe Kaya", `City of ${SLUG}`, "Valid until", "shown only once"]) assert.ok(slip.includes(part), `the slip says ${part}`);
    await accessible(page, "the residents page with a letter slip");
    // On paper the slip stands alone: nothing else of the page (other residents) is printed.
    await page.evaluate(() => { window.print = () => {}; });
    await page.locator(".slip").getByRole("button", { name: "Print" }).click();
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.getByRole("heading", { name: "Registrations to check" }).isVisible(), false, "the page's heading is not printed");
    assert.equal(await page.getByLabel("Search by name").isVisible(), false, "the filters are not printed");
    assert.ok(await page.locator(".slip strong.code").isVisible(), "the code is printed");
    assert.equal(await page.locator(".slip").getByRole("button", { name: "Print" }).isVisible(), false, "the slip's button is not printed");
    await page.emulateMedia({ media: "screen" });
  });

  await withPage("letter-resident", PHONE, async (page) => {
    await logIn(page, nationalId, PASSWORD);
    await page.getByRole("link", { name: "My account" }).click();
    await heading(page, "Your account");
    await page.getByText("You are verified by: Self-declared (open registration).").waitFor();
    await accessible(page, "the account page with the letter code form");
    // A wrong code first: refused by its code, translated.
    await page.getByLabel("Letter code").fill("AAAAA-AAAAA");
    await page.getByRole("button", { name: "Enter the code" }).click();
    await page.getByRole("alert").first().waitFor();
    await page.getByLabel("Letter code").fill(letter.toLowerCase());
    await page.getByRole("button", { name: "Enter the code" }).click();
    await page.getByRole("region", { name: "Verification" }).getByText("You are verified by: Self-declared (open registration), Printed letter code.").waitFor();
    assert.equal(await page.getByLabel("Letter code").count(), 0, "the form is gone");
  });

  let reset;
  await withPage("reset-official", DESKTOP, async (page) => {
    await logIn(page, env("KURULTAI_OFFICIAL"), PASSWORD);
    await heading(page, "Staff pages");
    await findResident(page, "Ayşe Kaya");
    await page.getByText("Self-declared (open registration), Printed letter code").waitFor();
    reset = await issue(page, "Issue a password reset code for Ayşe Kaya");
    assert.ok((await page.locator(".slip").innerText()).includes("Password reset code"));
    await accessible(page, "the residents page with a reset slip");
  });

  for (const [name, options] of [["counter-phone", PHONE], ["counter-desktop", DESKTOP]]) {
    await withPage(name, options, async (page) => {
      await page.goto(`${URL}/#/m/${SLUG}/login`);
      await heading(page, "Log in");
      await page.getByRole("link", { name: "Forgot your password? Use a code from the office" }).click();
      await heading(page, "Set a new password with a code from the office");
      await accessible(page, `the counter reset page (${name})`);
      if (options !== DESKTOP) return;
      await page.getByLabel("National ID number").fill(nationalId);
      await page.getByLabel("Code").fill(reset);
      await page.getByLabel("New password").fill(newPassword);
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.getByRole("status").filter({ hasText: "Your password is set." }).waitFor();
      await logIn(page, nationalId, newPassword);
      await page.getByRole("link", { name: "My account" }).waitFor();
    });
  }
});

test("an official changes their own password", STAFF_STAGE, async () => {
  const official = env("KURULTAI_OFFICIAL");
  const newPassword = env("KURULTAI_STAFF_NEW_PASSWORD");
  await withPage("staff-password", PHONE, async (page) => {
    await logIn(page, official, PASSWORD);
    await heading(page, "Staff pages");
    await page.getByRole("link", { name: "My account" }).click();
    await heading(page, "My account");
    await page.getByText("Signed in as").waitFor();
    await accessible(page, "the staff account page");
    // The current password is required, and checked.
    await page.getByLabel("Current password").fill("not-the-password-at-all");
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change the password" }).click();
    await page.locator("input[name=current_password][aria-invalid=true], [role=alert]").first().waitFor();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change the password" }).click();
    await page.locator("main").getByText("Your password is changed.").waitFor();
  });
  await withPage("staff-password-desktop", DESKTOP, async (page) => {
    await logIn(page, official, newPassword);
    await heading(page, "Staff pages");
    await page.goto(`${URL}/#/m/${SLUG}/staff/account`);
    await heading(page, "My account");
    await accessible(page, "the staff account page on a desktop");
  });
});
