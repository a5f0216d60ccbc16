// The composer's segment: the form becomes a Segment (layers/shared/daifuku/domain/segments.py),
// and every change asks the server for the live recipient count and quota cost — debounced, and
// an answer to an older form is dropped, so the count on screen is always the current form's.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { staffApi, wordsOf } from "./staff-session.js";

const T = STAFF_TEXTS.campaign;
const DEBOUNCE_MS = 400;
const state = { timer: null, asked: 0, estimate: null, segmentKey: "" };

function options(select, entries) {
  select.replaceChildren(...entries.map(([value, label]) => element("option", { value }, label)));
}

async function storeChoices() {
  const form = await staffApi("/liff/api/registration-form", { authenticated: false });
  const store = form.ok ? form.payload.fields.find((field) => field.name === "store_id") : null;
  return store?.choices?.map((choice) => [choice.value, choice.label || choice.value]) ?? [];
}

/** The Segment the form describes; only the criteria filled in. */
export function segmentOfForm() {
  const form = document.getElementById("composer").elements;
  const segment = {};
  if (form.birth_month.value) segment.birth_month = Number(form.birth_month.value);
  const tags = wordsOf(form.tags_any.value);
  if (tags.length) segment.tags_any = tags;
  if (form.store_id.value) segment.store_id = form.store_id.value;
  if (form.registered.value) segment.registered = form.registered.value === "yes";
  const ranks = wordsOf(form.ranks.value);
  if (ranks.length) segment.ranks = ranks;
  const days = Number(form.no_visit_for_days.value);
  if (Number.isInteger(days) && days >= 1) segment.no_visit_for_days = days;
  if (form.last_visit_after.value) segment.last_visit_after = form.last_visit_after.value;
  return segment;
}

function showEstimate(estimate) {
  const output = document.getElementById("estimate");
  output.setAttribute("aria-busy", "false");
  output.replaceChildren();
  output.dataset.recipients = estimate ? String(estimate.recipients) : "";
  if (!estimate) return;
  output.append(element("strong", { class: "estimate-count" }, T.estimate(estimate)));
  output.append(element("span", {}, T.quotaLeft(estimate.quota_remaining)));
  const skipped = T.skipped(estimate.skipped_by_flag);
  if (skipped) output.append(element("span", {}, skipped));
  if (!estimate.within_quota) output.append(element("span", { class: "problem" }, T.overQuota));
}

async function askForEstimate() {
  const segment = segmentOfForm();
  const asked = ++state.asked;
  const result = await staffApi("/liff/api/staff/segments/estimate", { method: "POST", body: { segment }, patient: true });
  if (asked !== state.asked) return; // the form changed while this was on its way
  state.estimate = result.ok ? result.payload : null;
  state.segmentKey = JSON.stringify(segment);
  if (result.ok) showEstimate(result.payload);
  else {
    showEstimate(null);
    document.getElementById("estimate").textContent = T.estimateFailed;
  }
}

/** The estimate of the form as it is now, asking again if the form changed since the last answer. */
export async function currentEstimate() {
  clearTimeout(state.timer);
  if (!state.estimate || state.segmentKey !== JSON.stringify(segmentOfForm())) await askForEstimate();
  else showEstimate(state.estimate);
  return state.estimate;
}

function estimateSoon() {
  clearTimeout(state.timer);
  state.asked += 1; // whatever is on its way now answers an older form
  // The last count stays on screen, marked busy, until the new one arrives: no text jumping about.
  const output = document.getElementById("estimate");
  output.dataset.recipients = "";
  output.setAttribute("aria-busy", "true");
  if (!output.textContent) output.textContent = T.counting;
  state.timer = setTimeout(() => askForEstimate().catch(() => (output.textContent = T.estimateFailed)), DEBOUNCE_MS);
}

export async function setUpSegment() {
  const form = document.getElementById("composer");
  options(form.elements.birth_month, [["", T.anyOption], ...Array.from({ length: 12 }, (_, i) => [String(i + 1), T.month(i + 1)])]);
  options(form.elements.registered, Object.entries(T.registeredOptions).map(([value, label]) => [value === "any" ? "" : value, label]));
  options(form.elements.store_id, [["", T.anyOption], ...(await storeChoices())]);
  const segmentFields = document.getElementById("segment");
  segmentFields.addEventListener("input", estimateSoon); // selects and dates fire it too
  estimateSoon();
}
