// What a page tells the person holding the phone: the page's status line, a done message (the
// toast: the short word of what was just done, beside where it was done), a problem, and, in one
// table, what an API answer that went wrong means in Japanese (the words come from texts.js).
//
// Each message element is a live region in the markup (role="status", or role="alert" for
// problems), kept in the page while empty, so screen readers announce what is put into it. A done
// message stays until the next action replaces it: no timer takes it away before it was read.
import { STAFF_TEXTS, TEXTS } from "./texts.js";

// What an HTTP status means on every page; a page adds its own (by status or by the answer's code).
const MEANINGS = { 401: TEXTS.sessionExpired, 503: TEXTS.busy };
const STAFF_MEANINGS = { ...MEANINGS, 403: STAFF_TEXTS.ownerOnly, 422: STAFF_TEXTS.invalid };

/**
 * Put `text` into the live region `id` ("" empties it): a done message, or a problem when the element
 * has role="alert". `kind` (ok, done, problem…) goes to data-kind, for pages that style by it.
 */
export function say(id, text, kind) {
  const node = document.getElementById(id);
  node.textContent = text;
  if (kind) node.dataset.kind = kind;
}

/** The page's status line (#status, role="status"): loading, a page-wide problem, a done message. */
export function showStatus(text) {
  if (document.getElementById("status")) say("status", text);
}

/**
 * What went wrong with an API call `result` ({status, payload}; status 0 when no answer came), in
 * Japanese: `meanings` looked up by the answer's code, then by its status; then what a status means
 * on every page (401 the session ended, 503 busy); else `fallback`.
 */
export function problemText(result, fallback, meanings = {}) {
  const code = result.payload?.code;
  return (code && meanings[code]) || meanings[result.status] || MEANINGS[result.status] || fallback;
}

/** problemText for the staff console: 403 is "owners only", 422 "check the form", else 処理できませんでした. */
export function staffProblemText(result, meanings = {}) {
  return problemText(result, STAFF_TEXTS.failed, { ...STAFF_MEANINGS, ...meanings });
}

/**
 * A problem that stops the page: `text` in the status line and, beneath it, 「もう一度読み込む」
 * (and, for `lineAccountUrl`, a link to the shop's LINE account), so no error screen is a dead end.
 */
export function showPageProblem(text, { lineAccountUrl = null, lineAccountText = "" } = {}) {
  showStatus(text);
  const status = document.getElementById("status");
  if (!status) return;
  document.getElementById("page-way-out")?.remove();
  const wayOut = document.createElement("div");
  wayOut.id = "page-way-out";
  wayOut.className = "way-out";
  if (lineAccountUrl) {
    const link = document.createElement("a");
    link.href = lineAccountUrl;
    link.className = "button primary";
    link.textContent = lineAccountText;
    wayOut.append(link);
  }
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "button";
  reload.textContent = TEXTS.retry;
  reload.addEventListener("click", () => window.location.reload());
  wayOut.append(reload);
  status.after(wayOut);
}
