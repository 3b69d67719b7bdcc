// Identity in a real browser: signing in through the municipality's identity provider (a real
// OpenID provider, steered through its control endpoints) and recovering a password by the
// link a real SMTP server received. Started by `tests/api/browser_identity.rs`, whose two
// tests each run one part (KURULTAI_PART) against their own stage.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { accessible, CITY, env, heading, logIn, SLUG, URL, withPage } from "./support.mjs";

const PART = env("KURULTAI_PART");
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "en-GB" };
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "en-GB" };

/** Tells the test provider how to answer next (see tests/oidc/provider.mjs). */
async function control(path, body) {
  const response = await fetch(`${env("KURULTAI_OIDC_ISSUER")}/control/${path}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  assert.equal(response.status, 204, `control/${path}`);
}

async function logOut(page, label = "Log out") {
  const button = page.locator("#account").getByRole("button", { name: label });
  await button.click();
  // Gone once the session is forgotten (the header's "My account" link would be there before).
  await button.waitFor({ state: "detached" });
}

const provider = { skip: PART !== "provider" };

test("on a phone: a first sign-in through the provider registers a verified resident; a forged answer is refused in words", provider, () => withPage("provider-phone", PHONE, async (page) => {
  await control("mode", { mode: "normal" });
  await control("browser", { login: "ayse" });
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await heading(page, "Log in");
  await page.getByRole("heading", { name: "Sign in with the state's sign-in service" }).waitFor();
  await accessible(page, "the login page with provider sign-in");
  const callbacks = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/v1/auth/oidc/callback")) callbacks.push(request.url());
  });
  await page.getByRole("button", { name: "Sign in with e-Devlet" }).click();
  // The provider signs Ayşe in and sends the browser back; the page trades the code.
  await heading(page, CITY);
  await page.locator("#account").getByText("Ayşe Yılmaz").waitFor();
  // The budget counts only residents the provider verified: she may vote.
  await page.locator(".card", { hasText: "Parks" }).getByText("You can vote in this budget.").waitFor();
  assert.ok(!page.url().includes("code="), `the used code left the address: ${page.url()}`);
  await accessible(page, "the city page after a provider sign-in");

  await logOut(page);
  // The provider's answer replayed: its `state` was used, so the sign-in is unknown.
  assert.equal(callbacks.length, 1);
  await page.goto(callbacks[0]);
  await page.waitForURL(/#\/\?error=oidc_state_invalid/);
  await heading(page, "Participatory budgeting");
  await page.getByRole("alert").getByText("This sign-in is unknown, already finished or expired; please start again.").waitFor();
  await accessible(page, "the home page with a replayed sign-in refused");

  await control("mode", { mode: "forged" });
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await page.getByRole("button", { name: "Sign in with e-Devlet" }).click();
  await page.waitForURL(/\/sign-in\?error=oidc_signature_invalid/);
  await heading(page, "Log in");
  await page.getByRole("alert").getByText("The sign-in service's answer is not signed by its keys.").waitFor();
  assert.equal(await page.locator("#account").getByText("Ayşe Yılmaz").count(), 0, "not signed in");
  await accessible(page, "the login page with the provider's refusal");
  await control("mode", { mode: "normal" });
}));

test("on a desktop: the button and a refusal in Turkish, a first sign-in, and a typed-ID account linked", provider, () => withPage("provider-desktop", DESKTOP, async (page) => {
  await control("mode", { mode: "audience" });
  await control("browser", { login: "emre" });
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await heading(page, "Log in");
  await page.getByLabel("Language").selectOption("tr");
  await heading(page, "Giriş yap");
  await page.getByRole("button", { name: "e-Devlet ile giriş" }).click();
  await page.waitForURL(/\/sign-in\?error=oidc_audience_invalid/);
  await page.getByRole("alert").getByText("Giriş hizmetinin yanıtı başka bir hizmet içindi.").waitFor();
  await accessible(page, "the login page with a refusal, in Turkish");

  await control("mode", { mode: "normal" });
  await page.getByRole("button", { name: "e-Devlet ile giriş" }).click();
  await heading(page, `${SLUG} Belediyesi`);
  await page.locator("#account").getByText("Emre Kaya").waitFor();
  await page.locator(".card", { hasText: "Parks" }).getByText("Bu bütçede oy verebilirsiniz.").waitFor();
  await logOut(page, "Çıkış yap");
  await page.getByLabel("Dil").selectOption("en");

  // A resident who typed their ID waits for review; linking the provider verifies them.
  // Another person at the provider: its session cookie from Emre's sign-in goes.
  await page.context().clearCookies();
  await control("browser", { login: "typist" });
  await logIn(page, env("KURULTAI_TYPED_EMAIL"), env("KURULTAI_PASSWORD"));
  await heading(page, CITY);
  await page.locator(".card", { hasText: "Parks" }).getByText("You cannot vote yet: your registration is awaiting review.").waitFor();
  await page.locator("#account").getByRole("link", { name: "My account" }).click();
  await heading(page, "Your account");
  await page.getByRole("heading", { name: "State sign-in" }).waitFor();
  await accessible(page, "the account page offering the link");
  await page.getByRole("button", { name: "Link my state sign-in" }).click();
  await heading(page, "Your account");
  await page.getByRole("status").getByText("Done: your account is now linked to the state's sign-in service.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Link my state sign-in" }).count(), 0);
  await accessible(page, "the account page once linked");
  await page.getByRole("link", { name: CITY }).click();
  await page.locator(".card", { hasText: "Parks" }).getByText("You can vote in this budget.").waitFor();
}));

/** The recovery link in a message the SMTP server received whose link matches `pattern`. */
async function mailedLink(pattern) {
  const dir = env("KURULTAI_MAIL_DIR");
  for (let i = 0; i < 300; i += 1) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".txt"))) {
      const link = readFileSync(join(dir, name), "utf8").match(/https?:\/\/\S+reset-password\?token=[\w-]+/g)?.find((l) => pattern.test(l));
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no recovery mail with a link like ${pattern} arrived`);
}

/** Asks for a link on the "Forgot your password?" page and reads what it says after. */
async function ask(page, email) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await heading(page, "Check your e-mail");
  return page.getByRole("status").filter({ hasText: "If this address belongs" }).innerText();
}

/** Opens a recovery link and sets `password` with it. */
async function setPassword(page, link, password) {
  await page.goto(link);
  await heading(page, "Set a new password");
  await page.getByLabel("New password").fill(password);
  await page.getByRole("button", { name: "Set the password" }).click();
}

const recovery = { skip: PART !== "recovery" };
const NEW_PASSWORD = "a new passphrase for the river town";

test("on a phone: a resident asks for a link, sets a new password with it and logs in; the link works once", recovery, () => withPage("recovery-phone", PHONE, async (page) => {
  await page.goto(`${URL}/#/m/${SLUG}/login`);
  await heading(page, "Log in");
  await page.getByRole("link", { name: "Forgot your password?", exact: true }).click();
  await heading(page, "Recover your password");
  await accessible(page, "the recovery request");
  // An address nobody registered gets the very same answer.
  const unknown = await ask(page, `nobody@${SLUG}.example`);
  await accessible(page, "the recovery request sent");
  await page.getByRole("link", { name: "Back to the login page" }).click();
  await heading(page, "Log in");
  await page.getByRole("link", { name: "Forgot your password?", exact: true }).click();
  await heading(page, "Recover your password");
  assert.equal(await ask(page, env("KURULTAI_RESIDENT_EMAIL")), unknown);

  const link = await mailedLink(new RegExp(`/#/m/${SLUG}/reset-password`));
  await setPassword(page, link, "short");
  await page.locator("main").getByText("The password is too short: use at least 12 characters.").waitFor();
  assert.equal(await page.getByLabel("New password").getAttribute("aria-invalid"), "true");
  await accessible(page, "the new password refused by the policy");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the password" }).click();
  await heading(page, "Log in");
  await page.getByRole("status").getByText("Your new password is set").waitFor();
  await accessible(page, "the login page after the reset");
  await page.getByLabel("National ID or e-mail").fill(env("KURULTAI_RESIDENT_EMAIL"));
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, CITY);
  await page.locator("#account").getByText("Resident 51").waitFor();

  await setPassword(page, link, "yet another passphrase for the town");
  await page.getByRole("alert").getByText("This code or link is not valid").waitFor();
  await accessible(page, "a used recovery link");
}));

test("on a desktop: the platform admin recovers a password from the platform login", recovery, () => withPage("recovery-desktop", DESKTOP, async (page) => {
  await page.goto(`${URL}/#/platform`);
  await heading(page, "Platform admin login");
  await page.getByRole("link", { name: "Forgot your password?", exact: true }).click();
  await heading(page, "Recover your password");
  await ask(page, env("KURULTAI_PLATFORM_EMAIL"));
  const link = await mailedLink(/\/#\/reset-password/);
  await setPassword(page, link, NEW_PASSWORD);
  await heading(page, "Platform admin login");
  await page.getByRole("status").getByText("Your new password is set").waitFor();
  await page.getByLabel("E-mail").fill(env("KURULTAI_PLATFORM_EMAIL"));
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await heading(page, "Platform administration");
  await accessible(page, "the platform page after a reset");
}));
