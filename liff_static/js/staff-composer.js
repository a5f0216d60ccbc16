// The campaign composer (owners only): a segment with its live count, 1–5 messages with a preview
// that looks like the LINE chat, now or at a time, a confirmation with count and cost, then the
// progress screen. The campaign_id is made here, so a retried request never makes two campaigns.
import { AB_TEXTS, STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { trackingOfForm, fillClickScenarios } from "./staff-routes.js";
import { requestId } from "./liff-app.js";
import { confirmAction } from "./confirm-dialog.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, session, staffApi } from "./staff-session.js";
import { currentEstimate, segmentOfForm, setUpSegment } from "./staff-segment.js";
import { followCampaign, resumeFollowing, setUpProgress } from "./staff-progress.js";
import { MAX_VARIANTS, MIN_VARIANTS, abConfirmLine, abOfForm, abOn, resetAbForm, setUpAbForm, showAbProblems, syncShares } from "./staff-ab-form.js";

const T = STAFF_TEXTS.campaign;
const MAX_MESSAGES = 5;
const state = { campaignId: null, ready: false };

function messageEditor() {
  const item = element("li", { class: "message-editor" });
  const fieldId = requestId().slice(0, 8);
  const heading = element("p", { class: "message-heading" });
  const typeLabel = element("label", { for: `type-${fieldId}` }, T.messageType);
  const type = element("select", { id: `type-${fieldId}`, name: "message_type" });
  for (const [value, label] of Object.entries(T.types)) type.append(element("option", { value }, label));
  const textLabel = element("label", { for: `text-${fieldId}` }, T.text);
  const text = element("textarea", { id: `text-${fieldId}`, name: "message_text", rows: "4", maxlength: "5000" });
  const urlLabel = element("label", { for: `url-${fieldId}` }, T.imageUrl);
  const url = element("input", { id: `url-${fieldId}`, name: "message_image", type: "url", inputmode: "url", autocomplete: "off" });
  const error = element("p", { class: "field-error", id: `error-${fieldId}` });
  const remove = element("button", { type: "button", class: "remove-message" }, T.removeMessage);
  const showType = () => {
    const isText = type.value === "text";
    textLabel.hidden = text.hidden = !isText;
    urlLabel.hidden = url.hidden = isText;
  };
  type.addEventListener("change", showType);
  remove.addEventListener("click", () => {
    item.remove();
    numberEditors();
    drawPreview();
  });
  item.append(heading, typeLabel, type, textLabel, text, urlLabel, url, error, remove);
  showType();
  return item;
}

function editors() {
  return [...document.querySelectorAll("#message-editors .message-editor")];
}

/** How many editors there may be: 1–5 messages, or in an A/B test 2–4 variants (one message each). */
function editorLimits() {
  return abOn() ? [MIN_VARIANTS, MAX_VARIANTS] : [1, MAX_MESSAGES];
}

function numberEditors() {
  const all = editors();
  const [fewest, most] = editorLimits();
  all.forEach((item, index) => {
    item.querySelector(".message-heading").textContent = abOn() ? AB_TEXTS.variant(index) : T.messageLabel(index + 1);
    item.querySelector(".remove-message").hidden = all.length <= fewest;
  });
  document.getElementById("add-message").textContent = abOn() ? AB_TEXTS.addVariant : T.addMessage;
  document.getElementById("add-message").hidden = all.length >= most;
  if (abOn()) syncShares(all.length);
}

/** An A/B test turned on starts with two variants; turned off, the editors are messages again. */
function abToggled() {
  while (abOn() && editors().length < MIN_VARIANTS) document.getElementById("message-editors").append(messageEditor());
  numberEditors();
  drawPreview();
}

function addEditor() {
  if (editors().length >= editorLimits()[1]) return;
  document.getElementById("message-editors").append(messageEditor());
  numberEditors();
}

/** The messages as CampaignMessage objects, or null (with the problems shown) when one is incomplete. */
function messagesOfForm() {
  let complete = true;
  const messages = editors().map((item) => {
    const type = item.querySelector("[name=message_type]").value;
    const text = item.querySelector("[name=message_text]").value.trim();
    const url = item.querySelector("[name=message_image]").value.trim();
    let problem = "";
    if (type === "text" && !text) problem = T.problems.textRequired;
    if (type === "image" && !/^https:\/\/\S+$/.test(url)) problem = T.problems.imageUrl;
    item.querySelector(".field-error").textContent = problem;
    complete &&= !problem;
    return type === "text" ? { type, text } : { type, original_content_url: url, preview_image_url: url };
  });
  return complete ? messages : null;
}

function personalised(text) {
  return text.replaceAll("{name}", T.previewName).replaceAll("{member_no}", T.previewMemberNo);
}

function drawPreview() {
  const chat = document.getElementById("preview");
  const shop = session.me?.shop_name || "";
  chat.replaceChildren();
  editors().forEach((item, index) => {
    const type = item.querySelector("[name=message_type]").value;
    if (abOn()) chat.append(element("p", { class: "chat-variant" }, AB_TEXTS.variant(index)));
    const row = element("div", { class: "chat-row" });
    row.append(element("span", { class: "chat-avatar", "aria-hidden": "true" }, shop.slice(0, 1)));
    const bubble = element("div", { class: type === "text" ? "chat-bubble" : "chat-image" });
    if (type === "text") bubble.textContent = personalised(item.querySelector("[name=message_text]").value) || " ";
    else {
      const url = item.querySelector("[name=message_image]").value.trim();
      if (/^https:\/\//.test(url)) bubble.append(element("img", { src: url, alt: T.types.image }));
      else bubble.textContent = T.types.image;
    }
    row.append(bubble);
    chat.append(row);
  });
}

function sendAtOfForm() {
  const form = document.getElementById("composer").elements;
  const later = form.when.value === "later";
  showFieldProblem("send-at", "");
  if (!later) return { ok: true, sendAt: null };
  if (!showFieldProblem("send-at", form.send_at.value ? "" : T.problems.sendAtRequired)) return { ok: false };
  return { ok: true, sendAt: new Date(form.send_at.value).toISOString() };
}

async function review(form) {
  say("composer-problem", "");
  const name = form.elements.name.value.trim();
  const named = showFieldProblem("campaign-name", name ? "" : T.problems.nameRequired);
  const messages = messagesOfForm();
  const when = sendAtOfForm();
  if (!named || !messages || !when.ok) return say("composer-problem", STAFF_TEXTS.invalid);
  const estimate = await currentEstimate();
  if (!estimate) return say("composer-problem", T.estimateFailed);
  if (estimate.recipients === 0) return say("composer-problem", T.problems.noRecipients);
  if (!estimate.within_quota) return say("composer-problem", T.overQuota);
  const tracking = trackingOfForm();
  const ab = abOn() ? abOfForm(messages, Boolean(tracking.track_links), estimate.recipients) : null;
  if (abOn() && !ab) return say("composer-problem", STAFF_TEXTS.invalid);
  const sure = await confirmAction({
    title: T.confirmTitle,
    lines: [
      T.confirmBody(estimate.recipients, estimate.message_cost),
      T.quotaLeft(estimate.quota_remaining),
      T.confirmWhen(when.sendAt),
      ...(ab ? [abConfirmLine(ab)] : []),
    ],
    yes: T.confirmYes,
    no: T.confirmNo,
  });
  if (!sure) return;
  // An A/B test's `messages` are its first variant's (the API asks for them; the variants are sent).
  const body = { campaign_id: state.campaignId, name, segment: segmentOfForm(), messages: ab ? ab.variants[0] : messages };
  if (ab) body.ab = ab;
  if (when.sendAt) body.send_at = when.sendAt;
  Object.assign(body, tracking);
  say("composer-problem", T.sending);
  const result = await staffApi("/liff/api/staff/campaigns", { method: "POST", body, patient: true });
  if (!result.ok) {
    showAbProblems(result, (index, text) => {
      const error = editors()[index]?.querySelector(".field-error");
      if (error) error.textContent = text;
    });
    return say("composer-problem", staffProblemText(result));
  }
  say("composer-problem", "");
  form.hidden = true;
  followCampaign(result.payload.campaign_id, name, { ab: Boolean(ab) });
}

function startNewCampaign() {
  const form = document.getElementById("composer");
  state.campaignId = `c-${requestId().replaceAll("-", "").slice(0, 24)}`;
  form.reset();
  resetAbForm();
  document.getElementById("message-editors").replaceChildren();
  addEditor();
  drawPreview();
  document.getElementById("send-at-field").hidden = true;
  document.getElementById("progress").hidden = true;
  form.hidden = false;
}

/** The #campaign screen: owners get the composer (or the campaign they are following). */
export async function openComposer() {
  const owner = isOwner();
  document.getElementById("campaign-owner-only").hidden = owner;
  if (!owner) {
    document.getElementById("composer").hidden = true;
    return;
  }
  if (resumeFollowing()) return;
  fillClickScenarios();
  if (!state.ready) {
    state.ready = true;
    await setUpSegment();
    startNewCampaign();
  }
}

export function setUpComposer() {
  const form = document.getElementById("composer");
  setUpProgress();
  setUpAbForm(abToggled);
  document.getElementById("add-message").addEventListener("click", () => {
    addEditor();
    drawPreview();
  });
  document.getElementById("message-editors").addEventListener("input", drawPreview); // selects too
  for (const radio of form.elements.when) {
    radio.addEventListener("change", () => (document.getElementById("send-at-field").hidden = form.elements.when.value !== "later"));
  }
  onSubmit(form, () => review(form), { onError: () => say("composer-problem", STAFF_TEXTS.failed) });
  document.getElementById("new-campaign").addEventListener("click", () => {
    startNewCampaign();
    currentEstimate();
  });
}
