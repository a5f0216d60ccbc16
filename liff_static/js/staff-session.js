// What every staff screen shares: the signed-in staff member, their API calls and the page's texts.
import { STAFF_TEXTS } from "./texts.js";
import { callApi, callApiPatiently } from "./liff-app.js";

export const session = { config: null, me: null };

/** A staff API call with the LIFF ID token; reads (and idempotent writes) wait out a busy server. */
export function staffApi(path, options = {}) {
  const patient = options.patient ?? (options.method ?? "GET") === "GET";
  return (patient ? callApiPatiently : callApi)(session.config, path, options);
}

/** The staff API's path of one member, or of `tail` under them ("visits", "coupons/<id>/redeem"). */
export function memberPath(userId, tail = "") {
  const path = `/liff/api/staff/members/${encodeURIComponent(userId)}`;
  return tail ? `${path}/${tail}` : path;
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

/** "常連, VIP　#お得意" → ["常連", "VIP", "お得意"]: spaces (also full-width), commas or 、 separate. */
export function wordsOf(text) {
  const words = text.split(/[\s,、,]+/u).map((word) => word.replace(/^[##]/u, "").trim());
  return [...new Set(words.filter(Boolean))];
}
