// The トーク tab: conversations newest first (#talk), with 未読 / 要返信 / tag filters, and one
// conversation (#talk/<user_id>) with the customer's card beside it. Opening it marks it read (the
// customer sees 既読). A reply is a push: its cost is shown before sending, and one reply_id is kept
// for the text being written, so a double tap or a retry after a lost answer reaches the customer once.
import { STAFF_TEXTS, formatDate } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { onSubmit } from "./form-submission.js";
import { say, showStatus, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.talk;
const API = "/liff/api/staff";
const state = { filter: "all", tag: "", userId: null, replyId: null, quota: undefined, saved: [] };
const REPLY_REFUSALS = { customer_unreachable: T.unreachable, conversation_not_found: T.notFound };

function conversationPath(userId, tail = "") {
  return `${API}/conversations/${encodeURIComponent(userId)}${tail}`;
}

function conversationItem(conversation) {
  const link = element("a", { href: `#talk/${encodeURIComponent(conversation.user_id)}`, class: "talk-row" });
  const name = element("span", { class: "talk-name" }, conversation.display_name || T.noName);
  const when = element("time", { class: "talk-when", datetime: conversation.last_message_at }, T.when(conversation.last_message_at));
  const preview = element("span", { class: "talk-preview" }, conversation.last_message_preview || "");
  const badges = element("span", { class: "talk-badges" });
  if (conversation.member_no) badges.append(element("span", { class: "talk-no" }, T.memberNo(conversation.member_no)));
  if (conversation.unread_count) badges.append(element("span", { class: "badge unread" }, T.unread(conversation.unread_count)));
  if (conversation.needs_reply) badges.append(element("span", { class: "badge needs-reply" }, T.needsReply));
  link.append(name, when, preview, badges);
  const item = element("li", { "data-user-id": conversation.user_id });
  if (conversation.unread_count) item.classList.add("has-unread");
  item.append(link);
  return item;
}

async function loadList({ before = null } = {}) {
  const list = document.getElementById("talk-list");
  const query = new URLSearchParams({ filter: state.filter, limit: "30" });
  if (state.tag) query.set("tag", state.tag);
  if (before) query.set("before", before);
  const result = await staffApi(`${API}/conversations?${query}`);
  if (!result.ok) return showStatus(staffProblemText(result));
  const items = result.payload.conversations.map(conversationItem);
  if (!before) list.replaceChildren(...(items.length ? items : [element("li", { class: "empty" }, T.empty)]));
  else list.append(...items);
  const more = document.getElementById("talk-more");
  more.hidden = !result.payload.next;
  more.onclick = () => loadList({ before: result.payload.next });
}

function fact(list, term, value) {
  list.append(element("dt", {}, term), element("dd", {}, value));
}

function renderMember(member) {
  const facts = document.getElementById("talk-member-facts");
  facts.replaceChildren();
  document.getElementById("talk-member-name").textContent = member.name || member.display_name || T.noName;
  const link = document.getElementById("talk-member-link");
  link.hidden = !member.is_member;
  link.href = `#member/${encodeURIComponent(member.user_id)}`;
  if (!member.is_member) {
    fact(facts, T.facts.member_no, T.notMember);
    if (member.blocked) fact(facts, T.facts.flags, T.flags.blocked);
    document.getElementById("talk-memos").replaceChildren();
    return;
  }
  fact(facts, T.facts.member_no, member.member_no);
  fact(facts, T.facts.rank, member.rank || T.none);
  fact(facts, T.facts.points, T.points(member.points ?? 0));
  fact(facts, T.facts.last_visit, member.last_visit_on ? formatDate(member.last_visit_on) : T.none);
  fact(facts, T.facts.tags, member.tags?.length ? member.tags.join("、") : T.none);
  const flags = ["do_not_send", "complaint_hold", "blocked"].filter((flag) => member[flag]).map((flag) => T.flags[flag]);
  fact(facts, T.facts.flags, flags.length ? flags.join("、") : T.none);
  const memos = (member.memos || []).slice(0, 3).map((memo) => element("li", {}, memo.text));
  document.getElementById("talk-memos").replaceChildren(...memos);
}

function messageItem(message) {
  const item = element("li", { class: `bubble ${message.direction}` });
  if (message.kind === "image" && message.image_url) {
    item.append(element("img", { src: message.image_url, alt: T.imageAlt, class: "talk-image" }));
  } else if (message.text && message.kind !== "postback") {
    item.append(element("p", { class: "bubble-text" }, message.text));
  } else {
    item.append(element("p", { class: "bubble-text muted" }, T.kinds[message.kind] || T.kinds.other));
  }
  const meta = [T.when(message.at)];
  if (message.direction === "out" && message.sent_by_label) meta.push(T.sentBy(message.sent_by_label));
  item.append(element("p", { class: "bubble-meta" }, meta.join("・")));
  return item;
}

function renderConversation(view) {
  renderMember(view.member);
  const messages = view.messages.map(messageItem);
  const list = document.getElementById("talk-messages");
  list.replaceChildren(...(messages.length ? messages : [element("li", { class: "empty" }, T.noMessages)]));
  list.lastElementChild?.scrollIntoView?.({ block: "end" });
  document.getElementById("talk-handled").hidden = !view.conversation.needs_reply;
}

function showCost() {
  say("talk-cost", T.cost(state.quota?.remaining));
}

async function loadQuota() {
  if (state.quota !== undefined) return showCost();
  const result = await staffApi(`${API}/conversations/quota`);
  state.quota = result.ok ? result.payload.quota : null;
  showCost();
}

async function loadSavedReplies() {
  const result = await staffApi(`${API}/saved-replies`);
  state.saved = result.ok ? result.payload.saved_replies : [];
  const select = document.getElementById("talk-saved");
  select.replaceChildren(
    element("option", { value: "" }, T.savedNone),
    ...state.saved.map((reply) => element("option", { value: reply.saved_reply_id }, reply.title)),
  );
}

async function openConversation(userId) {
  state.userId = userId;
  state.replyId = requestId();
  say("talk-done", "");
  say("talk-problem", "");
  document.getElementById("talk-reply-text").value = "";
  const result = await staffApi(conversationPath(userId, "/open"), { method: "POST", patient: true });
  if (!result.ok) return say("talk-problem", staffProblemText(result, REPLY_REFUSALS));
  renderConversation(result.payload);
  await Promise.all([loadQuota(), loadSavedReplies()]);
}

async function sendReply() {
  say("talk-done", "");
  say("talk-problem", "");
  const text = document.getElementById("talk-reply-text").value.trim();
  if (!text) return say("talk-problem", T.emptyReply);
  const body = { reply_id: state.replyId, text };
  const result = await staffApi(conversationPath(state.userId, "/replies"), { method: "POST", body, patient: true });
  if (!result.ok) return say("talk-problem", staffProblemText(result, REPLY_REFUSALS));
  state.replyId = requestId(); // the next reply is a new one
  document.getElementById("talk-reply-text").value = "";
  if (state.quota?.remaining) state.quota.remaining -= result.payload.cost;
  say("talk-done", T.sent, "done");
  const opened = await staffApi(conversationPath(state.userId, "/open"), { method: "POST", patient: true });
  if (opened.ok) renderConversation(opened.payload);
  showCost();
}

async function markHandled() {
  const result = await staffApi(conversationPath(state.userId, "/handled"), { method: "POST" });
  if (!result.ok) return say("talk-problem", staffProblemText(result, REPLY_REFUSALS));
  document.getElementById("talk-handled").hidden = true;
  say("talk-done", T.handledDone, "done");
}

async function saveAsSavedReply() {
  const title = document.getElementById("talk-saved-title").value.trim();
  const text = document.getElementById("talk-reply-text").value.trim();
  if (!title || !text) return say("talk-problem", STAFF_TEXTS.invalid);
  const result = await staffApi(`${API}/saved-replies/${requestId().replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32)}`, {
    method: "PUT",
    body: { title, text },
  });
  if (!result.ok) return say("talk-problem", staffProblemText(result));
  document.getElementById("talk-saved-title").value = "";
  say("talk-done", T.savedSaved, "done");
  await loadSavedReplies();
}

async function loadAlerts() {
  const result = await staffApi(`${API}/conversation-alerts`);
  if (result.ok) document.getElementById("talk-alerts").checked = result.payload.new_message_alerts;
}

export function setUpInbox() {
  for (const button of document.querySelectorAll("#talk-filters button")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      for (const other of document.querySelectorAll("#talk-filters button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      loadList();
    });
  }
  const tagForm = document.getElementById("talk-tag-form");
  onSubmit(tagForm, async () => {
    state.tag = document.getElementById("talk-tag").value.trim().replace(/^[#＃]/u, "");
    await loadList();
  });
  onSubmit(document.getElementById("talk-reply-form"), sendReply, {
    busyText: T.sending,
    onError: () => say("talk-problem", STAFF_TEXTS.failed),
  });
  onSubmit(document.getElementById("talk-saved-form"), saveAsSavedReply, {
    onError: () => say("talk-problem", STAFF_TEXTS.failed),
  });
  document.getElementById("talk-handled").addEventListener("click", markHandled);
  document.getElementById("talk-saved").addEventListener("change", (event) => {
    const chosen = state.saved.find((reply) => reply.saved_reply_id === event.target.value);
    if (chosen) document.getElementById("talk-reply-text").value = chosen.text;
  });
  document.getElementById("talk-alerts").addEventListener("change", async (event) => {
    const wanted = event.target.checked;
    const result = await staffApi(`${API}/conversation-alerts`, { method: "PUT", body: { new_message_alerts: wanted } });
    if (result.ok) showStatus(wanted ? T.alertsOn : T.alertsOff);
    else {
      event.target.checked = !wanted;
      showStatus(staffProblemText(result));
    }
  });
}

export function openInbox(userId) {
  document.getElementById("talk-list-view").hidden = Boolean(userId);
  document.getElementById("talk-conversation").hidden = !userId;
  document.getElementById("autoreplies-link").hidden = !isOwner();
  if (userId) return openConversation(userId);
  loadAlerts();
  return loadList();
}
