// What staff.html shows when opened from an invitation link (liff.line.me/<staff app>?invite=<code>):
// who invited the person and as what, and 「参加する」; or, in Japanese, why the link cannot be used
// (forged, expired, used, or they are already on the staff). The code then leaves the URL, so a
// reload asks nothing again.
import { STAFF_TEXTS } from "./texts.js";
import { say, showStatus, staffProblemText } from "./status.js";
import { staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.invitation;

/** The invitation code of the URL, read after liff.init (a LIFF URL's query reaches the page through it). */
export function invitationCodeInUrl() {
  return new URLSearchParams(window.location.search).get("invite");
}

function forgetCode() {
  const url = new URL(window.location.href);
  url.searchParams.delete("invite");
  window.history.replaceState(null, "", url);
}

function roleName(role) {
  return STAFF_TEXTS.roles[role] || role;
}

function refusalText(result) {
  if (result.payload?.code === "invalid_invitation") return T.reasons[result.payload.reason] || T.reasons.forged;
  if (result.payload?.code === "already_staff") return T.alreadyStaff;
  return staffProblemText(result);
}

/** Resolves when the person taps `id` (a button or a link), once. */
function tapped(id) {
  return new Promise((resolve) => {
    document.getElementById(id).addEventListener(
      "click",
      (event) => {
        event.preventDefault();
        resolve();
      },
      { once: true },
    );
  });
}

/** The continue button, then on to the console: true once tapped. */
async function continueToConsole() {
  const next = document.getElementById("invitation-continue");
  next.hidden = false;
  await tapped("invitation-continue");
  forgetCode();
  document.getElementById("screen-invitation").hidden = true;
  window.location.hash = "#counter";
  return true;
}

/**
 * Show the invitation and let the person join. Resolves true when the console should start (they
 * joined, or were staff already and chose to go on); false when the link cannot be used (the reason
 * stays on screen).
 */
export async function answerInvitation(code) {
  document.getElementById("screen-invitation").hidden = false;
  const opened = await staffApi("/liff/api/invitations/open", { method: "POST", body: { code }, patient: true });
  showStatus("");
  if (!opened.ok) {
    say("invitation-problem", refusalText(opened));
    if (opened.payload?.code === "already_staff") return continueToConsole();
    forgetCode();
    return false;
  }
  const offer = opened.payload;
  const role = roleName(offer.role);
  document.getElementById("shop-name").textContent = offer.shop_name;
  document.getElementById("invitation-lead").textContent = T.lead(offer.invited_by_name, offer.shop_name, role);
  document.getElementById("invitation-role-note").textContent = T.roleNotes[offer.role] || "";
  document.getElementById("invitation-valid").textContent = T.validUntil(offer.valid_until);
  document.getElementById("invitation-offer").hidden = false;

  const button = document.getElementById("invitation-accept");
  for (;;) {
    await tapped("invitation-accept");
    button.disabled = true; // one acceptance at a time: a double tap sends once
    say("invitation-problem", "");
    const accepted = await staffApi("/liff/api/invitations/accept", { method: "POST", body: { code } });
    button.disabled = false;
    if (accepted.ok) {
      document.getElementById("invitation-offer").hidden = true;
      showStatus(T.joined(roleName(accepted.payload.role)));
      return continueToConsole();
    }
    say("invitation-problem", refusalText(accepted));
    if (accepted.status !== 503) {
      document.getElementById("invitation-offer").hidden = true;
      forgetCode();
      return false;
    }
  }
}
