// The owner's bulk flags on the search results: tick members, pick 配信停止 or クレーム対応中 with
// a reason, confirm, and POST /staff/flags/bulk sets it on all of them (campaigns then skip them).
import { STAFF_TEXTS, TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { confirmAction, isOwner, showProblem, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.search;
const FLAG_NAMES = { do_not_send: STAFF_TEXTS.member.doNotSend, complaint_hold: STAFF_TEXTS.member.complaintHold };
const selected = new Set();

function say(text) {
  document.getElementById("bulk-message").textContent = text;
}

function showSelection() {
  document.getElementById("bulk-selected").textContent = T.selected(selected.size);
}

/** A tick box for one search result (owners only; null for clerks). */
export function selectionBox(member, name) {
  if (!isOwner()) return null;
  const box = element("input", { type: "checkbox", class: "result-select", "aria-label": T.select(name) });
  box.checked = selected.has(member.user_id);
  box.addEventListener("change", () => {
    if (box.checked) selected.add(member.user_id);
    else selected.delete(member.user_id);
    showSelection();
  });
  return box;
}

/** A new result list: nothing ticked, the form shown to owners when there is someone to tick. */
export function resetSelection(count) {
  selected.clear();
  showSelection();
  showProblem("bulk-problem", "");
  document.getElementById("bulk-flags").hidden = !isOwner() || count === 0;
}

async function setFlags(form) {
  showProblem("bulk-problem", "");
  say("");
  const flag = form.elements.flag.value;
  const reason = form.elements.reason.value.trim();
  document.getElementById("bulk-reason-error").textContent = reason ? "" : T.reasonRequired;
  document.getElementById("bulk-reason").setAttribute("aria-invalid", String(!reason));
  if (selected.size === 0) return showProblem("bulk-problem", T.noneSelected);
  if (!reason) return;
  const userIds = [...selected];
  const sure = await confirmAction({
    title: T.bulkTitle,
    lines: [T.bulkBody(userIds.length, FLAG_NAMES[flag])],
    yes: T.bulkYes,
    no: T.bulkNo,
  });
  if (!sure) return;
  const body = { user_ids: userIds, flag, on: true, reason };
  // Patient: setting a flag that is already set changes nothing, so a repeat is safe.
  const result = await staffApi("/liff/api/staff/flags/bulk", { method: "POST", body, patient: true });
  if (!result.ok) {
    const problem = { 401: TEXTS.sessionExpired, 403: STAFF_TEXTS.ownerOnly, 422: STAFF_TEXTS.invalid }[result.status];
    return showProblem("bulk-problem", problem || STAFF_TEXTS.failed);
  }
  form.elements.reason.value = "";
  say(T.bulkDone(userIds.length, FLAG_NAMES[flag]));
}

export function setUpBulkFlags() {
  const form = document.getElementById("bulk-flags");
  form.elements.flag.replaceChildren(
    ...Object.entries(FLAG_NAMES).map(([value, label]) => element("option", { value }, label)),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return;
    button.disabled = true;
    setFlags(form)
      .catch(() => showProblem("bulk-problem", STAFF_TEXTS.failed))
      .finally(() => (button.disabled = false));
  });
}
