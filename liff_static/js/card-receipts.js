// Points from a receipt: the shop's POS prints a QR with a one-time code for the purchase. The card
// page reads it with the LINE app's camera (liff.scanCodeV2, 「レシートを読み取る」), or is opened by it
// (card.html?receipt=<code>, when the phone's own camera scanned the QR's URL), and sends it once
// (POST /liff/api/receipts/claim). The points then go up on the card; a code that gives none says why.
import { POS_TEXTS } from "./texts.js";
import { callApiPatiently, forgetUrlParameter, urlParameter } from "./liff-app.js";
import { problemText, say } from "./status.js";

const T = POS_TEXTS.receipt;
export const RECEIPT_PARAMETER = "receipt";

/** The receipt code this page was opened with, or null. */
export function receiptCodeInUrl() {
  return urlParameter(RECEIPT_PARAMETER);
}

/** What a scanned QR holds: the code itself, or the card's URL carrying it (?receipt=<code>). */
export function receiptCodeIn(scanned) {
  const text = (scanned || "").trim();
  try {
    const url = new URL(text);
    return url.searchParams.get(RECEIPT_PARAMETER) || text;
  } catch {
    return text;
  }
}

/** Send the code; `onPoints(total)` with the card's new points. Returns true when points came. */
export async function claimReceipt(config, code, onPoints) {
  say("receipt-result", T.claiming, "pending");
  const result = await callApiPatiently(config, "/liff/api/receipts/claim", { method: "POST", body: { code } }).catch(
    () => ({ ok: false, status: 0, payload: {} }),
  );
  if (result.ok || result.status === 422) forgetUrlParameter(RECEIPT_PARAMETER);
  if (result.ok) {
    say("receipt-result", T.claimed(result.payload.points_added, result.payload.points), "ok");
    onPoints(result.payload.points);
    return true;
  }
  if (result.status === 422 && result.payload.code === "receipt_code_refused") {
    const reason = result.payload.reason;
    say("receipt-result", T.reasons[reason] || T.reasons.malformed, reason === "already_claimed" ? "done" : "problem");
  } else if (result.status === 422) say("receipt-result", T.reasons.malformed, "problem");
  else if (result.status === 404) say("receipt-result", T.notMember, "problem");
  else say("receipt-result", problemText(result, T.failed), "problem");
  return false;
}

/** The 「レシートを読み取る」 button under the card. */
export function setUpReceiptScan(config, onPoints) {
  const section = document.getElementById("receipt");
  const button = document.getElementById("receipt-scan");
  document.getElementById("receipt-heading").textContent = T.heading;
  document.getElementById("receipt-lead").textContent = T.lead;
  button.textContent = T.scan;
  let busy = false; // a double tap opens the camera once
  button.addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    button.disabled = true;
    try {
      say("receipt-result", "");
      let scanned = null;
      try {
        scanned = (await window.liff.scanCodeV2())?.value || null;
      } catch (error) {
        console.error(error);
        say("receipt-result", T.scanUnavailable, "problem");
      }
      if (scanned) await claimReceipt(config, receiptCodeIn(scanned), onPoints);
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
  section.hidden = false;
}
