// The owner's シナリオ tab: the shop's scenarios with their results; a scenario's editor as a vertical
// timeline of steps (each with its delay, its time of day and its text, previewed as the LINE chat),
// saved with the version it was opened at (a save from another phone meanwhile is refused and said);
// a test send to oneself; pause, resume and stop. The scenario_id is made here, so a retried create
// makes one scenario.
import { STAFF_TEXTS, STEP_MEASURE_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { confirmAction } from "./confirm-dialog.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";
import { openSendRules, setUpSendRules } from "./staff-send-rules.js";

const T = STAFF_TEXTS.scenarios;
const API = "/liff/api/staff/scenarios";
const MAX_STEPS = 20;
const state = { scenario: null, templates: [] };

/** A step's actions once it is sent: a coupon from the shop's templates, a rich menu to switch to. */
function stepActions(step, id) {
  const couponLabel = element("label", { for: `coupon-${id}` }, T.stepCoupon);
  const coupon = element("select", { id: `coupon-${id}`, name: "coupon" });
  coupon.append(element("option", { value: "" }, T.noStepCoupon));
  for (const template of state.templates) coupon.append(element("option", { value: template.template_id }, template.title));
  coupon.value = step?.coupon_template_id || "";
  const menuLabel = element("label", { for: `menu-${id}` }, T.stepRichMenu);
  const menu = element("select", { id: `menu-${id}`, name: "rich_menu" });
  menu.append(element("option", { value: "" }, T.noRichMenu));
  for (const [value, label] of Object.entries(T.richMenus)) menu.append(element("option", { value }, label));
  menu.value = step?.rich_menu || "";
  return [couponLabel, coupon, menuLabel, menu];
}

function stepEditor(step = null) {
  const item = element("li", { class: "timeline-step" });
  const id = requestId().slice(0, 8);
  item.dataset.stepId = step?.step_id || `st${id}`;
  item.savedStep = step; // what the form does not show (tags, a condition, other messages) is kept on save
  const heading = element("h4", { class: "step-heading" });
  const delayRow = element("div", { class: "step-delay" });
  const amountLabel = element("label", { for: `amount-${id}` }, T.delay);
  const amount = element("input", { id: `amount-${id}`, name: "amount", type: "number", min: "0", max: "525600", inputmode: "numeric", value: String(step?.delay.amount ?? 1) });
  const unit = element("select", { id: `unit-${id}`, name: "unit", "aria-label": T.unitLabel });
  for (const [value, label] of Object.entries(T.units)) unit.append(element("option", { value }, label));
  unit.value = step?.delay.unit || "days";
  const atLabel = element("label", { for: `at-${id}` }, T.at);
  const at = element("input", { id: `at-${id}`, name: "at", type: "time", value: step?.delay.at || "" });
  delayRow.append(amountLabel, amount, unit, atLabel, at);
  const textLabel = element("label", { for: `text-${id}` }, T.text);
  const text = element("textarea", { id: `text-${id}`, name: "text", rows: "3", maxlength: "5000" });
  text.value = step?.messages?.find((m) => m.type === "text")?.text || "";
  const bubble = element("p", { class: "bubble", "aria-live": "polite" });
  const counts = element("p", { class: "step-results" });
  const remove = element("button", { type: "button", class: "remove-step" }, T.removeStep);
  const draw = () => {
    bubble.textContent = text.value.replaceAll("{name}", T.previewName).replaceAll("{member_no}", T.previewMemberNo);
  };
  text.addEventListener("input", draw);
  remove.addEventListener("click", () => {
    item.remove();
    numberSteps();
  });
  item.append(heading, delayRow, textLabel, text, element("p", { class: "hint" }, T.previewLabel), bubble, ...stepActions(step, id), counts, remove);
  draw();
  return item;
}

function steps() {
  return [...document.querySelectorAll("#scenario-steps .timeline-step")];
}

function numberSteps() {
  const all = steps();
  all.forEach((item, index) => {
    item.querySelector(".step-heading").textContent = T.stepLabel(index + 1, index === 0);
    item.querySelector(".remove-step").hidden = all.length === 1;
  });
  document.getElementById("scenario-add-step").hidden = all.length >= MAX_STEPS;
}

// A saved step's fields the editor does not show (its tags, condition, end), kept as they are.
function unshownOf(step) {
  if (!step) return {};
  const { delay, messages, coupon_template_id, rich_menu, ...unshown } = step;
  return unshown;
}

// The editor shows the step's first text message; its other messages (an image, a Flex) stay as saved.
function messagesOf(item) {
  const text = { type: "text", text: item.querySelector("[name=text]").value };
  const saved = item.savedStep?.messages || [];
  const first = saved.findIndex((m) => m.type === "text");
  if (first < 0) return [text, ...saved].slice(0, 5);
  return saved.map((m, i) => (i === first ? text : m));
}

function definitionOfForm() {
  const form = document.getElementById("scenario-form");
  const kind = form.elements.trigger.value;
  const tag = form.elements.trigger_tag.value.trim();
  const stopTag = form.elements.stop_tag.value.trim();
  return {
    name: form.elements.name.value.trim(),
    trigger: { kind, every_time: form.elements.every_time.checked, ...(kind === "tag_added" && tag ? { tag } : {}) },
    steps: steps().map((item) => ({
      ...unshownOf(item.savedStep),
      step_id: item.dataset.stepId,
      delay: {
        amount: Number(item.querySelector("[name=amount]").value || 0),
        unit: item.querySelector("[name=unit]").value,
        after: item.savedStep?.delay.after || "previous",
        ...(item.querySelector("[name=at]").value ? { at: item.querySelector("[name=at]").value } : {}),
      },
      messages: messagesOf(item),
      ...(item.querySelector("[name=coupon]").value ? { coupon_template_id: item.querySelector("[name=coupon]").value } : {}),
      ...(item.querySelector("[name=rich_menu]").value ? { rich_menu: item.querySelector("[name=rich_menu]").value } : {}),
    })),
    stop: { visited: form.elements.stop_visited.checked, registered: form.elements.stop_registered.checked, ...(stopTag ? { tag: stopTag } : {}) },
  };
}

function fillForm(scenario) {
  const form = document.getElementById("scenario-form");
  form.elements.name.value = scenario?.name || "";
  form.elements.trigger.value = scenario?.trigger.kind || "friend_added";
  form.elements.every_time.checked = Boolean(scenario?.trigger.every_time);
  form.elements.trigger_tag.value = scenario?.trigger.tag || "";
  form.elements.stop_visited.checked = Boolean(scenario?.stop.visited);
  form.elements.stop_registered.checked = Boolean(scenario?.stop.registered);
  form.elements.stop_tag.value = scenario?.stop.tag || "";
  const list = document.getElementById("scenario-steps");
  list.replaceChildren(...(scenario?.steps || [null]).map((step) => stepEditor(step)));
  numberSteps();
  showResults(scenario?.results);
  const live = Boolean(scenario);
  document.getElementById("scenario-actions").hidden = !live;
  document.getElementById("scenario-status").textContent = live ? T.statuses[scenario.status] : T.newScenario;
  document.getElementById("scenario-pause").hidden = !live || scenario.status !== "active";
  document.getElementById("scenario-resume").hidden = !live || scenario.status !== "paused";
  document.getElementById("scenario-stop").hidden = !live || scenario.status === "stopped";
}

function showResults(results) {
  const totals = document.getElementById("scenario-totals");
  totals.textContent = results ? T.totals(results.totals) : "";
  for (const item of steps()) {
    const step = results?.steps.find((s) => s.step_id === item.dataset.stepId);
    item.querySelector(".step-results").textContent = step ? `${T.stepResults(step)}・${STEP_MEASURE_TEXTS.line(step)}` : "";
  }
}

// What an edit sends back unchanged: the rules the tab does not show (re-entry, exclusive group, pause limit).
function unshownScenario(scenario) {
  const { reentry, exclusive_group, pause_skip_after_hours } = scenario;
  return { reentry, pause_skip_after_hours, ...(exclusive_group ? { exclusive_group } : {}) };
}

async function save() {
  say("scenario-problem", "");
  say("scenario-done", "");
  const definition = definitionOfForm();
  if (!definition.name) return say("scenario-problem", T.problems.nameRequired);
  if (definition.steps.some((s) => !s.messages.find((m) => m.type === "text").text.trim())) return say("scenario-problem", T.problems.textRequired);
  const existing = state.scenario;
  const result = existing
    ? await staffApi(`${API}/${existing.scenario_id}`, {
      method: "PUT",
      body: { ...unshownScenario(existing), ...definition, version: existing.version },
    })
    : await staffApi(API, { method: "POST", body: { ...definition, scenario_id: `s${requestId().slice(0, 12)}` } });
  if (!result.ok) return say("scenario-problem", staffProblemText(result, { scenario_edit_conflict: T.problems.conflict, invalid_scenario: T.problems.invalid }));
  await openScenario(result.payload.scenario_id);
  say("scenario-done", T.saved, "done");
}

async function act(path, { confirm = null, done }) {
  say("scenario-problem", "");
  say("scenario-done", "");
  if (confirm && !(await confirmAction(confirm))) return;
  const result = await staffApi(`${API}/${state.scenario.scenario_id}/${path}`, { method: "POST" });
  if (!result.ok) return say("scenario-problem", staffProblemText(result));
  await openScenario(state.scenario.scenario_id);
  say("scenario-done", done, "done");
}

async function openScenario(scenarioId) {
  const result = await staffApi(`${API}/${encodeURIComponent(scenarioId)}`);
  if (!result.ok) return say("scenario-problem", staffProblemText(result));
  state.scenario = result.payload;
  fillForm(state.scenario);
  document.getElementById("scenario-editor").hidden = false;
}

async function listScenarios() {
  const list = document.getElementById("scenario-list");
  const result = await staffApi(API);
  if (!result.ok) return say("scenario-problem", staffProblemText(result));
  list.replaceChildren(
    ...result.payload.scenarios.map((s) => {
      const open = element("button", { type: "button", class: "link-button" }, `${s.name}（${T.statuses[s.status]}）`);
      open.addEventListener("click", () => openScenario(s.scenario_id));
      const item = element("li");
      item.append(open, element("span", { class: "hint" }, T.totals(s.results)));
      return item;
    }),
  );
  document.getElementById("scenario-empty").hidden = result.payload.scenarios.length > 0;
}

/** The choices of another screen's "start a scenario" action: the scenarios an action can start
 * (the manual trigger, not stopped), after an option that starts none. */
export async function fillScenarioChoices(select, noneLabel) {
  const result = await staffApi(API);
  const scenarios = result.ok ? result.payload.scenarios : [];
  select.replaceChildren(
    element("option", { value: "" }, noneLabel),
    ...scenarios
      .filter((s) => s.trigger.kind === "manual" && s.status !== "stopped")
      .map((s) => element("option", { value: s.scenario_id }, s.name)),
  );
}

export function setUpScenarios() {
  setUpSendRules();
  const form = document.getElementById("scenario-form");
  const trigger = form.elements.trigger;
  for (const [value, label] of Object.entries(T.triggers)) trigger.append(element("option", { value }, label));
  onSubmit(form, save, { busyText: STAFF_TEXTS.saving, onError: () => say("scenario-problem", STAFF_TEXTS.failed) });
  document.getElementById("scenario-add-step").addEventListener("click", () => {
    document.getElementById("scenario-steps").append(stepEditor());
    numberSteps();
  });
  document.getElementById("scenario-new").addEventListener("click", () => {
    state.scenario = null;
    fillForm(null);
    document.getElementById("scenario-editor").hidden = false;
  });
  document.getElementById("scenario-test-send").addEventListener("click", () => act("test-send", { done: T.testSent }));
  document.getElementById("scenario-pause").addEventListener("click", () => act("pause", { done: T.paused }));
  document.getElementById("scenario-resume").addEventListener("click", () => act("resume", { done: T.resumed }));
  document.getElementById("scenario-stop").addEventListener("click", () =>
    act("stop", { done: T.stopped, confirm: { title: T.stopTitle, lines: [T.stopBody], yes: T.stopYes, no: T.stopNo, danger: true } }),
  );
}

export function openScenarios() {
  document.getElementById("scenarios-owner-only").hidden = isOwner();
  document.getElementById("scenarios-body").hidden = !isOwner();
  if (!isOwner()) return;
  staffApi("/liff/api/staff/coupon-templates").then((result) => {
    state.templates = result.ok ? result.payload.templates : [];
  });
  listScenarios();
  openSendRules();
}
