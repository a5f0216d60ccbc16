// The owner's own rich menu (#menus, under 「今の設定でメニューを作り直す」): for either menu, one of
// LINE's standard layouts, each area's action (会員証, クーポン, お店の情報, 会員登録 or a link), and
// their own PNG/JPEG, or a menu drawn in the shop's colours. PUT /liff/api/staff/rich-menus/<kind>
// publishes it before answering; the server checks the image with Pillow and says in Japanese why
// LINE would refuse it. 「標準のメニューに戻す」 is DELETE on the same path.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { confirmAction } from "./confirm-dialog.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.menuEditor;
const PATH = "/liff/api/staff/rich-menus";
const MAX_IMAGE_BYTES = 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg"];
const SVG = "http://www.w3.org/2000/svg";
const state = { choices: null };

function templateOf(id) {
  return state.choices.templates.find((template) => template.template_id === id);
}

function currentKind() {
  return document.getElementById("menu-editor-kind").value;
}

/** The layout as a small drawing: each area outlined with its number, as the area fields are numbered. */
function drawLayout(template) {
  const svg = document.getElementById("menu-editor-layout");
  svg.setAttribute("viewBox", `0 0 ${template.width} ${template.height}`);
  svg.setAttribute("aria-label", T.layoutLabel(T.templates[template.template_id] || template.template_id));
  svg.replaceChildren();
  template.areas.forEach((area, index) => {
    const box = document.createElementNS(SVG, "rect");
    for (const [name, value] of Object.entries({ x: area.x + 12, y: area.y + 12, width: area.width - 24, height: area.height - 24, rx: 40 })) {
      box.setAttribute(name, String(value));
    }
    const number = document.createElementNS(SVG, "text");
    number.setAttribute("x", String(area.x + area.width / 2));
    number.setAttribute("y", String(area.y + area.height / 2));
    number.textContent = String(index + 1);
    svg.append(box, number);
  });
}

function areaFields(index, area) {
  const id = `menu-editor-area-${index}`;
  const action = element("select", { id: `${id}-action`, "data-area": String(index), "aria-describedby": `${id}-error` });
  for (const { action: value } of state.choices.actions) action.append(element("option", { value }, T.actions[value]));
  action.value = area.action || "shop_info";
  const label = element("input", { id: `${id}-label`, type: "text", maxlength: "20", autocomplete: "off", placeholder: T.labelPlaceholder });
  label.value = area.label || "";
  const url = element("input", { id: `${id}-url`, type: "url", maxlength: "1000", autocomplete: "off", placeholder: "https://" });
  url.value = area.url || "";
  const urlBox = element("div", { class: "field" });
  urlBox.append(element("label", { for: url.id }, T.url), url);
  const showUrl = () => (urlBox.hidden = action.value !== "link");
  action.addEventListener("change", showUrl);
  showUrl();
  const box = element("fieldset", { class: "menu-area" });
  box.append(
    element("legend", {}, T.area(index + 1)),
    element("label", { for: action.id }, T.action),
    action,
    element("label", { for: label.id }, T.label),
    label,
    urlBox,
    element("p", { id: `${id}-error`, class: "field-error", role: "alert" }),
  );
  return box;
}

function showAreas(template, areas) {
  drawLayout(template);
  const fields = template.areas.map((_, index) => areaFields(index, areas[index] || {}));
  document.getElementById("menu-editor-areas").replaceChildren(...fields);
  document.getElementById("menu-editor-image-hint").textContent = T.imageHint(template.width, template.height);
}

/** The chosen menu as it is now: its layout, its areas, whether it has the owner's image. */
function showMenu() {
  const menu = state.choices.menus[currentKind()];
  document.getElementById("menu-editor-template").value = menu.template;
  document.getElementById("menu-editor-state").textContent = menu.custom ? (menu.has_image ? T.stateOwnImage : T.stateDrawn) : T.stateStandard;
  const keep = document.getElementById("menu-editor-keep");
  keep.checked = menu.has_image;
  document.getElementById("menu-editor-keep-box").hidden = !menu.has_image;
  document.getElementById("menu-editor-image").value = "";
  showAreas(templateOf(menu.template), menu.areas);
}

function readAreas() {
  return [...document.querySelectorAll("#menu-editor-areas .menu-area")].map((_, index) => {
    const id = `menu-editor-area-${index}`;
    const action = document.getElementById(`${id}-action`).value;
    const label = document.getElementById(`${id}-label`).value.trim();
    const url = document.getElementById(`${id}-url`).value.trim();
    return { action, ...(label ? { label } : {}), ...(action === "link" ? { url } : {}) };
  });
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1]);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function clearProblems() {
  for (const id of ["menu-editor-template", "menu-editor-image"]) showFieldProblem(id, "");
  say("menu-editor-areas-error", "");
  for (const node of document.querySelectorAll("#menu-editor-areas .field-error")) node.textContent = "";
  say("menu-editor-done", "");
  say("menu-editor-problem", "");
}

/** The server's 422: each problem under its field (the image's reason as the server wrote it). */
function showProblems(payload) {
  let shown = false;
  for (const { field, code } of payload.errors || []) {
    const area = /^areas\.(\d+)/.exec(field);
    if (field === "image_base64") showFieldProblem("menu-editor-image", T.imageErrors[code] ? T.imageErrors[code] : payload.message);
    else if (field === "template") showFieldProblem("menu-editor-template", T.errors[code] || T.errors.fallback);
    else if (area) say(`menu-editor-area-${area[1]}-error`, T.errors[code] || T.errors.fallback);
    else if (field === "areas") say("menu-editor-areas-error", T.errors[code] || T.errors.fallback);
    else continue;
    shown = true;
  }
  return shown;
}

async function saveMenu(form) {
  clearProblems();
  const file = form.elements.image.files[0];
  if (file && !IMAGE_TYPES.includes(file.type)) return showFieldProblem("menu-editor-image", T.imageErrors.image_type);
  if (file && file.size > MAX_IMAGE_BYTES) return showFieldProblem("menu-editor-image", T.imageErrors.image_too_large);
  const body = { template: form.elements.template.value, areas: readAreas() };
  if (file) body.image_base64 = await readAsBase64(file);
  else body.keep_image = document.getElementById("menu-editor-keep").checked;
  const result = await staffApi(`${PATH}/${currentKind()}`, { method: "PUT", body });
  if (result.status === 422 && showProblems(result.payload)) return;
  if (!result.ok) return say("menu-editor-problem", staffProblemText(result));
  state.choices = result.payload;
  showMenu();
  say("menu-editor-done", T.saved, "done");
}

async function backToStandard() {
  clearProblems();
  const yes = await confirmAction({ title: T.standardTitle, lines: [T.standardBody], yes: T.standardYes, no: T.standardNo });
  if (!yes) return;
  const result = await staffApi(`${PATH}/${currentKind()}`, { method: "DELETE" });
  if (!result.ok) return say("menu-editor-problem", staffProblemText(result));
  state.choices = result.payload;
  showMenu();
  say("menu-editor-done", T.standardDone, "done");
}

export function setUpMenuEditor() {
  const form = document.getElementById("menu-editor");
  onSubmit(form, () => saveMenu(form), { busyText: T.saving, onError: () => say("menu-editor-problem", STAFF_TEXTS.failed) });
  document.getElementById("menu-editor-kind").addEventListener("change", showMenu);
  document.getElementById("menu-editor-template").addEventListener("change", (event) => {
    showAreas(templateOf(event.target.value), readAreas());
  });
  const standard = document.getElementById("menu-editor-standard");
  standard.addEventListener("click", async () => {
    standard.disabled = true;
    try {
      await backToStandard();
    } finally {
      standard.disabled = false;
    }
  });
}

/** Owners only: the layouts and the menus as they are now (GET /liff/api/staff/rich-menus). */
export async function openMenuEditor() {
  const form = document.getElementById("menu-editor");
  form.hidden = !isOwner();
  if (form.hidden) return;
  const result = await staffApi(PATH);
  if (!result.ok) {
    form.hidden = true;
    return say("menus-problem", staffProblemText(result));
  }
  state.choices = result.payload;
  const kinds = document.getElementById("menu-editor-kind");
  kinds.replaceChildren(...Object.keys(result.payload.menus).map((kind) => element("option", { value: kind }, T.kinds[kind])));
  const templates = document.getElementById("menu-editor-template");
  templates.replaceChildren(
    ...["compact", "large"].map((size) => {
      const group = element("optgroup", { label: T.sizes[size] });
      for (const template of result.payload.templates.filter((t) => t.size === size)) {
        group.append(element("option", { value: template.template_id }, T.templates[template.template_id] || template.template_id));
      }
      return group;
    }),
  );
  showMenu();
}
