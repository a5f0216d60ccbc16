// One member, as the counter and the search open them: who they are, points and rank, flags, tags,
// last visits, memos and active coupons. "来店を記録" sends one client-made visit_id per opening,
// so a double tap or a retry records one visit; a coupon is redeemed after a confirmation, and the
// server's conditional write decides a race between two staff phones.
import { STAFF_TEXTS, formatDate } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { confirmAction } from "./confirm-dialog.js";
import { showFieldProblem } from "./form-submission.js";
import { say, showStatus, staffProblemText } from "./status.js";
import { memberPath, staffApi } from "./staff-session.js";
import { fillEditForms, setUpMemberEdit } from "./staff-member-edit.js";
import { offerCoupons, resetPointsForm, setUpMemberBenefits } from "./staff-member-benefits.js";

const T = STAFF_TEXTS.member;
const state = { member: null, visitId: null, presented: null };
// Answers to a redemption that trying again cannot change: the coupon list is drawn afresh.
const REDEEM_REFUSALS = {
  coupon_already_used: T.alreadyUsed,
  coupon_expired: T.couponExpired,
  coupon_not_found: T.couponNotFound,
};

function fact(list, term, value, id) {
  list.append(element("dt", {}, term), element("dd", { id }, value));
}

function listOrEmpty(listId, items, emptyText, render) {
  const list = document.getElementById(listId);
  list.replaceChildren(...(items.length ? items.map(render) : [element("li", { class: "empty" }, emptyText)]));
}

function couponItem(coupon) {
  const item = element("li", { class: "coupon", "data-coupon-id": coupon.coupon_id });
  item.append(element("p", { class: "coupon-title" }, coupon.title));
  if (coupon.description) item.append(element("p", { class: "coupon-description" }, coupon.description));
  if (coupon.expires_on) item.append(element("p", { class: "coupon-note" }, T.couponExpires(coupon.expires_on)));
  const button = element("button", { type: "button", class: "redeem-button" }, T.redeem);
  button.setAttribute("aria-label", `${coupon.title}を${T.redeem}`);
  button.addEventListener("click", () => redeem(coupon, button));
  item.append(button);
  return item;
}

function memoItem(memo) {
  const item = element("li");
  item.append(
    element("span", { class: `memo-kind ${memo.kind}` }, T.memoKinds[memo.kind] || memo.kind),
    element("span", { class: "memo-at" }, STAFF_TEXTS.dateTime(memo.at)),
    element("p", { class: "memo-text" }, memo.text),
  );
  return item;
}

/** Draw the member; every change the server answers with a MemberDetail comes back through here. */
export function renderMember(member) {
  state.member = member;
  document.getElementById("member-name").textContent = member.name || member.display_name || T.status[member.status];
  document.getElementById("member-status").textContent = [T.status[member.status], member.name_kana]
    .filter(Boolean)
    .join(" ・ ");
  const facts = document.getElementById("member-facts");
  facts.replaceChildren();
  fact(facts, T.memberNo, member.member_no || T.noMemberNo, "member-no");
  fact(facts, T.rank, member.rank || "—", "member-rank");
  fact(facts, T.points, T.pointsValue(member.points), "member-points");
  fact(facts, T.lastVisit, member.last_visit_on ? formatDate(member.last_visit_on) : T.noVisit, "member-last-visit");
  const flags = document.getElementById("member-flags");
  flags.replaceChildren();
  if (member.do_not_send) flags.append(element("span", { class: "badge warn" }, T.doNotSend));
  if (member.complaint_hold) flags.append(element("span", { class: "badge alert" }, T.complaintHold));
  listOrEmpty("member-tags", member.tags, T.noTags, (tag) => element("li", { class: "chip" }, tag));
  listOrEmpty("member-coupons", member.coupons, T.noCoupons, couponItem);
  listOrEmpty("member-visits", member.visits, T.noVisit, (visit) => element("li", {}, T.visitLine(visit)));
  listOrEmpty("member-memos", member.memos, T.noMemos, memoItem);
  fillEditForms(member);
}

async function reloadMember() {
  const result = await staffApi(memberPath(state.member.user_id));
  if (result.ok) renderMember(result.payload);
}

async function recordVisit(button) {
  say("member-problem", "");
  button.disabled = true;
  button.textContent = T.recording;
  const path = memberPath(state.member.user_id, "visits");
  // Patient: the same visit_id again is the same visit, so retrying a busy server is safe. A lost
  // answer (no network) leaves the button for another tap, which sends the same visit_id.
  const amountText = document.getElementById("visit-amount").value.trim();
  const amount = amountText === "" ? null : Number(amountText);
  const amountOk = amount === null || (Number.isInteger(amount) && amount >= 0);
  if (!showFieldProblem("visit-amount", amountOk ? "" : T.visitAmountInvalid)) {
    button.disabled = false;
    button.textContent = T.recordVisit;
    return;
  }
  const body = { visit_id: state.visitId, store_id: null, amount_yen: amount };
  const result = await staffApi(path, { method: "POST", body, patient: true }).catch(() => ({ ok: false, status: 0 }));
  if (!result.ok) {
    button.disabled = false;
    button.textContent = T.recordVisit;
    return say("member-problem", staffProblemText(result));
  }
  renderMember(result.payload.member);
  button.textContent = T.visitDone;
  const rankUp = result.payload.rank_up ? T.rankUp(result.payload.rank) : "";
  say("member-message", T.visitRecorded(result.payload.points_added) + rankUp);
}

async function redeem(coupon, button) {
  say("member-problem", "");
  say("member-message", "");
  const sure = await confirmAction({
    title: T.redeemTitle,
    lines: [T.redeemBody(coupon.title)],
    yes: T.redeemYes,
    no: T.redeemNo,
  });
  if (!sure) return;
  button.disabled = true;
  button.textContent = T.redeeming;
  const path = memberPath(state.member.user_id, `coupons/${encodeURIComponent(coupon.coupon_id)}/redeem`);
  // Patient: a 503 busy was not applied, and the conditional write makes a repeat safe.
  const result = await staffApi(path, { method: "POST", body: {}, patient: true });
  if (result.ok) say("member-message", T.redeemed(coupon.title));
  else if (result.payload.code in REDEEM_REFUSALS) say("member-problem", REDEEM_REFUSALS[result.payload.code]);
  else {
    button.disabled = false;
    button.textContent = T.redeem;
    return say("member-problem", staffProblemText(result));
  }
  await reloadMember();
}

function startVisit(member) {
  state.visitId = requestId();
  const button = document.getElementById("record-visit");
  document.getElementById("visit-amount").value = "";
  showFieldProblem("visit-amount", "");
  button.disabled = false;
  button.textContent = T.recordVisit;
  say("member-message", "");
  say("member-problem", "");
  resetPointsForm();
  renderMember(member);
  offerCoupons().catch(() => say("member-problem", STAFF_TEXTS.failed));
}

/** Show a member the server just sent (scan, number, search), under #member/<user_id>. */
export function presentMember(member) {
  state.presented = member;
  const hash = `#member/${encodeURIComponent(member.user_id)}`;
  if (window.location.hash === hash) openMember(member.user_id);
  else window.location.hash = hash;
}

/** The #member/<user_id> screen: the member just presented, or fetched by id (a reload, a link). */
export async function openMember(userId) {
  const presented = state.presented;
  state.presented = null;
  if (presented && presented.user_id === userId) return startVisit(presented);
  document.getElementById("screen-member").hidden = true;
  const result = await staffApi(memberPath(userId));
  if (!result.ok) return showStatus(staffProblemText(result, { 404: T.notFound }));
  document.getElementById("screen-member").hidden = false;
  startVisit(result.payload);
}

export function setUpMemberView() {
  const button = document.getElementById("record-visit");
  document.getElementById("visit-amount").addEventListener("input", () => showFieldProblem("visit-amount", ""));
  button.addEventListener("click", () => {
    if (!button.disabled) recordVisit(button).catch(() => say("member-problem", STAFF_TEXTS.failed));
  });
  setUpMemberEdit(() => state.member, renderMember, reloadMember);
  setUpMemberBenefits(() => state.member, renderMember, reloadMember);
}
