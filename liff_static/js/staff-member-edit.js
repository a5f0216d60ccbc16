// Member management on the member's screen: tags, memos (来店/電話/相談 and free text) and the
// do-not-send and complaint-hold flags, each with its reason. The server answers with the member,
// which is drawn again, so the screen always shows what was stored.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { memberPath, staffApi, wordsOf } from "./staff-session.js";

const T = STAFF_TEXTS.member;
const FLAGS = [
  { name: "do_not_send", id: "flag-do-not-send" },
  { name: "complaint_hold", id: "flag-complaint-hold" },
];

/** Put the member's stored tags and flags into the edit forms. */
export function fillEditForms(member) {
  document.getElementById("tags-input").value = member.tags.join(" ");
  for (const flag of FLAGS) {
    document.getElementById(flag.id).checked = Boolean(member[flag.name]);
    document.getElementById(`${flag.id}-reason`).value = member[`${flag.name}_reason`] || "";
    showFieldProblem(`${flag.id}-reason`, "");
  }
}

function flagsBody(form) {
  const body = {};
  let complete = true;
  for (const flag of FLAGS) {
    const on = form.elements[flag.name].checked;
    const reason = form.elements[`${flag.name}_reason`].value.trim();
    complete = showFieldProblem(`${flag.id}-reason`, on && !reason ? T.reasonRequired : "") && complete;
    body[flag.name] = on;
    body[`${flag.name}_reason`] = on ? reason : null;
  }
  return complete ? body : null;
}

/**
 * One of the member's edit forms: `send()` makes the request (or shows why it cannot, and returns
 * nothing) and answers with the API's result; a refusal is said on the member's screen.
 */
function editForm(form, send) {
  const failed = () => say("member-problem", STAFF_TEXTS.failed);
  onSubmit(
    form,
    async () => {
      say("member-message", "");
      say("member-problem", "");
      const result = await send();
      if (result && !result.ok) say("member-problem", staffProblemText(result));
    },
    { onError: failed },
  );
}

export function setUpMemberEdit(currentMember, renderMember, reloadMember) {
  const kinds = document.getElementById("memo-kind");
  kinds.replaceChildren(...Object.entries(T.memoKinds).map(([value, label]) => element("option", { value }, label)));

  const memoForm = document.getElementById("memo-form");
  editForm(memoForm, async () => {
    const text = memoForm.elements.text.value.trim();
    if (!text) return say("member-problem", T.memoRequired);
    const body = { kind: memoForm.elements.kind.value, text };
    const result = await staffApi(memberPath(currentMember().user_id, "memos"), { method: "POST", body });
    if (result.ok) {
      memoForm.elements.text.value = "";
      await reloadMember();
      say("member-message", T.memoAdded);
    }
    return result;
  });

  const tagsForm = document.getElementById("tags-form");
  editForm(tagsForm, async () => {
    const tags = wordsOf(tagsForm.elements.tags.value);
    if (tags.length > 30 || tags.some((tag) => tag.length > 20)) return say("member-problem", T.tagsTooLong);
    const path = memberPath(currentMember().user_id, "tags");
    const result = await staffApi(path, { method: "PUT", body: { tags }, patient: true });
    if (result.ok) {
      renderMember(result.payload);
      say("member-message", STAFF_TEXTS.saved);
    }
    return result;
  });

  const flagsForm = document.getElementById("flags-form");
  editForm(flagsForm, async () => {
    const body = flagsBody(flagsForm);
    if (!body) return;
    const path = memberPath(currentMember().user_id, "flags");
    const result = await staffApi(path, { method: "PUT", body, patient: true });
    if (result.ok) {
      renderMember(result.payload);
      say("member-message", STAFF_TEXTS.saved);
    }
    return result;
  });
}
