// The owner's #menus screen: the rich menus are redrawn on their own when the shop's name or colour
// changes; this asks for it by hand (POST /liff/api/staff/rich-menus/refresh), e.g. after a new logo.
import { STAFF_TEXTS } from "./texts.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.menus;

async function requestRefresh() {
  say("menus-done", "");
  say("menus-problem", "");
  const result = await staffApi("/liff/api/staff/rich-menus/refresh", { method: "POST" });
  if (result.ok) say("menus-done", T.requested, "done");
  else say("menus-problem", staffProblemText(result));
}

export function setUpRichMenus() {
  const form = document.getElementById("menus-form");
  onSubmit(form, requestRefresh, { busyText: T.refreshing, onError: () => say("menus-problem", STAFF_TEXTS.failed) });
}

export function openRichMenus() {
  document.getElementById("menus-owner-only").hidden = isOwner();
  document.getElementById("menus-form").hidden = !isOwner();
}
