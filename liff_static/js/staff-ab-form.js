// The composer's A/B test (owners): each message editor becomes one variant (2–4), split evenly, by
// given shares (adding up to 100), or tried on a test group first with the winner, by click or visit
// rate, sent to the rest after a wait. The same checks as the server's, shown beside each field; a
// 422 the server still gives is shown beside the field it names.
import { AB_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { showFieldProblem } from "./form-submission.js";

const T = AB_TEXTS;
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 4;
const MIN_PER_VARIANT = 5; // as domain/ab_tests.py: fewer recipients per variant cannot be judged
const FIELDS = ["ab-shares", "ab-test-percent", "ab-wait-hours", "ab-winner-by"];

/** Whether the composer is composing an A/B test. */
export function abOn() {
  return document.getElementById("ab-on").checked;
}

function split() {
  return document.getElementById("composer").elements.ab_split.value;
}

function shareInputs() {
  return [...document.querySelectorAll("#ab-shares input")];
}

function showSharesTotal() {
  const total = shareInputs().reduce((sum, input) => sum + (Number(input.value) || 0), 0);
  document.getElementById("ab-shares-total").textContent = T.sharesTotal(total);
}

/** One share input per variant (their values kept), an even split to start with. */
export function syncShares(count) {
  const box = document.getElementById("ab-shares");
  const old = shareInputs().map((input) => input.value);
  box.replaceChildren();
  for (let n = 0; n < count; n += 1) {
    const id = `ab-share-${n}`;
    const even = Math.floor(100 / count) + (n < 100 % count ? 1 : 0);
    const input = element("input", {
      id,
      name: "ab_share",
      type: "number",
      min: "1",
      max: "99",
      inputmode: "numeric",
      value: old.length === count ? old[n] : String(even),
    });
    box.append(element("label", { for: id, class: "ab-share" }, T.shareOf(n)), input);
  }
  showSharesTotal();
}

function showSettings() {
  document.getElementById("ab-settings").hidden = !abOn();
  document.getElementById("ab-shares-field").hidden = split() !== "shares";
  document.getElementById("ab-winner-fields").hidden = split() !== "winner";
}

function clearProblems() {
  document.getElementById("ab-variants-error").textContent = "";
  for (const id of FIELDS) showFieldProblem(id, "");
}

/** Back to a plain campaign (a new campaign). */
export function resetAbForm() {
  document.getElementById("ab-on").checked = false;
  clearProblems();
  showSettings();
}

function wholeNumber(value, low, high) {
  const number = Number(value);
  return value !== "" && Number.isInteger(number) && number >= low && number <= high ? number : null;
}

/**
 * The request's `ab` for the variants `messages` (one message each), or null with the problems shown.
 * `trackLinks` is whether the links are tracked; `recipients` the segment's live count.
 */
export function abOfForm(messages, trackLinks, recipients) {
  clearProblems();
  const say = (text) => (document.getElementById("ab-variants-error").textContent = text);
  if (messages.length < MIN_VARIANTS || messages.length > MAX_VARIANTS) return say(T.problems.variants), null;
  const ab = { variants: messages.map((message) => [message]) };
  let shares = null;
  let testPercent = 100;
  if (split() === "shares") {
    shares = shareInputs().map((input) => wholeNumber(input.value.trim(), 1, 99));
    const adds = shares.every((share) => share !== null) && shares.reduce((a, b) => a + b, 0) === 100;
    if (!showFieldProblem("ab-shares", adds ? "" : T.problems.shares_must_add_up)) return null;
    ab.shares = shares;
  }
  if (split() === "winner") {
    const form = document.getElementById("composer").elements;
    testPercent = wholeNumber(form.ab_test_percent.value.trim(), 5, 50);
    const waitHours = wholeNumber(form.ab_wait_hours.value.trim(), 1, 168);
    const byClick = form.ab_winner_by.value === "click";
    const checks = [
      showFieldProblem("ab-test-percent", testPercent === null ? T.problems.test_percent : ""),
      showFieldProblem("ab-wait-hours", waitHours === null ? T.problems.wait_hours : ""),
      showFieldProblem("ab-winner-by", byClick && !trackLinks ? T.problems.click_needs_track_links : ""),
    ];
    if (!checks.every(Boolean)) return null;
    Object.assign(ab, { mode: "winner", test_percent: testPercent, wait_hours: waitHours, winner_by: form.ab_winner_by.value });
  } else {
    // A split judges by clicks when links are tracked, else by visits.
    Object.assign(ab, { mode: "split", winner_by: trackLinks ? "click" : "visit" });
  }
  // The fewest any variant would get (a stable hash, so about this many).
  const smallest = Math.min(...(shares || messages.map(() => 100 / messages.length)));
  const perVariant = Math.floor((recipients * testPercent * smallest) / 10000);
  if (perVariant < MIN_PER_VARIANT) return say(T.problems.tooFew(perVariant)), null;
  return ab;
}

/** The confirmation's line saying how the variants go out. */
export function abConfirmLine(ab) {
  if (ab.mode !== "winner") return T.confirmSplit(ab.variants.length);
  return T.confirmWinner(ab.variants.length, ab.test_percent, ab.wait_hours, T.winnerByOptions[ab.winner_by]);
}

/**
 * The server's 422 shown beside the A/B fields it names (`ab.shares`, `ab.variants.1.0.text…`);
 * `showVariantProblem(index, text)` shows one under a variant's editor. True when any was shown.
 */
export function showAbProblems(result, showVariantProblem) {
  const errors = result.status === 422 ? result.payload?.errors || [] : [];
  let shown = false;
  for (const { field, code } of errors) {
    const parts = String(field).split(".");
    if (code === "click_needs_track_links") showFieldProblem("ab-winner-by", T.problems.click_needs_track_links);
    else if (parts[0] !== "ab") continue;
    else if (parts[1] === "shares") showFieldProblem("ab-shares", T.problems.shares_must_add_up);
    else if (parts[1] === "test_percent") showFieldProblem("ab-test-percent", T.problems.test_percent);
    else if (parts[1] === "wait_hours") showFieldProblem("ab-wait-hours", T.problems.wait_hours);
    else if (parts[1] === "winner_by") showFieldProblem("ab-winner-by", T.problems.click_needs_track_links);
    else if (parts[1] === "variants" && parts.length > 2) showVariantProblem(Number(parts[2]), T.problems.variant);
    else document.getElementById("ab-variants-error").textContent = T.problems.variants;
    shown = true;
  }
  return shown;
}

/** Fill the texts and wire the switches; `onToggle()` runs when the A/B test is turned on or off. */
export function setUpAbForm(onToggle) {
  for (const node of document.querySelectorAll("[data-ab-text]")) node.textContent = T[node.dataset.abText];
  const winnerBy = document.getElementById("ab-winner-by");
  for (const [value, label] of Object.entries(T.winnerByOptions)) winnerBy.append(element("option", { value }, label));
  document.getElementById("ab-on").addEventListener("change", () => {
    clearProblems();
    showSettings();
    onToggle();
  });
  for (const radio of document.getElementById("composer").elements.ab_split) radio.addEventListener("change", showSettings);
  document.getElementById("ab-shares").addEventListener("input", showSharesTotal);
  showSettings();
}
