// The public API under /api/v1: JSON in and out, problem+json errors, bearer tokens.
//
// The access token lives in memory only. The refresh token is kept in sessionStorage (this
// tab, until it is closed) so that a reload does not log the person out, while a shared phone
// forgets the session when the browser tab goes.

import { BASE, takeEarly } from "./early.js";
import { language } from "./i18n.js";
import { readStoredJson, removeStored, writeStored } from "./storage.js";

const SESSION_KEY = "kurultai.session";

/** An API error: the problem+json body's `code`, `detail` and field `errors`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || (status === 0 ? "network" : "unexpected");
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

let access = null;
let stored = readStoredJson("sessionStorage", SESSION_KEY);
const listeners = new Set();


function keep(tokens, municipality) {
  access = tokens.access_token;
  stored = { refresh: tokens.refresh_token, account: tokens.account, municipality };
  writeStored("sessionStorage", SESSION_KEY, JSON.stringify(stored));
  listeners.forEach((f) => f());
}

function forget() {
  access = null;
  stored = null;
  removeStored("sessionStorage", SESSION_KEY);
  listeners.forEach((f) => f());
}

/** The signed-in account (`{id, role, display_name, municipality}`) or null. */
export function account() {
  return stored?.account ?? null;
}

/** The signed-in account's name changed (the account page): the header shows the new one. */
export function renameAccount(displayName) {
  if (!stored?.account) return;
  stored = { ...stored, account: { ...stored.account, display_name: displayName } };
  writeStored("sessionStorage", SESSION_KEY, JSON.stringify(stored));
  listeners.forEach((f) => f());
}

/** Calls `f` whenever someone logs in or out. */
export function onSessionChange(f) {
  listeners.add(f);
}

async function send(method, path, { body, token, headers = {} } = {}) {
  // The caller's language goes in Accept-Language: not every endpoint takes `?lang=`.
  const init = { method, headers: { Accept: "application/json", "Accept-Language": language(), ...headers } };
  if (body instanceof Blob) {
    // A file (the voter roll) goes as it is, with its own type.
    init.headers["Content-Type"] = body.type;
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(`${BASE}${path}`, init);
  } catch {
    throw new ApiError(0, null);
  }
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  if (response.status === 204) return null;
  if (!type.includes("json")) {
    if (response.ok) return response;
    throw new ApiError(response.status, null);
  }
  const data = await response.json();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let refreshing = null;

/** Trades the refresh token for a new pair (once at a time; the token rotates on every use). */
async function refresh() {
  if (!stored?.refresh) return false;
  refreshing ??= (async () => {
    const response = await send("POST", "/auth/refresh", { body: { refresh_token: stored.refresh } });
    if (!response.ok) {
      forget();
      return false;
    }
    keep(await response.json(), stored.municipality);
    return true;
  })().finally(() => { refreshing = null; });
  return refreshing;
}

/**
 * `api("GET", "/municipalities")`. With `auth: true` the access token is sent, refreshed
 * once if it expired. Resolves with the JSON body; rejects with an ApiError.
 */
export async function api(method, path, { body, auth = false, headers } = {}) {
  const early = method === "GET" && !auth ? await takeEarly(`${BASE}${path}`) : null;
  if (early) return early;
  if (auth && !access && stored?.refresh) await refresh();
  let response = await send(method, path, { body, headers, token: auth ? access : null });
  if (auth && response.status === 401 && (await refresh())) {
    response = await send(method, path, { body, headers, token: access });
  }
  return parse(response);
}

export async function login(municipality, loginName, password) {
  const tokens = await api("POST", "/auth/login", { body: { municipality, login: loginName, password } });
  keep(tokens, municipality);
  return tokens.account;
}

/** Trades the provider callback's single-use code for a session, as `login` does. */
export async function finishProviderSignIn(municipality, code) {
  const tokens = await api("POST", "/auth/oidc/finish", { body: { code } });
  keep(tokens, municipality);
  return tokens.account;
}

export async function logout() {
  if (access || stored?.refresh) {
    try {
      await api("POST", "/auth/logout", { auth: true });
    } catch {
      // Logging out locally is what matters; the server's session expires anyway.
    }
  }
  forget();
}

/** True when the signed-in account belongs to `slug`. */
export function signedInAt(slug) {
  return Boolean(stored?.account) && stored.municipality === slug;
}
