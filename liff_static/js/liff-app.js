// Start-up shared by every LIFF page: the deployment's config, LIFF itself, and API calls that carry
// the LIFF ID token (the server trusts nothing else about who the customer is).
import { TEXTS } from "./texts.js";
import { problemText, showPageProblem, showStatus } from "./status.js";

// Each page is the endpoint of one LIFF app; `daifuku setup` writes their ids into liff-apps.json.
const PAGE_LIFF_APPS = { "card.html": "card", "register.html": "registration", "profile.html": "card", "staff.html": "staff" };

export async function loadSiteConfig() {
  const [response, apps] = await Promise.all([
    fetch("config.json", { cache: "no-store" }),
    fetch("liff-apps.json", { cache: "no-cache" }).catch(() => null),
  ]);
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  const config = await response.json();
  config.liffApps = apps && apps.ok ? await apps.json().catch(() => ({})) : {};
  return config;
}

/** The LIFF app id of this page: its own app's, or the deployment's single `liffId`. */
export function pageLiffId(config) {
  const page = window.location.pathname.split("/").pop() || "index.html";
  return (config.liffApps || {})[PAGE_LIFF_APPS[page]] || config.liffId;
}

// liff.init that has not answered by then will not: the page says so rather than load forever.
const LIFF_INIT_TIMEOUT_MS = 10000;
// Opens the LINE app where the shop's account is unknown (no botBasicId in the site's config).
const LINE_APP_URL = "https://line.me/R/";

/** The shop's LINE account (its bot's basic id, e.g. @daifuku), or the LINE app when unknown. */
export function lineAccountUrl(config) {
  const basicId = config?.botBasicId || config?.liffApps?.botBasicId;
  return basicId ? `https://line.me/R/ti/p/${encodeURIComponent(basicId).replace("%40", "@")}` : LINE_APP_URL;
}

/** The page was opened outside LINE, or LIFF gave no user: say so, and show the way to the shop. */
export function showOutsideLine(config) {
  showPageProblem(TEXTS.openInLine, { lineAccountUrl: lineAccountUrl(config), lineAccountText: TEXTS.openLineAccount });
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("LIFF timed out")), ms))]);
}

/**
 * Start LIFF and return the customer's LINE profile, or null with the reason on screen: outside
 * LINE (or without a user) the page says so and links to the shop's LINE account.
 */
export async function startLiff(config) {
  try {
    await withTimeout(window.liff.init({ liffId: pageLiffId(config) }), LIFF_INIT_TIMEOUT_MS);
  } catch (error) {
    console.error(error);
    showOutsideLine(config);
    return null;
  }
  if (!window.liff.isLoggedIn()) {
    // In a phone's browser, LINE Login brings the customer back signed in; elsewhere there is no user.
    if (!window.liff.isInClient()) window.liff.login();
    showOutsideLine(config);
    return null;
  }
  const profile = await withTimeout(window.liff.getProfile(), LIFF_INIT_TIMEOUT_MS).catch(() => null);
  if (!profile || !window.liff.getIDToken()) {
    showOutsideLine(config);
    return null;
  }
  return profile;
}

export async function callApi(config, path, { method = "GET", body, authenticated = true } = {}) {
  const headers = {};
  if (authenticated) headers.authorization = `Bearer ${window.liff.getIDToken()}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${config.apiBaseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, payload };
}

/** A random id for a request the server must apply once however often it is sent (a visit, an exchange). */
/** A query parameter the page was opened with, or null. */
export function urlParameter(name) {
  return new URLSearchParams(window.location.search).get(name);
}

/** The parameter out of the address bar (a one-time code or route: a reload must not use it again). */
export function forgetUrlParameter(name) {
  const url = new URL(window.location.href);
  url.searchParams.delete(name);
  window.history.replaceState(window.history.state, "", url);
}

export function requestId() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The tests' and the numbering bench's clients try as often (tests/unit/test_retry_budget.py).
export const PATIENT_ATTEMPTS = 5;

/**
 * callApi, tried again when the server says it is busy (LINE briefly unreachable, or a write that met
 * another of the same customer's): answered 503, both pass on their own. After the last attempt the
 * page shows the answer at once rather than waiting for nothing.
 */
export async function callApiPatiently(config, path, options = {}) {
  let result;
  for (let attempt = 1; attempt <= PATIENT_ATTEMPTS; attempt += 1) {
    result = await callApi(config, path, options);
    if (result.status !== 503 || attempt === PATIENT_ATTEMPTS) return result;
    const pause = 500 * attempt + Math.random() * 500;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  return result;
}

/** The theme colour of the shop, for the header and buttons. */
export function applyTheme(color) {
  if (color) document.documentElement.style.setProperty("--shop-color", color);
}

// Start-up of the pages that show the registration form (register, profile): config, LIFF, the
// shop's form and the customer's record, the shop's look. Returns null when the page cannot go on;
// the reason is already on screen.
export async function openFormPage() {
  showStatus(TEXTS.loading);
  const config = await loadSiteConfig();
  if (!(await startLiff(config))) return null;
  const [form, me] = await Promise.all([
    callApi(config, "/liff/api/registration-form", { authenticated: false }),
    callApi(config, "/liff/api/me"),
  ]);
  if (!form.ok || !me.ok) {
    showPageProblem(problemText(me.ok ? form : me, TEXTS.loadFailed));
    return null;
  }
  applyTheme(form.payload.theme_color);
  document.getElementById("shop-name").textContent = form.payload.shop_name;
  return { config, form, me };
}
