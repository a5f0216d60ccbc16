// The owner's 自動応答 (#autoreplies, from the トーク tab): the rules in the order they answer, a form
// to add one, the out-of-hours reply and the messages' retention, and a test box that says which rule
// would answer a message (nothing is sent).
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { confirmAction } from "./confirm-dialog.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";
import { fillScenarioChoices } from "./staff-scenarios.js";

const T = STAFF_TEXTS.autoReplies;
const API = "/liff/api/staff";

function problemOf(result) {
  const codes = (result.payload?.errors || []).map((problem) => problem.code);
  const known = codes.map((code) => T.problems[code]).find(Boolean);
  return known || staffProblemText(result);
}

function ruleItem(rule) {
  const item = element("li", { class: "rule", "data-rule-id": rule.rule_id });
  item.append(
    element("p", { class: "rule-name" }, rule.name),
    element("p", { class: "rule-line" }, T.ruleLine(rule, T.matchKinds, T.answers)),
  );
  const remove = element("button", { type: "button", class: "secondary" }, T.remove);
  remove.setAttribute("aria-label", `${rule.name}を${T.remove}`);
  remove.addEventListener("click", async () => {
    if (!(await confirmAction(T.removeConfirm(rule.name)))) return;
    const result = await staffApi(`${API}/auto-replies/${encodeURIComponent(rule.rule_id)}`, { method: "DELETE" });
    if (!result.ok) return say("autoreplies-problem", staffProblemText(result));
    say("autoreplies-done", T.removed, "done");
    await load();
  });
  item.append(remove);
  return item;
}

function fillSettings(settings) {
  const hours = settings.out_of_hours;
  document.getElementById("ooh-enabled").checked = hours.enabled;
  document.getElementById("ooh-opens").value = hours.opens;
  document.getElementById("ooh-closes").value = hours.closes;
  document.getElementById("ooh-message").value = hours.message;
  for (const box of document.querySelectorAll("#ooh-days input")) {
    box.checked = hours.closed_weekdays.includes(Number(box.value));
  }
  document.getElementById("retention-days").value = String(settings.retention_days);
}

async function load() {
  const result = await staffApi(`${API}/auto-replies`);
  if (!result.ok) return say("autoreplies-problem", staffProblemText(result));
  const rules = result.payload.rules.map(ruleItem);
  document.getElementById("autoreplies-list").replaceChildren(...(rules.length ? rules : [element("li", { class: "empty" }, T.empty)]));
  fillSettings(result.payload.settings);
  const templates = await staffApi(`${API}/coupon-templates`);
  if (templates.ok) {
    document.getElementById("rule-template").replaceChildren(
      element("option", { value: "" }, ""),
      ...templates.payload.templates.map((t) => element("option", { value: t.template_id }, t.title)),
    );
  }
  await fillScenarioChoices(document.getElementById("rule-scenario"), T.noScenario);
}

function ruleFromForm() {
  const value = (id) => document.getElementById(id).value.trim();
  const answer = value("rule-answer");
  const keywords = value("rule-keywords").split(/[、,\n]+/u).map((word) => word.trim()).filter(Boolean);
  const rule = { name: value("rule-name"), match: value("rule-match"), keywords, priority: Number(value("rule-priority") || 100), answer };
  if (value("rule-text")) rule.text = value("rule-text");
  if (answer === "coupon") rule.template_id = value("rule-template") || null;
  if (answer === "liff_link") {
    rule.liff_page = value("rule-page");
    rule.button_label = value("rule-button") || null;
  }
  if (value("rule-tag")) rule.add_tag = value("rule-tag").replace(/^[#＃]/u, "");
  if (value("rule-scenario")) rule.scenario_id = value("rule-scenario");
  return rule;
}

async function addRule() {
  say("autoreplies-done", "");
  say("autoreplies-problem", "");
  const ruleId = requestId().replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32);
  const result = await staffApi(`${API}/auto-replies/${ruleId}`, { method: "PUT", body: ruleFromForm() });
  if (!result.ok) return say("autoreplies-problem", problemOf(result));
  document.getElementById("rule-form").reset();
  say("autoreplies-done", T.saved, "done");
  await load();
}

async function saveSettings() {
  say("autoreplies-done", "");
  say("autoreplies-problem", "");
  const body = {
    out_of_hours: {
      enabled: document.getElementById("ooh-enabled").checked,
      opens: document.getElementById("ooh-opens").value,
      closes: document.getElementById("ooh-closes").value,
      closed_weekdays: [...document.querySelectorAll("#ooh-days input:checked")].map((box) => Number(box.value)),
      message: document.getElementById("ooh-message").value.trim(),
    },
    retention_days: Number(document.getElementById("retention-days").value),
  };
  const result = await staffApi(`${API}/auto-reply-settings`, { method: "PUT", body });
  if (!result.ok) return say("autoreplies-problem", problemOf(result));
  say("autoreplies-done", STAFF_TEXTS.saved, "done");
}

async function testMatch() {
  const text = document.getElementById("rule-test-text").value;
  if (!text.trim()) return;
  const result = await staffApi(`${API}/auto-replies/test`, { method: "POST", body: { text }, patient: true });
  if (!result.ok) return say("rule-test-result", problemOf(result));
  say("rule-test-result", result.payload.rule ? T.testMatched(result.payload.rule.name) : T.testNone);
}

const RETENTION_CHOICES = [30, 90, 180, 365];

export function setUpAutoReplies() {
  document.getElementById("retention-days").replaceChildren(
    ...RETENTION_CHOICES.map((days) => element("option", { value: String(days) }, T.retentionDays(days))),
  );
  const days = document.getElementById("ooh-days");
  days.replaceChildren(
    ...T.weekdays.map((day, index) => {
      const label = element("label", { class: "check inline" });
      label.append(element("input", { type: "checkbox", value: String(index) }), element("span", {}, day));
      return label;
    }),
  );
  const onError = () => say("autoreplies-problem", STAFF_TEXTS.failed);
  onSubmit(document.getElementById("rule-form"), addRule, { busyText: STAFF_TEXTS.saving, onError });
  onSubmit(document.getElementById("ooh-form"), saveSettings, { busyText: STAFF_TEXTS.saving, onError });
  onSubmit(document.getElementById("rule-test-form"), testMatch, { onError });
}

export function openAutoReplies() {
  document.getElementById("autoreplies-owner-only").hidden = isOwner();
  document.getElementById("autoreplies-owner").hidden = !isOwner();
  if (isOwner()) return load();
  return null;
}
