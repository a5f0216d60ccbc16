// The owner's #pos screen (reached from 設定): the partner API's keys for the shop's POS. A new key is
// shown once, with its receipt QR secret; the list shows each key's name, what it may do, when it
// was made and last used; 「無効にする」 revokes one after a confirmation.
// (GET/POST /liff/api/staff/api-keys, POST /liff/api/staff/api-keys/<key id>/revoke)
import { POS_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { confirmAction } from "./confirm-dialog.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = POS_TEXTS.apiKeys;
const KEYS_PATH = "/liff/api/staff/api-keys";

function day(iso) {
  return iso ? new Date(iso).toLocaleDateString("ja-JP") : "";
}

function keyItem(key) {
  const item = element("li", { class: key.revoked_at ? "api-key revoked" : "api-key", "data-key-id": key.key_id });
  item.append(element("p", { class: "api-key-name" }, key.name));
  item.append(element("p", { class: "hint" }, key.scopes.map((scope) => T.scopes[scope] || scope).join("、")));
  const dates = [T.createdOn(day(key.created_at)), key.last_used_at ? T.lastUsed(day(key.last_used_at)) : T.neverUsed];
  if (key.revoked_at) dates.push(T.revokedOn(day(key.revoked_at)));
  item.append(element("p", { class: "hint" }, dates.join(" ・ ")));
  if (!key.revoked_at) {
    const button = element("button", { type: "button", "aria-label": T.revokeLabel(key.name) }, T.revoke);
    button.addEventListener("click", () => revoke(key, button).catch(() => say("pos-problem", T.failed)));
    item.append(button);
  }
  return item;
}

async function showKeys() {
  const result = await staffApi(KEYS_PATH);
  if (!result.ok) return say("pos-problem", staffProblemText(result));
  const list = document.getElementById("pos-keys");
  const keys = result.payload.keys;
  list.replaceChildren(...(keys.length ? keys.map(keyItem) : [element("li", { class: "notice" }, T.noKeys)]));
}

async function revoke(key, button) {
  const sure = await confirmAction({
    title: T.revokeTitle,
    lines: [T.revokeQuestion(key.name), T.revokeNote],
    yes: T.revokeYes,
    no: T.revokeNo,
    danger: true,
  });
  if (!sure) return;
  button.disabled = true;
  const result = await staffApi(`${KEYS_PATH}/${encodeURIComponent(key.key_id)}/revoke`, { method: "POST", patient: true });
  if (!result.ok) {
    button.disabled = false;
    return say("pos-problem", staffProblemText(result));
  }
  say("pos-done", T.revoked(key.name), "done");
  await showKeys();
}

async function createKey(form) {
  say("pos-done", "");
  say("pos-problem", "");
  const name = form.elements.name.value.trim();
  const scopes = [...form.querySelectorAll("input[name=scope]:checked")].map((box) => box.value);
  const checks = [
    showFieldProblem("pos-name", name ? "" : T.nameRequired),
    showFieldProblem("pos-scopes", scopes.length ? "" : T.scopeRequired),
  ];
  if (!checks.every(Boolean)) return;
  const body = { name, scopes, calls_per_minute: Number(form.elements.calls_per_minute.value) || 120 };
  const result = await staffApi(KEYS_PATH, { method: "POST", body });
  if (!result.ok) return say("pos-problem", staffProblemText(result));
  document.getElementById("pos-new-key").value = result.payload.key;
  document.getElementById("pos-new-secret").value = result.payload.receipt_secret;
  document.getElementById("pos-created").hidden = false;
  say("pos-done", T.created(result.payload.name), "done");
  form.reset();
  await showKeys();
}

function buildForm() {
  const form = document.getElementById("pos-form");
  if (form.dataset.built) return;
  form.dataset.built = "1";
  document.getElementById("pos-heading").textContent = T.heading;
  document.getElementById("pos-lead").textContent = T.lead;
  document.getElementById("pos-name-label").textContent = T.name;
  document.getElementById("pos-name").placeholder = T.namePlaceholder;
  document.getElementById("pos-scopes-legend").textContent = T.scopesLegend;
  const scopes = document.getElementById("pos-scope-choices");
  for (const [scope, label] of Object.entries(T.scopes)) {
    const box = element("input", { type: "checkbox", name: "scope", value: scope });
    const choice = element("label", { class: "check" });
    choice.append(box, element("span", {}, label));
    scopes.append(choice);
  }
  document.getElementById("pos-rate-label").textContent = T.rate;
  form.querySelector("button[type=submit]").textContent = T.create;
  document.getElementById("pos-new-key-label").textContent = T.keyLabel;
  document.getElementById("pos-new-secret-label").textContent = T.secretLabel;
  document.getElementById("pos-list-heading").textContent = T.listHeading;
  onSubmit(form, () => createKey(form), { busyText: T.creating, onError: () => say("pos-problem", T.failed) });
}

// The way in, on the 設定 screen (module scripts run after the markup is parsed).
document.getElementById("pos-link").textContent = T.link;

export async function openApiKeys() {
  buildForm();
  document.getElementById("pos-owner-only").textContent = T.ownerOnly;
  document.getElementById("pos-owner-only").hidden = isOwner();
  document.getElementById("pos-owner").hidden = !isOwner();
  document.getElementById("pos-created").hidden = true; // a key shown once is not shown again
  document.getElementById("pos-new-key").value = "";
  document.getElementById("pos-new-secret").value = "";
  if (isOwner()) await showKeys();
}
