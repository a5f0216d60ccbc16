// The member view's points and coupons by hand: a points adjustment (a delta and its reason, staff
// or owner) and, for owners, one of the shop's coupons handed to this member. Each request carries
// a client-made id (entry_id, issue_id) kept until it is answered, so a retry applies once.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, memberPath, staffApi } from "./staff-session.js";
import { couponTemplates } from "./staff-coupons.js";
import { confirmAction } from "./confirm-dialog.js";

const T = STAFF_TEXTS.member;
// The request not yet answered, by what it asks: the same form sent again is the same request.
const pending = { points: null, issue: null };

function idFor(kind, what) {
  if (pending[kind]?.what !== what) pending[kind] = { what, id: requestId() };
  return pending[kind].id;
}

// Said under the form, where the clerk's eyes are (the member sheet at the top shows the new total).
function sayPoints(text, problem = "") {
  say("points-message", text);
  say("points-problem", problem);
}

async function adjustPoints(form, member, renderMember) {
  sayPoints("");
  const raw = form.elements.delta.value.trim().normalize("NFKC");
  const delta = /^[-+]?\d+$/.test(raw) ? Number(raw) : 0;
  const reason = form.elements.reason.value.trim();
  const checks = [
    showFieldProblem("points-delta", delta !== 0 ? "" : T.pointsDeltaRequired),
    showFieldProblem("points-reason", reason ? "" : T.pointsReasonRequired),
  ];
  if (!checks.every(Boolean)) return;
  const body = { delta, reason, entry_id: idFor("points", `${member.user_id}|${delta}|${reason}`) };
  // Patient: a busy server applied nothing, and the same entry_id again is the same adjustment.
  const result = await staffApi(memberPath(member.user_id, "points"), { method: "POST", body, patient: true });
  if (!result.ok) return sayPoints("", staffProblemText(result, { not_enough_points: T.notEnoughPoints }));
  pending.points = null;
  form.reset();
  renderMember(result.payload.member);
  sayPoints(T.pointsAdjusted(delta, result.payload.points));
}

async function issueCoupon(form, member, reloadMember) {
  say("member-message", "");
  say("member-problem", "");
  const select = form.elements.template_id;
  const templateId = select.value;
  if (!templateId) return;
  const title = select.selectedOptions[0].textContent;
  // The member already holds this coupon, unused: a second one is rarely meant, so ask first.
  if (member.coupons.some((held) => held.template_id === templateId && !held.used)) {
    const again = await confirmAction({
      title: T.issueAgainTitle,
      lines: [T.issueAgainBody(title)],
      yes: T.issueAgainYes,
      no: T.issueAgainNo,
    });
    if (!again) return;
  }
  const body = { user_id: member.user_id, issue_id: idFor("issue", `${member.user_id}|${templateId}`) };
  const path = `/liff/api/staff/coupon-templates/${encodeURIComponent(templateId)}/issue`;
  const result = await staffApi(path, { method: "POST", body, patient: true });
  if (!result.ok) return say("member-problem", staffProblemText(result));
  pending.issue = null;
  await reloadMember();
  // A retry of a request answered before (its answer lost) gets the first answer again: the count given.
  say("member-message", result.payload.issued > 0 ? T.issued(title) : T.alreadyIssued);
}

/** A new member on screen: the points form empty, nothing said under it. */
export function resetPointsForm() {
  document.getElementById("points-form").reset();
  for (const id of ["points-delta", "points-reason"]) showFieldProblem(id, "");
  sayPoints("");
}

/** Offer the shop's coupons to hand over (owners only; clerks do not see the form). */
export async function offerCoupons() {
  const form = document.getElementById("issue-form");
  form.hidden = !isOwner();
  if (form.hidden) return;
  const templates = (await couponTemplates()) || [];
  const select = form.elements.template_id;
  select.replaceChildren(...templates.map((t) => element("option", { value: t.template_id }, t.title)));
  form.querySelector("button[type=submit]").disabled = templates.length === 0;
  if (templates.length === 0) select.append(element("option", { value: "" }, T.noTemplates));
}

export function setUpMemberBenefits(currentMember, renderMember, reloadMember) {
  const pointsForm = document.getElementById("points-form");
  onSubmit(pointsForm, () => adjustPoints(pointsForm, currentMember(), renderMember), {
    onError: () => sayPoints("", STAFF_TEXTS.failed),
  });
  const issueForm = document.getElementById("issue-form");
  onSubmit(issueForm, () => issueCoupon(issueForm, currentMember(), reloadMember), {
    onError: () => say("member-problem", STAFF_TEXTS.failed),
  });
}
