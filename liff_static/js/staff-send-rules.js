// 配信のルール (the owner's, on the シナリオ tab): the hours pushes may go out in, and the weekly
// frequency cap across campaigns, scenario steps, birthday and rank-up messages.
import { SEND_RULES_TEXTS as T, STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit } from "./form-submission.js";
import { say } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const API = "/liff/api/staff/messaging-rules";

function field(id, label, input) {
  const wrapper = element("div", { class: "field" });
  wrapper.append(element("label", { for: id }, label), input);
  return wrapper;
}

function check(id, label) {
  const wrapper = element("label", { class: "check", for: id });
  wrapper.append(element("input", { id, name: id, type: "checkbox" }), label);
  return wrapper;
}

function buildForm(form) {
  const start = element("input", { id: "send-start", name: "start", type: "time", required: "" });
  const end = element("input", { id: "send-end", name: "end", type: "time", required: "" });
  const cap = element("input", {
    id: "send-cap", name: "cap", type: "number", min: "1", max: "50", inputmode: "numeric", "aria-describedby": "send-cap-hint",
  });
  form.replaceChildren(
    element("h3", {}, T.heading),
    element("p", { class: "hint" }, T.intro),
    field("send-start", T.start, start),
    field("send-end", T.end, end),
    field("send-cap", T.cap, cap),
    element("p", { id: "send-cap-hint", class: "hint" }, T.capHint),
    check("send-exempt-birthday", T.exemptBirthday),
    check("send-exempt-rank-up", T.exemptRankUp),
    element("button", { type: "submit" }, T.save),
    element("p", { id: "send-rules-done", class: "done-message", role: "status", "aria-live": "polite" }),
    element("p", { id: "send-rules-problem", class: "problem", role: "alert" }),
  );
}

function fill(form, rules) {
  form.elements.start.value = rules.quiet_hours.start;
  form.elements.end.value = rules.quiet_hours.end;
  form.elements.cap.value = rules.frequency_cap.max_pushes_per_7_days ?? "";
  form.elements["send-exempt-birthday"].checked = rules.frequency_cap.exempt_birthday;
  form.elements["send-exempt-rank-up"].checked = rules.frequency_cap.exempt_rank_up;
}

async function save(form) {
  say("send-rules-done", "");
  say("send-rules-problem", "");
  const cap = form.elements.cap.value.trim();
  if (cap && !(Number(cap) >= 1 && Number(cap) <= 50)) return say("send-rules-problem", T.capRange);
  const body = {
    quiet_hours: { start: form.elements.start.value, end: form.elements.end.value },
    frequency_cap: {
      max_pushes_per_7_days: cap ? Number(cap) : null,
      exempt_birthday: form.elements["send-exempt-birthday"].checked,
      exempt_rank_up: form.elements["send-exempt-rank-up"].checked,
    },
  };
  const result = await staffApi(API, { method: "PUT", body });
  if (!result.ok) return say("send-rules-problem", result.status === 422 ? T.invalid : STAFF_TEXTS.failed);
  fill(form, result.payload);
  say("send-rules-done", T.saved, "done");
}

export function setUpSendRules() {
  const form = document.getElementById("send-rules-form");
  buildForm(form);
  onSubmit(form, () => save(form), { busyText: STAFF_TEXTS.saving, onError: () => say("send-rules-problem", STAFF_TEXTS.failed) });
}

export async function openSendRules() {
  if (!isOwner()) return;
  const form = document.getElementById("send-rules-form");
  const result = await staffApi(API);
  if (result.ok) fill(form, result.payload);
}
