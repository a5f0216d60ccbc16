// The counter: scan the customer's rotating card QR (liff.scanCodeV2), or type their member number
// when the camera cannot be used; either opens the member. A refused card shows why, in Japanese.
import { STAFF_TEXTS } from "./texts.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { staffApi } from "./staff-session.js";
import { presentMember } from "./staff-member-view.js";

const T = STAFF_TEXTS.counter;

async function readQr() {
  try {
    const result = await window.liff.scanCodeV2();
    return result?.value || null; // null: the staff member closed the camera
  } catch (error) {
    console.error(error);
    say("scan-problem", T.scanUnavailable);
    return null;
  }
}

async function scanCard(button) {
  say("scan-problem", "");
  const token = await readQr();
  if (!token) return;
  button.disabled = true;
  button.textContent = T.scanning;
  try {
    const result = await staffApi("/liff/api/staff/scan", { method: "POST", body: { token }, patient: true });
    // 422: too long to be a card's token, so not a card's QR.
    if (!result.ok) return say("scan-problem", staffProblemText(result, { 422: T.reasons.malformed }));
    if (!result.payload.valid) return say("scan-problem", T.reasons[result.payload.reason] || T.reasonFallback);
    if (!result.payload.member) return say("scan-problem", T.reasons.unknown_member);
    presentMember(result.payload.member);
  } finally {
    button.disabled = false;
    button.textContent = T.scan;
  }
}

async function openByNumber(form) {
  say("scan-problem", "");
  const input = form.elements.member_no;
  // The shop's prefix (letters) stays; the server pads the digits to the shop's format.
  const memberNo = input.value.normalize("NFKC").toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (!memberNo) {
    input.setAttribute("aria-invalid", "true");
    return say("scan-problem", T.memberNoRequired);
  }
  input.removeAttribute("aria-invalid");
  const result = await staffApi(`/liff/api/staff/members/by-number/${encodeURIComponent(memberNo)}`);
  if (!result.ok) return say("scan-problem", staffProblemText(result, { 404: T.notFound }));
  input.value = "";
  presentMember(result.payload);
}

export function setUpCounter() {
  const button = document.getElementById("scan");
  button.addEventListener("click", () => scanCard(button).catch(() => say("scan-problem", STAFF_TEXTS.failed)));
  const form = document.getElementById("by-number");
  onSubmit(form, () => openByNumber(form), { onError: () => say("scan-problem", STAFF_TEXTS.failed) });
}
