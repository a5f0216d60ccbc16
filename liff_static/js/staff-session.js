// What every staff screen shares: the signed-in staff member, their API calls, the page's texts
// and the one confirmation dialog.
import { STAFF_TEXTS } from "./texts.js";
import { callApi, callApiPatiently } from "./liff-app.js";
import { element } from "./dom.js";

export const session = { config: null, me: null };

/** A staff API call with the LIFF ID token; reads (and idempotent writes) wait out a busy server. */
export function staffApi(path, options = {}) {
  const patient = options.patient ?? (options.method ?? "GET") === "GET";
  return (patient ? callApiPatiently : callApi)(session.config, path, options);
}

export function isOwner() {
  return session.me?.role === "owner";
}

/** A random id for a request the server must apply once however often it is sent (visits, campaigns). */
export function requestId() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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

/** Ask before something that cannot be undone; resolves true when the staff member says yes. */
export function confirmAction({ title, lines, yes, no }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-body").replaceChildren(...lines.map((line) => element("p", {}, line)));
  const yesButton = document.getElementById("confirm-yes");
  const noButton = document.getElementById("confirm-no");
  yesButton.textContent = yes;
  noButton.textContent = no;
  return new Promise((resolve) => {
    const finish = (answer) => {
      yesButton.onclick = noButton.onclick = dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    yesButton.onclick = () => finish(true);
    noButton.onclick = () => finish(false);
    dialog.oncancel = () => finish(false);
    dialog.showModal();
  });
}
