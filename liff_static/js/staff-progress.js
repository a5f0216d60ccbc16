// A campaign after it was sent: a progress bar of sent, failed and skipped (polling GET
// /staff/campaigns/<id>) up to 100%, then the result, with the blocks attributed to the campaign.
// A campaign scheduled for later is not polled: its screen says when it will start. Until sending
// begins (draft or planned), a countdown to the start and 「送信を取り消す」 are shown; the server's
// conditional move decides a cancel that races the planner (409 once sending has begun).
import { ROUTE_TEXTS, STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { funnelList, loadFunnel } from "./staff-funnel.js";
import { showAbResults } from "./staff-ab-results.js";
import { staffApi } from "./staff-session.js";
import { confirmAction } from "./confirm-dialog.js";
import { say, staffProblemText } from "./status.js";

const T = STAFF_TEXTS.progress;
const POLL_MS = 1500;
const FINISHED = new Set(["done", "failed", "cancelled", "paused"]);
const POLL_IF_STARTING_WITHIN_MS = 3 * 60 * 1000;
const CANCELLABLE = new Set(["draft", "planned"]);
const state = { campaignId: null, timer: null, sendAt: null, ticker: null, ab: false };

/** 「開始まで あと 1分05秒」, once a second, while the campaign waits for its start. */
function tick() {
  const countdown = document.getElementById("progress-countdown");
  if (!state.sendAt) {
    countdown.hidden = true;
    return;
  }
  const seconds = Math.max(0, Math.ceil((new Date(state.sendAt) - Date.now()) / 1000));
  countdown.textContent = seconds > 0 ? T.countdown(seconds) : T.startingNow;
  countdown.hidden = false;
}

function followStart(progress) {
  const waiting = CANCELLABLE.has(progress.status);
  state.sendAt = waiting && progress.send_at ? progress.send_at : null;
  document.getElementById("progress-cancel").hidden = !waiting;
  clearInterval(state.ticker);
  state.ticker = state.sendAt ? setInterval(tick, 1000) : null;
  tick();
}

async function cancelCampaign() {
  const campaignId = state.campaignId;
  if (!campaignId) return;
  say("progress-message", "");
  const sure = await confirmAction({ title: T.cancelTitle, lines: [T.cancelBody], yes: T.cancelYes, no: T.cancelNo });
  if (!sure || campaignId !== state.campaignId) return;
  const button = document.getElementById("progress-cancel");
  button.disabled = true;
  const result = await staffApi(`/liff/api/staff/campaigns/${encodeURIComponent(campaignId)}/cancel`, { method: "POST" });
  button.disabled = false;
  if (result.ok) {
    say("progress-message", T.cancelled);
  } else {
    say("progress-message", staffProblemText(result, { invalid_transition: T.tooLateToCancel }));
  }
  clearTimeout(state.timer);
  state.timer = null;
  poll();
}

function screenShown() {
  return !document.getElementById("screen-campaign").hidden;
}

function showResult(progress) {
  const facts = document.getElementById("result-facts");
  facts.replaceChildren();
  const rows = [
    [T.planned, STAFF_TEXTS.count(progress.planned), "planned"],
    [T.sent, STAFF_TEXTS.count(progress.sent), "sent"],
    [T.failed, STAFF_TEXTS.count(progress.failed), "failed"],
    [T.skipped, STAFF_TEXTS.count(progress.skipped_by_flag), "skipped"],
    [T.blocks, STAFF_TEXTS.count(progress.blocks_within_7_days), "blocks"],
  ];
  for (const [term, value, key] of rows) facts.append(element("dt", {}, term), element("dd", { "data-result": key }, value));
  document.getElementById("result").hidden = false;
  showFunnel(progress.campaign_id);
  if (state.ab) {
    const result = document.getElementById("result");
    showAbResults(progress.campaign_id, result, () => showFunnel(progress.campaign_id));
  }
}

async function showFunnel(campaignId) {
  const funnel = await loadFunnel(campaignId);
  const result = document.getElementById("result");
  const old = result.querySelector(".funnel-block");
  if (!funnel) return old?.remove();
  const block = element("div", { class: "funnel-block" });
  block.append(element("h4", {}, ROUTE_TEXTS.funnel.heading), funnelList(funnel));
  if (old) old.replaceWith(block); // read again in its place (an A/B test's 「結果を更新」)
  else result.append(block);
}

function draw(progress) {
  const percent = progress.percent_done;
  const bar = document.getElementById("progress-bar");
  bar.setAttribute("aria-valuenow", String(percent));
  bar.querySelector(".bar-fill").style.width = `${percent}%`;
  document.getElementById("progress-percent").textContent = `${percent}%`;
  document.getElementById("progress-name").textContent = progress.name;
  document.getElementById("progress-counts").textContent = T.counts(progress);
  const waiting = progress.status === "draft" && progress.send_at;
  const startsLater = waiting && new Date(progress.send_at) - Date.now() > POLL_IF_STARTING_WITHIN_MS;
  const statusText = startsLater ? T.scheduled(progress.send_at) : T.status[progress.status] || progress.status;
  // The stored reason is the operator's (English, in the logs); the owner reads the status in Japanese.
  document.getElementById("progress-status").textContent = statusText;
  document.getElementById("progress-refresh").hidden = !startsLater;
  followStart(progress);
  if (FINISHED.has(progress.status)) showResult(progress);
  return !FINISHED.has(progress.status) && !startsLater;
}

async function poll() {
  state.timer = null;
  if (!state.campaignId || !screenShown()) return;
  const result = await staffApi(`/liff/api/staff/campaigns/${encodeURIComponent(state.campaignId)}`);
  const keepGoing = result.ok ? draw(result.payload) : true;
  if (keepGoing && !state.timer) state.timer = setTimeout(poll, POLL_MS);
}

/** Show the campaign's progress screen and follow it until it finishes (`ab`: an A/B test's). */
export function followCampaign(campaignId, name, { ab = false } = {}) {
  state.campaignId = campaignId;
  state.ab = ab;
  say("progress-message", "");
  document.getElementById("result").hidden = true;
  document.getElementById("progress-name").textContent = name;
  document.getElementById("progress").hidden = false;
  draw({ name, status: "draft", percent_done: 0, sent: 0, failed: 0, skipped_by_flag: 0 });
  poll();
}

/** Back on the #campaign screen while a campaign is followed: go on following it. */
export function resumeFollowing() {
  if (!state.campaignId || document.getElementById("progress").hidden) return false;
  if (!state.timer) poll();
  return true;
}

export function setUpProgress() {
  document.getElementById("progress-refresh").addEventListener("click", poll);
  document.getElementById("progress-cancel").addEventListener("click", cancelCampaign);
  document.getElementById("new-campaign").addEventListener("click", () => {
    state.campaignId = null;
    clearTimeout(state.timer);
    state.timer = null;
    followStart({ status: "new" });
  });
}
