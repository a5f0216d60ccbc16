// The owner's bulk flags on the search results: tick members, pick 配信停止 or クレーム対応中 with
// a reason, confirm, and POST /staff/flags/bulk sets it on all of them (campaigns then skip them).
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { confirmAction } from "./confirm-dialog.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.search;
const FLAG_NAMES = { do_not_send: STAFF_TEXTS.member.doNotSend, complaint_hold: STAFF_TEXTS.member.complaintHold };
const selected = new Set();

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
  say("bulk-problem", "");
  document.getElementById("bulk-flags").hidden = !isOwner() || count === 0;
}

async function setFlags(form) {
  say("bulk-problem", "");
  say("bulk-message", "");
  const flag = form.elements.flag.value;
  const reason = form.elements.reason.value.trim();
  const reasonGiven = showFieldProblem("bulk-reason", reason ? "" : T.reasonRequired);
  if (selected.size === 0) return say("bulk-problem", T.noneSelected);
  if (!reasonGiven) return;
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
  if (!result.ok) return say("bulk-problem", staffProblemText(result));
  form.elements.reason.value = "";
  say("bulk-message", T.bulkDone(userIds.length, FLAG_NAMES[flag]));
}

export function setUpBulkFlags() {
  const form = document.getElementById("bulk-flags");
  form.elements.flag.replaceChildren(
    ...Object.entries(FLAG_NAMES).map(([value, label]) => element("option", { value }, label)),
  );
  onSubmit(form, () => setFlags(form), { onError: () => say("bulk-problem", STAFF_TEXTS.failed) });
}
