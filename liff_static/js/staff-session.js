// What every staff screen shares: the signed-in staff member, their API calls, the page's texts
// and the one confirmation dialog.
import { STAFF_TEXTS } from "./texts.js";
import { callApi, callApiPatiently } from "./liff-app.js";

// Shared with the customer pages; the staff screens import them from here with the rest.
export { confirmAction } from "./dom.js";
export { requestId } from "./liff-app.js";

export const session = { config: null, me: null };

/** A staff API call with the LIFF ID token; reads (and idempotent writes) wait out a busy server. */
export function staffApi(path, options = {}) {
  const patient = options.patient ?? (options.method ?? "GET") === "GET";
  return (patient ? callApiPatiently : callApi)(session.config, path, options);
}

export function isOwner() {
  return session.me?.role === "owner";
}

function textAt(path) {
  return path.split(".").reduce((node, key) => node?.[key], STAFF_TEXTS);
}

/** Fill the markup's text from STAFF_TEXTS: data-text, data-placeholder and data-label (aria-label). */
export function fillTexts(root = document) {
  for (const node of root.querySelectorAll("[data-text]")) node.textContent = textAt(node.dataset.text);
  for (const node of root.querySelectorAll("[data-placeholder]")) node.placeholder = textAt(node.dataset.placeholder);
  for (const node of root.querySelectorAll("[data-label]")) node.setAttribute("aria-label", textAt(node.dataset.label));
}

/** Show a problem (or clear it with ""): the element has role="alert", so it is read out. */
export function showProblem(id, text) {
  const node = document.getElementById(id);
  node.textContent = text;
  node.hidden = !text;
}

/** "常連, VIP　#お得意" → ["常連", "VIP", "お得意"]: spaces (also full-width), commas or 、 separate. */
export function wordsOf(text) {
  const words = text.split(/[\s,、,]+/u).map((word) => word.replace(/^[##]/u, "").trim());
  return [...new Set(words.filter(Boolean))];
}
