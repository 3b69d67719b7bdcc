// Sign-in through the municipality's identity provider (the state's sign-in service): its
// button on the login page, the page the provider's callback lands on, and linking a
// logged-in resident's account from their account page. Our tokens never travel in a URL:
// the callback hands the page a single-use code, which is traded for a session here.

import { api, finishProviderSignIn } from "../api.js";
import { announce, h, show } from "../dom.js";
import { t } from "../i18n.js";
import { readStored, removeStored, writeStored } from "../storage.js";
import { errorBox, href } from "../ui.js";

// Set before leaving for the provider to link an account, so the page the callback lands on
// knows to go back to the account page; then set to say that the link was made.
const LINKING = "kurultai.provider.linking";
const LINKED = "kurultai.provider.linked";

/** A value of the query after `?` in the page's hash (`#/m/x/signed-in?code=…`). */
export function hashParam(name) {
  const query = location.hash.split("?")[1] ?? "";
  return new URLSearchParams(query).get(name);
}

/** The provider's button as the municipality offers it (label in the page's language), or null. */
async function offeredProvider(slug) {
  try {
    const options = await api("GET", `/municipalities/${encodeURIComponent(slug)}/sign-in-options`);
    return options.provider ?? null;
  } catch {
    // Without the options the password form still works: no button rather than no page.
    return null;
  }
}

/**
 * A button that starts the provider's round trip at `path` (a sign-in, or with `auth` a link)
 * and sends the browser to the provider; a refusal is shown in `alertBox`.
 */
function startButton(label, path, auth, alertBox, before = () => {}) {
  const button = h("button", { type: "button", class: "provider-button", onclick: async () => {
    button.disabled = true;
    alertBox.replaceChildren();
    try {
      const started = await api("POST", path, { auth });
      before();
      location.assign(started.authorization_url);
    } catch (error) {
      alertBox.replaceChildren(errorBox(error));
      button.disabled = false;
    }
  } }, label);
  return button;
}

/**
 * A place on a page that `fill` (a promise of content, or of null for none) fills when it
 * arrives. The page shows at once: waiting for the options before showing would leave the
 * page's previous render (the same form, before a language change) up for a round trip, to be
 * replaced with what a person already typed into it.
 */
function filledLater(fill) {
  const place = h("div", {});
  fill.then((content) => {
    if (content) place.replaceChildren(content);
  });
  return place;
}

/** The login page's provider sign-in, where the municipality offers it (empty until known). */
export function providerSignIn(city) {
  return filledLater(signInSection(city));
}

async function signInSection(city) {
  const provider = await offeredProvider(city.slug);
  if (!provider) return null;
  const alertBox = h("div", { tabindex: "-1" });
  const path = `/municipalities/${encodeURIComponent(city.slug)}/oidc/start`;
  return h("section", { class: "provider-sign-in", "aria-labelledby": "provider-title" },
    h("h2", { id: "provider-title" }, t("provider.title")),
    h("p", {}, t("provider.intro")),
    alertBox,
    h("p", { class: "actions" }, startButton(provider.label, path, false, alertBox)),
    h("h2", {}, t("provider.or_password")));
}

/**
 * The account page's "link my state sign-in" where the municipality offers it: a button while
 * the account is not linked, a line saying so once it is (`verified_by` names `provider`).
 */
export function providerLink(city, profile) {
  const linked = readStored("sessionStorage", LINKED);
  removeStored("sessionStorage", LINKED);
  return filledLater(linkSection(city, profile, linked));
}

async function linkSection(city, profile, linked) {
  const provider = await offeredProvider(city.slug);
  if (!provider) return null;
  const section = (...content) => h("section", { "aria-labelledby": "me-provider" },
    h("h2", { id: "me-provider" }, t("provider.link_title")), content);
  if ((profile.verified_by ?? []).includes("provider")) {
    return section(h("p", { class: linked ? "success" : null, role: linked ? "status" : null }, t(linked ? "provider.linked_now" : "provider.linked")));
  }
  const alertBox = h("div", { tabindex: "-1" });
  const path = `/municipalities/${encodeURIComponent(city.slug)}/oidc/link`;
  return section(
    h("p", {}, t("provider.link_intro")),
    alertBox,
    h("p", { class: "actions" }, startButton(t("provider.link"), path, true, alertBox,
      () => writeStored("sessionStorage", LINKING, "1"))));
}

/** `#/m/<slug>/signed-in?code=…`: trades the code for a session and goes on. */
export async function signedInPage({ city, isCurrent }) {
  const linking = readStored("sessionStorage", LINKING);
  removeStored("sessionStorage", LINKING);
  show(h("h1", {}, t("provider.finishing")), h("p", { class: "loading", role: "status" }, t("provider.finishing")));
  try {
    await finishProviderSignIn(city.slug, hashParam("code") ?? "");
  } catch (error) {
    if (!isCurrent()) return;
    show(
      h("h1", {}, t("provider.failed")),
      errorBox(error),
      h("p", {}, h("a", { href: href(city.slug, "login") }, t("provider.again"))));
    return;
  }
  announce(t("login.done"));
  if (linking) writeStored("sessionStorage", LINKED, "1");
  // Replaced, not pushed: the used code stays out of the history.
  location.replace(linking ? href(city.slug, "account") : href(city.slug));
}
