// Start-up shared by every LIFF page: the deployment's config, LIFF itself, and API calls that carry
// the LIFF ID token (the server trusts nothing else about who the customer is).
import { TEXTS } from "./texts.js";
import { problemText, showStatus } from "./status.js";

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

export async function startLiff(config) {
  await window.liff.init({ liffId: pageLiffId(config) });
  if (!window.liff.isLoggedIn()) {
    window.liff.login();
    return null;
  }
  return window.liff.getProfile();
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
    showStatus(problemText(me.ok ? form : me, TEXTS.loadFailed));
    return null;
  }
  applyTheme(form.payload.theme_color);
  document.getElementById("shop-name").textContent = form.payload.shop_name;
  return { config, form, me };
}
