// Member management on the member's screen: tags, memos (来店/電話/相談 and free text) and the
// do-not-send and complaint-hold flags, each with its reason. The server answers with the member,
// which is drawn again, so the screen always shows what was stored.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { showProblem, staffApi, wordsOf } from "./staff-session.js";

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
    document.getElementById(`${flag.id}-error`).textContent = "";
  }
}

function memberPath(member, tail) {
  return `/liff/api/staff/members/${encodeURIComponent(member.user_id)}/${tail}`;
}

async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  showProblem("member-problem", "");
  button.disabled = true;
  try {
    const result = await work();
    if (result && !result.ok) {
      const problem = { 403: STAFF_TEXTS.ownerOnly, 422: STAFF_TEXTS.invalid }[result.status] || STAFF_TEXTS.failed;
      showProblem("member-problem", problem);
    }
  } catch (error) {
    console.error(error);
    showProblem("member-problem", STAFF_TEXTS.failed);
  } finally {
    button.disabled = false;
  }
}

function flagsBody(form) {
  const body = {};
  let complete = true;
  for (const flag of FLAGS) {
    const on = form.elements[flag.name].checked;
    const reason = form.elements[`${flag.name}_reason`].value.trim();
    const missing = on && !reason;
    document.getElementById(`${flag.id}-error`).textContent = missing ? T.reasonRequired : "";
    document.getElementById(`${flag.id}-reason`).setAttribute("aria-invalid", String(missing));
    complete &&= !missing;
    body[flag.name] = on;
    body[`${flag.name}_reason`] = on ? reason : null;
  }
  return complete ? body : null;
}

export function setUpMemberEdit(currentMember, renderMember, reloadMember, say) {
  const kinds = document.getElementById("memo-kind");
  kinds.replaceChildren(...Object.entries(T.memoKinds).map(([value, label]) => element("option", { value }, label)));

  const memoForm = document.getElementById("memo-form");
  memoForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = memoForm.elements.text.value.trim();
    if (!text) return showProblem("member-problem", T.memoRequired);
    submitting(memoForm, async () => {
      const body = { kind: memoForm.elements.kind.value, text };
      const result = await staffApi(memberPath(currentMember(), "memos"), { method: "POST", body });
      if (result.ok) {
        memoForm.elements.text.value = "";
        await reloadMember();
        say(T.memoAdded);
      }
      return result;
    });
  });

  const tagsForm = document.getElementById("tags-form");
  tagsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const tags = wordsOf(tagsForm.elements.tags.value);
    if (tags.length > 30 || tags.some((tag) => tag.length > 20)) return showProblem("member-problem", T.tagsTooLong);
    submitting(tagsForm, async () => {
      const body = { tags };
      const result = await staffApi(memberPath(currentMember(), "tags"), { method: "PUT", body, patient: true });
      if (result.ok) {
        renderMember(result.payload);
        say(STAFF_TEXTS.saved);
      }
      return result;
    });
  });

  const flagsForm = document.getElementById("flags-form");
  flagsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = flagsBody(flagsForm);
    if (!body) return;
    submitting(flagsForm, async () => {
      const result = await staffApi(memberPath(currentMember(), "flags"), { method: "PUT", body, patient: true });
      if (result.ok) {
        renderMember(result.payload);
        say(STAFF_TEXTS.saved);
      }
      return result;
    });
  });
}
