// Verification in a real browser: an admin chooses the city's verification methods and
// configures its identity provider (a real OpenID provider, so the server's discovery check
// runs); the client secret never reaches the page again. axe-core checks every page, on a
// phone and on a desktop. Started by `tests/api/browser_verification.rs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { URL, SLUG, accessible, env, heading, logIn, withPage } from "./support.mjs";

const PASSWORD = env("KURULTAI_PASSWORD");
const SECRET = env("KURULTAI_CLIENT_SECRET");
const PHONE = { viewport: { width: 390, height: 844 }, locale: "en-GB", isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };

test("an admin sets the verification methods and the identity provider", () => withPage("identity", PHONE, async (page) => {
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

test("the identity page on a desktop", () => withPage("identity-desktop", DESKTOP, async (page) => {
  await logIn(page, env("KURULTAI_ADMIN"), PASSWORD);
  await heading(page, "Staff pages");
  await page.goto(`${URL}/#/m/${SLUG}/staff/identity`);
  await heading(page, "Identity and verification");
  await page.getByText("A client secret is set.").waitFor();
  assert.ok(!(await page.content()).includes(SECRET));
  await accessible(page, "the identity page on a desktop");
}));
