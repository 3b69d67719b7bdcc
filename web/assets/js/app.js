// The client's entry point: the hash router, the header (language, account, navigation) and
// the municipality every page under `#/m/{slug}` works in.

import { api, account, logout, onSessionChange, signedInAt } from "./api.js";
import { h, show } from "./dom.js";
import { firstLanguage } from "./early.js";
import { UI_LANGUAGES, language, pick, rememberedLanguage, setLanguage, t, uiLanguageOf } from "./i18n.js";
import { errorBox, href, isStaff } from "./ui.js";

// Each page's module is fetched when first needed, so a resident's phone never loads the
// staff pages and the first page waits for few files. Every page that waits for anything checks
// `context.isCurrent()` before it shows itself: an earlier, slower render (say, of the page the
// person just left) must never replace the page they have since asked for.
const page = (module, name) => async (context) => {
  const render = (await import(module))[name];
  if (context.isCurrent()) await render(context);
};
const staff = (module, name) => staffOnly(page(module, name));

const ROUTES = [
  [/^\/?$/, page("./views/home.js", "homePage")],
  [/^\/platform$/, page("./views/platform.js", "platformPage")],
  [/^\/m\/([^/]+)\/?$/, page("./views/city.js", "cityPage")],
  [/^\/m\/([^/]+)\/budgets\/([^/]+)$/, page("./views/proposals.js", "proposalsPage")],
  [/^\/m\/([^/]+)\/proposals\/([^/]+)$/, page("./views/proposals.js", "proposalPage")],
  [/^\/m\/([^/]+)\/budgets\/([^/]+)\/propose$/, page("./views/proposal_form.js", "proposePage")],
  [/^\/m\/([^/]+)\/proposals\/([^/]+)\/edit$/, page("./views/proposal_form.js", "editProposalPage")],
  [/^\/m\/([^/]+)\/mine$/, page("./views/proposal_form.js", "myProposalsPage")],
  [/^\/m\/([^/]+)\/register$/, page("./views/account.js", "registerPage")],
  [/^\/m\/([^/]+)\/login$/, page("./views/account.js", "loginPage")],
  [/^\/m\/([^/]+)\/account$/, page("./views/me.js", "accountPage")],
  [/^\/m\/([^/]+)\/vote\/([^/]+)$/, page("./views/ballot.js", "ballotPage")],
  [/^\/m\/([^/]+)\/receipt$/, page("./views/receipt.js", "receiptPage")],
  [/^\/m\/([^/]+)\/results\/([^/]+)$/, page("./views/results.js", "resultsPage")],
  [/^\/m\/([^/]+)\/staff$/, staff("./views/staff/cycles.js", "staffHome")],
  [/^\/m\/([^/]+)\/staff\/cycles\/([^/]+)$/, staff("./views/staff/cycles.js", "staffCyclePage")],
  [/^\/m\/([^/]+)\/staff\/cycles\/([^/]+)\/proposals$/, staff("./views/staff/proposal_list.js", "proposalListPage")],
  [/^\/m\/([^/]+)\/staff\/review\/([^/]+)$/, staff("./views/staff/review.js", "reviewPage")],
  [/^\/m\/([^/]+)\/staff\/paper\/([^/]+)$/, staff("./views/staff/paper.js", "paperPage")],
  [/^\/m\/([^/]+)\/staff\/residents$/, staff("./views/staff/residents.js", "residentsPage")],
  [/^\/m\/([^/]+)\/staff\/settings$/, staff("./views/staff/admin.js", "settingsPage")],
  [/^\/m\/([^/]+)\/staff\/categories$/, staff("./views/staff/categories.js", "categoriesPage")],
  [/^\/m\/([^/]+)\/staff\/districts$/, staff("./views/staff/admin.js", "districtsPage")],
  [/^\/m\/([^/]+)\/staff\/accounts$/, staff("./views/staff/admin.js", "accountsPage")],
  [/^\/m\/([^/]+)\/staff\/voter-roll$/, staff("./views/staff/voter_roll.js", "voterRollPage")],
  [/^\/m\/([^/]+)\/staff\/audit$/, staff("./views/staff/audit.js", "auditPage")],
  [/^\/m\/([^/]+)\/staff\/cycles\/([^/]+)\/verify$/, staff("./views/staff/verify.js", "verifyPage")],
  [/^\/m\/([^/]+)\/sign-in$/, page("./views/account.js", "loginPage")],
  [/^\/m\/([^/]+)\/signed-in$/, page("./views/provider.js", "signedInPage")],
  [/^\/m\/([^/]+)\/forgot-password$/, page("./views/recovery.js", "forgotPage")],
  [/^\/m\/([^/]+)\/reset-password$/, page("./views/recovery.js", "resetPage")],
  [/^\/forgot-password$/, page("./views/recovery.js", "forgotPage")],
  [/^\/reset-password$/, page("./views/recovery.js", "resetPage")],
  [/^\/m\/([^/]+)\/staff\/identity$/, staff("./views/staff/identity.js", "identityPage")],
  [/^\/m\/([^/]+)\/counter-reset$/, page("./views/counter_reset.js", "counterResetPage")],
  [/^\/m\/([^/]+)\/staff\/account$/, staff("./views/staff/own_account.js", "ownAccountPage")],
  [/^\/m\/([^/]+)\/invitation$/, page("./views/invitation.js", "invitationPage")],
];

/** Staff pages ask for a staff login first. */
function staffOnly(render) {
  return async (context) => {
    if (!signedInAt(context.city.slug) || !isStaff(account())) {
      location.hash = href(context.city.slug, "login");
      return;
    }
    await render(context);
  };
}

const municipalities = new Map();

/** The municipality's public settings (cached for the session). */
export async function municipality(slug) {
  if (!municipalities.has(slug)) {
    municipalities.set(slug, api("GET", `/municipalities/${encodeURIComponent(slug)}`).catch((e) => {
      municipalities.delete(slug);
      throw e;
    }));
  }
  return municipalities.get(slug);
}

/** Forgets a municipality's cached settings (an admin just changed them). */
export function forgetMunicipality(slug) {
  municipalities.delete(slug);
}

function currentPath() {
  const hash = decodeURI(location.hash.replace(/^#/, ""));
  return hash.split("?")[0];
}

function navigation(slug) {
  const nav = document.getElementById("nav");
  if (!slug) {
    nav.replaceChildren();
    return;
  }
  const here = location.hash;
  const link = (target, text) => h("li", {}, h("a", { href: target, "aria-current": here === target ? "page" : null }, text));
  nav.replaceChildren(h("ul", {},
    link(href(slug), t("nav.cycle")),
    link(href(slug, "receipt"), t("nav.receipt")),
    signedInAt(slug) && !isStaff(account()) ? link(href(slug, "mine"), t("propose.mine")) : null,
    signedInAt(slug) && isStaff(account()) ? link(href(slug, "staff"), t("nav.staff")) : null));
}

function accountArea(slug) {
  const area = document.getElementById("account");
  const who = account();
  if (who && slug && signedInAt(slug)) {
    // replaceChildren writes a null as the text "null": staff have no account link, so none.
    area.replaceChildren(...[
      h("span", { class: "who" }, who.display_name, " "),
      isStaff(who) ? null : h("a", { href: href(slug, "account") }, t("account.mine")), isStaff(who) ? null : " ",
      h("button", { type: "button", onclick: async () => { await logout(); location.hash = href(slug); } }, t("account.logout")),
    ].filter((child) => child !== null));
  } else if (slug) {
    area.replaceChildren(h("a", { href: href(slug, "login") }, t("account.login")));
  } else {
    area.replaceChildren();
  }
}

function languagePicker() {
  const select = document.getElementById("lang-select");
  document.getElementById("lang-label").textContent = t("app.language");
  select.replaceChildren(...UI_LANGUAGES.map((code) =>
    h("option", { value: code, selected: code === language(), lang: code }, t(`language.${code}`))));
}

let rendering = 0;

async function route() {
  const ticket = ++rendering;
  const path = currentPath();
  const slug = path.match(/^\/m\/([^/]+)/)?.[1];
  let city = null;
  try {
    if (slug) city = await municipality(decodeURIComponent(slug));
    if (!rememberedLanguage() && city) await setLanguage(uiLanguageOf(city.default_language) ?? language());
  } catch (e) {
    // An unknown municipality is shown by the page below.
  }
  if (ticket !== rendering) return;
  document.getElementById("brand").textContent = city ? pick(city.names, city.default_language) : t("app.name");
  document.getElementById("brand").setAttribute("href", city ? href(city.slug) : "#/");
  document.querySelector(".skip").textContent = t("app.skip");
  languagePicker();
  navigation(city?.slug);
  accountArea(city?.slug);
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (!match) continue;
    const params = match.slice(1).map(decodeURIComponent);
    try {
      if (slug && !city) throw Object.assign(new Error("not found"), { code: "not_found", status: 404 });
      await page({ city, params, isCurrent: () => ticket === rendering });
    } catch (e) {
      if (ticket === rendering) show(h("h1", {}, t("error.title")), errorBox(e), h("p", {}, h("a", { href: "#/" }, t("nav.home"))));
    }
    return;
  }
  show(h("h1", {}, t("error.title")), h("p", {}, t("error.not_found")), h("p", {}, h("a", { href: "#/" }, t("nav.home"))));
}

// The first page's data and text are already on their way: see early.js.
async function start() {
  await setLanguage(await firstLanguage);
  document.getElementById("lang-select").addEventListener("change", async (event) => {
    await setLanguage(event.target.value, true);
    await route();
  });
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main").focus();
  });
  onSessionChange(() => {
    const slug = currentPath().match(/^\/m\/([^/]+)/)?.[1];
    accountArea(slug && decodeURIComponent(slug));
    navigation(slug && decodeURIComponent(slug));
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
