// The counter: scan the customer's rotating card QR (liff.scanCodeV2), or type their member number
// when the camera cannot be used; either opens the member. A refused card shows why, in Japanese.
import { STAFF_TEXTS, TEXTS } from "./texts.js";
import { showProblem, staffApi } from "./staff-session.js";
import { presentMember } from "./staff-member-view.js";

const T = STAFF_TEXTS.counter;

async function readQr() {
  try {
    const result = await window.liff.scanCodeV2();
    return result?.value || null; // null: the staff member closed the camera
  } catch (error) {
    console.error(error);
    showProblem("scan-problem", T.scanUnavailable);
    return null;
  }
}

async function scanCard(button) {
  showProblem("scan-problem", "");
  const token = await readQr();
  if (!token) return;
  button.disabled = true;
  button.textContent = T.scanning;
  try {
    const result = await staffApi("/liff/api/staff/scan", { method: "POST", body: { token }, patient: true });
    if (result.status === 401) return showProblem("scan-problem", TEXTS.sessionExpired);
    if (!result.ok) return showProblem("scan-problem", STAFF_TEXTS.failed);
    if (!result.payload.valid) return showProblem("scan-problem", T.reasons[result.payload.reason] || T.reasonFallback);
    if (!result.payload.member) return showProblem("scan-problem", T.reasons.unknown_member);
    presentMember(result.payload.member);
  } finally {
    button.disabled = false;
    button.textContent = T.scan;
  }
}

async function openByNumber(form) {
  showProblem("scan-problem", "");
  const input = form.elements.member_no;
  const memberNo = input.value.normalize("NFKC").replace(/\D/g, "");
  if (!memberNo) {
    input.setAttribute("aria-invalid", "true");
    return showProblem("scan-problem", T.memberNoRequired);
  }
  input.removeAttribute("aria-invalid");
  const result = await staffApi(`/liff/api/staff/members/by-number/${encodeURIComponent(memberNo)}`);
  if (result.status === 404) return showProblem("scan-problem", T.notFound);
  if (!result.ok) return showProblem("scan-problem", STAFF_TEXTS.failed);
  input.value = "";
  presentMember(result.payload);
}

export function setUpCounter() {
  const button = document.getElementById("scan");
  button.addEventListener("click", () => scanCard(button).catch(() => showProblem("scan-problem", STAFF_TEXTS.failed)));
  const form = document.getElementById("by-number");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    openByNumber(form).catch(() => showProblem("scan-problem", STAFF_TEXTS.failed));
  });
}
