// 設定 → 連携 (#connect, the owner's): the webhook forwarding to another LINE tool (with the silent
// switch), and the outgoing-event endpoints: added with the events they get and whether personal
// fields go too; the signing secret is shown once, right after adding; each endpoint's delivery log.
import { CONNECT_TEXTS as T, STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit } from "./form-submission.js";
import { confirmAction } from "./confirm-dialog.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const CONNECT = "/liff/api/staff/connect";
const MEANINGS = { too_many_endpoints: T.tooMany };

function problem(result) {
  say("connect-message", "");
  const code = result.payload?.errors?.find((e) => e.field === "url")?.code;
  say("connect-problem", T.urlProblems[code] || staffProblemText(result, MEANINGS));
}

function done(text) {
  say("connect-problem", "");
  say("connect-message", text);
}

function checkField(id, label, checked, hint = "") {
  const box = element("div", { class: "field" });
  const check = element("label", { class: "check", for: id });
  const input = element("input", { type: "checkbox", id });
  input.checked = Boolean(checked);
  check.append(input, document.createTextNode(label));
  box.append(check);
  if (hint) box.append(element("p", { class: "hint" }, hint));
  return box;
}

function textField(id, label, value = "", hint = "") {
  const box = element("div", { class: "field" });
  box.append(element("label", { for: id }, label));
  if (hint) box.append(element("p", { class: "hint" }, hint));
  const input = element("input", { type: id.endsWith("url") ? "url" : "text", id, autocomplete: "off" });
  input.value = value ?? "";
  box.append(input);
  return box;
}

function forwardingForm(forwarding) {
  const form = element("form", { id: "forwarding-form", class: "sub-form", novalidate: "" });
  const fields = element("fieldset");
  fields.append(
    element("legend", {}, T.forwardingHeading),
    element("p", { class: "hint" }, T.forwardingIntro),
    textField("forwarding-url", T.forwardingUrl, forwarding.url, T.forwardingUrlHint),
    checkField("forwarding-silent", T.silent, forwarding.silent, T.silentHint),
    element("button", { type: "submit", class: "primary" }, T.saveForwarding),
  );
  form.append(fields, element("ul", { id: "forwarding-log", class: "plain-list connect-log" }));
  onSubmit(form, async () => {
    const url = document.getElementById("forwarding-url").value.trim();
    const silent = document.getElementById("forwarding-silent").checked;
    const result = await staffApi(`${CONNECT}/forwarding`, { method: "PUT", body: { url: url || null, silent } });
    if (!result.ok) return problem(result);
    done(T.forwardingSaved(Boolean(result.payload.url), result.payload.silent));
  }, { onError: () => say("connect-problem", STAFF_TEXTS.failed) });
  return form;
}

function endpointForm(eventTypes) {
  const form = element("form", { id: "endpoint-form", class: "sub-form", novalidate: "" });
  const fields = element("fieldset");
  const events = element("fieldset", { class: "connect-events" });
  events.append(element("legend", {}, T.events));
  for (const type of eventTypes) {
    events.append(checkField(`endpoint-event-${type.replace(".", "-")}`, T.eventNames[type] || type, true));
  }
  fields.append(
    element("legend", {}, T.addHeading),
    textField("endpoint-name", T.name),
    textField("endpoint-url", T.url),
    events,
    checkField("endpoint-personal", T.includePersonal, false, T.includePersonalHint),
    element("button", { type: "submit", class: "primary" }, T.add),
  );
  form.append(fields);
  onSubmit(form, async () => {
    const chosen = eventTypes.filter((type) => document.getElementById(`endpoint-event-${type.replace(".", "-")}`).checked);
    if (!chosen.length) return say("connect-problem", T.chooseEvents);
    const body = {
      name: document.getElementById("endpoint-name").value.trim(),
      url: document.getElementById("endpoint-url").value.trim(),
      events: chosen,
      include_personal: document.getElementById("endpoint-personal").checked,
    };
    const result = await staffApi(`${CONNECT}/endpoints`, { method: "POST", body });
    if (!result.ok) return problem(result);
    form.reset();
    await drawConnect();
    showSecret(result.payload.secret);
    done(T.added(result.payload.name));
  }, { onError: () => say("connect-problem", STAFF_TEXTS.failed) });
  return form;
}

function showSecret(secret) {
  const box = document.getElementById("connect-secret");
  const input = element("input", { id: "connect-secret-value", readonly: "", "aria-describedby": "connect-secret-note" });
  input.value = secret;
  const copy = element("button", { type: "button" }, T.copy);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret);
      done(T.copied);
    } catch {
      input.select();
    }
  });
  box.replaceChildren(
    element("label", { for: "connect-secret-value", class: "field-label" }, T.secretHeading),
    input,
    copy,
    element("p", { id: "connect-secret-note", class: "hint" }, T.secretNote),
  );
  box.hidden = false;
  box.scrollIntoView({ block: "start" });
}

async function drawLog(path, list) {
  const result = await staffApi(path);
  if (!result.ok) return problem(result);
  const deliveries = result.payload.deliveries.slice(0, 10);
  list.replaceChildren(
    element("li", { class: "log-heading" }, T.logHeading),
    ...(deliveries.length ? deliveries.map((d) => element("li", { class: d.delivered ? "" : "failed" }, T.logLine(d))) : [element("li", { class: "empty" }, T.noLog)]),
  );
}

function endpointItem(endpoint) {
  const item = element("li", { class: "connect-endpoint", "data-endpoint-id": endpoint.endpoint_id });
  item.append(
    element("p", { class: "connect-name" }, endpoint.name),
    element("p", { class: "connect-url" }, endpoint.url),
    element("p", { class: "hint" }, `${endpoint.events.map((e) => T.eventNames[e] || e).join("・")}（${endpoint.include_personal ? T.personalOn : T.personalOff}）`),
  );
  const log = element("ul", { class: "plain-list connect-log" });
  const logButton = element("button", { type: "button", "aria-label": `${endpoint.name}: ${T.showLog}` }, T.showLog);
  logButton.addEventListener("click", () => drawLog(`${CONNECT}/endpoints/${encodeURIComponent(endpoint.endpoint_id)}/deliveries`, log));
  const removeButton = element("button", { type: "button", class: "danger-button", "aria-label": `${endpoint.name}: ${T.remove}` }, T.remove);
  removeButton.addEventListener("click", async () => {
    const sure = await confirmAction({
      title: T.confirmRemoveTitle,
      lines: T.confirmRemoveLines(endpoint.name),
      yes: T.confirmRemoveYes,
      no: T.cancel,
      danger: true,
    });
    if (!sure) return;
    const result = await staffApi(`${CONNECT}/endpoints/${encodeURIComponent(endpoint.endpoint_id)}`, { method: "DELETE" });
    if (!result.ok) return problem(result);
    await drawConnect();
    done(T.removed(endpoint.name));
  });
  const actions = element("p", { class: "team-actions" });
  actions.append(logButton, removeButton);
  item.append(actions, log);
  return item;
}

async function drawConnect() {
  const result = await staffApi(CONNECT);
  if (!result.ok) return problem(result);
  const { forwarding, endpoints, event_types: eventTypes } = result.payload;
  const list = element("ul", { id: "connect-endpoints", class: "plain-list" });
  list.append(...(endpoints.length ? endpoints.map(endpointItem) : [element("li", { class: "empty" }, T.none)]));
  document.getElementById("connect-forms").replaceChildren(
    forwardingForm(forwarding),
    element("h3", {}, T.endpointsHeading),
    element("p", { class: "hint" }, T.endpointsIntro),
    list,
    endpointForm(eventTypes),
  );
  drawLog(`${CONNECT}/forwarding/deliveries`, document.getElementById("forwarding-log"));
}

/** The #connect screen, fetched afresh each time it opens. */
export async function openConnect() {
  const owner = isOwner();
  document.getElementById("connect-owner-only").hidden = owner;
  document.getElementById("connect-forms").hidden = !owner;
  document.getElementById("connect-secret").hidden = true;
  say("connect-message", "");
  say("connect-problem", "");
  if (owner) await drawConnect();
}

export function setUpConnect() {
  const link = document.getElementById("connect-link");
  link.textContent = T.link;
  link.hidden = !isOwner();
  document.getElementById("connect-heading").textContent = T.heading;
  document.getElementById("connect-owner-only").textContent = T.ownerOnly;
  document.getElementById("connect-back").textContent = T.back;
}
