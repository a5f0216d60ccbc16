// The owner's 設定 tab (#settings): one form per section, each saved on its own with
// PUT /liff/api/staff/settings/<section>. The server checks everything and answers 422 with
// {field, code} for each problem; the problem is shown under that field, and goes away as soon as
// the field is edited. Messages have a LINE-like preview with their placeholders filled in.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { applyTheme } from "./liff-app.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, session, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.settings;
const SETTINGS_PATH = "/liff/api/staff/settings";
const FIELD_USES = ["off", "optional", "required"];
const CUSTOM_TEXT_SLOTS = 3;
const CUSTOM_DATE_SLOTS = 2;
const state = { settings: null };

// Building the forms. Every control carries data-field: the path the server names in its answer
// ("ranks.1.min_points"); the body is read back from those paths.

function controlId(section, path) {
  return `settings-${section}-${path.replace(/[._]/g, "-")}`;
}

function field(section, path, label, control, { hint = "", preview = false } = {}) {
  const id = controlId(section, path);
  Object.assign(control, { id });
  control.dataset.field = path;
  control.setAttribute("aria-describedby", `${id}-error`);
  const box = element("div", { class: "field" });
  box.append(element("label", { for: id }, label));
  if (hint) box.append(element("p", { class: "hint" }, hint));
  box.append(control, element("p", { id: `${id}-error`, class: "field-error" }));
  if (preview) box.append(previewOf(control));
  return box;
}

function input(type, value, attributes = {}) {
  const node = element("input", { type, autocomplete: "off", ...attributes });
  node.value = value ?? "";
  if (type === "number") node.inputMode = "numeric";
  return node;
}

function textArea(value, rows = 4) {
  const node = element("textarea", { rows: String(rows) });
  node.value = value ?? "";
  return node;
}

function choice(options, value) {
  const node = element("select");
  for (const [optionValue, label] of options) node.append(element("option", { value: optionValue }, label));
  node.value = value;
  return node;
}

function useChoice(value) {
  return choice(FIELD_USES.map((use) => [use, T.uses[use]]), value);
}

function checkbox(section, path, label, checked) {
  const id = controlId(section, path);
  const box = element("label", { class: "check", for: id });
  const node = element("input", { type: "checkbox", id, "aria-describedby": `${id}-error` });
  node.checked = Boolean(checked);
  node.dataset.field = path;
  node.dataset.kind = "boolean";
  box.append(node, document.createTextNode(label));
  const wrapper = element("div", { class: "field" });
  wrapper.append(box, element("p", { id: `${id}-error`, class: "field-error" }));
  return wrapper;
}

/** A number input read as a whole number, or null when left empty (`optional`). */
function numberInput(value, { optional = false, min = 0, max } = {}) {
  const node = input("number", value ?? "", { min: String(min), max: max ? String(max) : undefined, step: "1" });
  node.dataset.kind = optional ? "optional-number" : "number";
  return node;
}

/** A text read as null when left empty. */
function optionalText(node) {
  node.dataset.kind = "optional-text";
  return node;
}

// The LINE-like preview under a message

function sampleValues() {
  const ranks = state.settings?.points?.ranks || [];
  return { name: T.sample.name, member_no: T.sample.memberNo, rank: ranks[1]?.name || ranks[0]?.name || T.sample.rank };
}

function filled(text) {
  const values = sampleValues();
  return text.replace(/\{([^{}\s]{0,40})\}/g, (whole, name) => values[name] ?? whole);
}

function previewOf(control) {
  const chat = element("div", { class: "line-chat settings-preview", "aria-label": T.previewLabel, role: "img" });
  const row = element("div", { class: "chat-row" });
  const shopName = state.settings?.shop?.shop_name || session.me?.shop_name || "";
  row.append(element("span", { class: "chat-avatar", "aria-hidden": "true" }, shopName.slice(0, 1)));
  const bubble = element("div", { class: "chat-bubble" });
  row.append(bubble);
  chat.append(row);
  const draw = () => {
    bubble.textContent = filled(control.value) || " ";
    chat.hidden = !control.value.trim();
  };
  control.addEventListener("input", draw);
  draw();
  return chat;
}

// Lists the owner adds to: stores and ranks

function listEditor(section, key, items, rowOf, { addLabel, emptyItem, max }) {
  const list = element("ol", { class: "settings-list", id: controlId(section, key) });
  list.dataset.field = key;
  const renumber = () => {
    [...list.children].forEach((row, index) => {
      for (const node of row.querySelectorAll("[data-part]")) {
        const path = `${key}.${index}.${node.dataset.part}`;
        const id = controlId(section, path);
        node.dataset.field = path;
        node.id = id;
        node.setAttribute("aria-describedby", `${id}-error`);
        row.querySelector(`[data-error-of="${node.dataset.part}"]`)?.setAttribute("id", `${id}-error`);
        row.querySelector(`[data-label-of="${node.dataset.part}"]`)?.setAttribute("for", id);
      }
    });
    add.disabled = list.children.length >= max;
  };
  const append = (item) => {
    const row = element("li", { class: "settings-row" });
    for (const part of rowOf(item)) row.append(part);
    const remove = element("button", { type: "button", class: "small" }, T.remove);
    remove.hidden = Boolean(item.id); // a store stays once added (members and visits name it)
    remove.addEventListener("click", () => {
      row.remove();
      renumber();
    });
    row.append(remove);
    list.append(row);
  };
  const add = element("button", { type: "button" }, addLabel);
  add.addEventListener("click", () => {
    append(emptyItem());
    renumber();
    list.lastElementChild.querySelector("input")?.focus();
  });
  items.forEach(append);
  const box = element("div", { class: "field" });
  box.append(list, element("p", { id: `${controlId(section, key)}-error`, class: "field-error" }), add);
  renumber();
  return box;
}

function part(name, label, control) {
  control.dataset.part = name;
  const wrapper = element("div", { class: "settings-part" });
  wrapper.append(element("label", { "data-label-of": name }, label), control);
  wrapper.append(element("p", { class: "field-error", "data-error-of": name }));
  return wrapper;
}

// The sections

const SECTIONS = {
  shop(s, data) {
    const info = data.shop_info;
    return [
      field(s, "shop_name", T.shopName, input("text", data.shop_name, { maxlength: "40" })),
      field(s, "theme_color", T.themeColor, input("text", data.theme_color, { maxlength: "7" }), { hint: T.themeColorHint }),
      field(s, "logo_url", T.logoUrl, optionalText(input("url", data.logo_url)), { hint: T.logoUrlHint }),
      element("h4", {}, T.shopInfoHeading),
      field(s, "shop_info.hours", T.hours, textArea(info.hours, 3)),
      field(s, "shop_info.closed_days", T.closedDays, input("text", info.closed_days)),
      field(s, "shop_info.address", T.address, input("text", info.address)),
      field(s, "shop_info.phone", T.phone, input("tel", info.phone)),
      field(s, "shop_info.map_url", T.mapUrl, optionalText(input("url", info.map_url))),
      field(s, "shop_info.free_text", T.freeText, textArea(info.free_text, 3)),
      element("h4", {}, T.storesHeading),
      element("p", { class: "hint" }, T.storesHint),
      listEditor(s, "stores", data.stores, (store) => {
        const id = optionalText(input("hidden", store.id));
        id.dataset.part = "id";
        return [id, part("name", T.storeName, input("text", store.name, { maxlength: "40" }))];
      }, { addLabel: T.addStore, emptyItem: () => ({ id: null, name: "" }), max: 20 }),
    ];
  },

  points(s, data) {
    return [
      field(s, "points_per_visit", T.pointsPerVisit, numberInput(data.points_per_visit, { max: 10000 })),
      field(s, "yen_per_point", T.yenPerPoint, numberInput(data.yen_per_point, { optional: true, min: 1 }), {
        hint: T.yenPerPointHint,
      }),
      element("h4", {}, T.ranksHeading),
      element("p", { class: "hint" }, T.ranksHint),
      listEditor(s, "ranks", data.ranks, (rank) => [
        part("name", T.rankName, input("text", rank.name, { maxlength: "20" })),
        part("min_points", T.rankThreshold, numberInput(rank.min_points)),
      ], { addLabel: T.addRank, emptyItem: () => ({ name: "", min_points: "" }), max: 10 }),
      field(s, "rank_up_message", T.rankUpMessage, optionalText(textArea(data.rank_up_message)), {
        hint: T.placeholders(["{name}", "{rank}", "{member_no}"]),
        preview: true,
      }),
    ];
  },

  messages(s, data) {
    const coupon = data.birthday_coupon || { title: "", valid_days: 30 };
    const named = T.placeholders(["{name}"]);
    const numbered = T.placeholders(["{name}", "{member_no}"]);
    return [
      field(s, "new_friend", T.newFriend, textArea(data.new_friend), { hint: named, preview: true }),
      field(s, "register_button_label", T.registerButton, input("text", data.register_button_label, { maxlength: "20" })),
      field(s, "returning_friend", T.returningFriend, textArea(data.returning_friend), { hint: named, preview: true }),
      field(s, "returning_member", T.returningMember, textArea(data.returning_member), { hint: numbered, preview: true }),
      field(s, "registration_complete", T.registrationComplete, optionalText(textArea(data.registration_complete)), {
        hint: `${numbered}${T.emptySendsNothing}`,
        preview: true,
      }),
      field(s, "birthday", T.birthday, textArea(data.birthday), { hint: numbered, preview: true }),
      field(s, "birthday_coupon.title", T.birthdayCoupon, input("text", coupon.title, { maxlength: "40" }), {
        hint: T.birthdayCouponHint,
      }),
      field(s, "birthday_coupon.valid_days", T.birthdayCouponDays, numberInput(coupon.valid_days, { min: 1, max: 3650 })),
    ];
  },

  form(s, data) {
    const locked = state.settings.member_number_format_locked;
    // Every field may be off; the server refuses a form without any of name, phone and email.
    const asked = ["name", "birthdate", "phone", "name_kana", "store", "gender", "email"].map((name) =>
      field(s, name, T.formFields[name], useChoice(data[name]), {
        hint: name === "name" ? T.identifyingHint : T.fieldUseHints[name] || "",
      }),
    );
    const texts = Array.from({ length: CUSTOM_TEXT_SLOTS }, (_, i) => {
      const custom = data.custom_texts[i] || { label: "", use: "off", options: [] };
      const options = input("text", custom.options.join("、"));
      options.dataset.kind = "list";
      return customFieldset(T.customText(i + 1), [
        field(s, `custom_texts.${i}.label`, T.customLabel, input("text", custom.label, { maxlength: "30" })),
        field(s, `custom_texts.${i}.use`, T.customUse, useChoice(custom.use)),
        field(s, `custom_texts.${i}.options`, T.customOptions, options, { hint: T.customOptionsHint }),
      ]);
    });
    const dates = Array.from({ length: CUSTOM_DATE_SLOTS }, (_, i) => {
      const custom = data.custom_dates[i] || { label: "", use: "off" };
      return customFieldset(T.customDate(i + 1), [
        field(s, `custom_dates.${i}.label`, T.customLabel, input("text", custom.label, { maxlength: "30" })),
        field(s, `custom_dates.${i}.use`, T.customUse, useChoice(custom.use)),
      ]);
    });
    const number = data.member_number_format;
    const numberFields = [
      field(s, "member_number_format.prefix", T.numberPrefix, input("text", number.prefix, { maxlength: "4" })),
      field(s, "member_number_format.digits", T.numberDigits, numberInput(number.digits, { min: 4, max: 10 })),
      field(s, "member_number_format.first_number", T.numberFirst, numberInput(number.first_number, { min: 1 })),
    ];
    for (const box of numberFields) box.querySelector("input").disabled = locked;
    return [
      ...asked,
      ...texts,
      ...dates,
      field(s, "registration_mode", T.registrationMode, choice(
        Object.entries(T.registrationModes), data.registration_mode,
      )),
      element("h4", {}, T.numberHeading),
      element("p", { class: "hint", id: "settings-number-locked" }, locked ? T.numberLocked : T.numberHint),
      ...numberFields,
    ];
  },

  poster(s, data) {
    return [
      field(s, "poster_code_validity", T.posterValidity, choice(Object.entries(T.posterValidities), data.poster_code_validity), {
        hint: T.posterValidityHint,
      }),
    ];
  },

  alerts(s, data) {
    return [
      element("p", { class: "hint" }, T.alertsHint),
      checkbox(s, "staff_alerts_enabled", T.alertsOn, data.staff_alerts_enabled),
    ];
  },
};

function customFieldset(legend, fields) {
  const set = element("fieldset", { class: "custom-field" });
  set.append(element("legend", {}, legend), ...fields);
  return set;
}

// Reading a form back into the section's body

function valueOf(control) {
  const text = typeof control.value === "string" ? control.value.trim() : control.value;
  switch (control.dataset.kind) {
    case "boolean":
      return control.checked;
    case "number":
    case "optional-number":
      return text === "" ? null : Number(text);
    case "optional-text":
      return text === "" ? null : control.value;
    case "list":
      return text.split(/[、,,\n]+/u).map((word) => word.trim()).filter(Boolean);
    default:
      return control.tagName === "TEXTAREA" ? control.value : text;
  }
}

function put(body, path, value) {
  const parts = path.split(".");
  let node = body;
  parts.slice(0, -1).forEach((key, index) => {
    const nextIsIndex = /^\d+$/.test(parts[index + 1]);
    node[key] ??= nextIsIndex ? [] : {};
    node = node[key];
  });
  node[parts.at(-1)] = value;
}

const TIDY = {
  messages(body) {
    if (!body.birthday_coupon.title) body.birthday_coupon = null;
  },
  form(body) {
    body.custom_texts = body.custom_texts.filter((custom) => custom.label);
    body.custom_dates = body.custom_dates.filter((custom) => custom.label);
  },
};

function bodyOf(section, form) {
  const body = {};
  if (section === "shop") body.stores = [];
  if (section === "points") body.ranks = [];
  for (const control of form.querySelectorAll("[data-field]:not(ol)")) put(body, control.dataset.field, valueOf(control));
  TIDY[section]?.(body);
  return body;
}

// Problems next to their fields

function errorNodeOf(form, path) {
  // The nearest control the server's path names: "ranks.1.min_points", else "ranks", else the form.
  const parts = path.split(".");
  for (let length = parts.length; length > 0; length -= 1) {
    const target = form.querySelector(`[data-field="${parts.slice(0, length).join(".")}"]`);
    if (target) return target;
  }
  return null;
}

function showProblem(control, text) {
  const error = document.getElementById(`${control.id}-error`);
  if (error) error.textContent = text;
  if (control.tagName !== "OL") control.setAttribute("aria-invalid", String(Boolean(text)));
}

function clearProblems(form) {
  for (const control of form.querySelectorAll("[data-field]")) showProblem(control, "");
}

function showFieldProblems(section, form, errors) {
  let first = null;
  for (const { field: path, code } of errors) {
    const control = errorNodeOf(form, path);
    if (!control) continue;
    showProblem(control, T.errors[code] || T.errors.fallback);
    first ??= control;
  }
  if (first && first.tagName !== "OL") first.focus();
  return first !== null;
}

async function save(section, form) {
  say(`settings-${section}-message`, "");
  say(`settings-${section}-problem`, "");
  clearProblems(form);
  const body = bodyOf(section, form);
  const result = await staffApi(`${SETTINGS_PATH}/${section}`, { method: "PUT", body, patient: true });
  if (result.ok) {
    state.settings = result.payload;
    if (section === "shop") showShop(result.payload.shop);
    return say(`settings-${section}-message`, T.saved(T.sections[section]));
  }
  if (result.payload?.code === "member_number_format_locked") {
    showProblem(form.querySelector('[data-field="member_number_format.prefix"]'), T.errors.member_number_format_locked);
  } else if (result.status === 422 && showFieldProblems(section, form, result.payload.errors || [])) {
    return say(`settings-${section}-problem`, STAFF_TEXTS.invalid);
  }
  say(`settings-${section}-problem`, staffProblemText(result, { member_number_format_locked: T.errors.member_number_format_locked }));
}

function showShop(shop) {
  applyTheme(shop.theme_color);
  document.getElementById("shop-name").textContent = shop.shop_name;
  if (session.me) Object.assign(session.me, { shop_name: shop.shop_name, theme_color: shop.theme_color });
}

function sectionForm(section) {
  const form = element("form", { class: "settings-section", id: `settings-${section}`, novalidate: "" });
  const heading = element("h3", { id: `settings-${section}-heading` }, T.sections[section]);
  form.setAttribute("aria-labelledby", heading.id);
  form.append(heading, ...SECTIONS[section](section, state.settings[section]));
  form.append(element("button", { type: "submit", class: "primary" }, T.save(T.sections[section])));
  form.append(element("p", { id: `settings-${section}-message`, class: "done-message", role: "status", "aria-live": "polite" }));
  form.append(element("p", { id: `settings-${section}-problem`, class: "problem", role: "alert" }));
  // A corrected field's problem goes as soon as it is edited.
  const clear = (event) => {
    const control = event.target.closest("[data-field]");
    if (control) showProblem(control, "");
  };
  form.addEventListener("input", clear);
  form.addEventListener("change", clear);
  onSubmit(form, () => save(section, form), {
    busyText: STAFF_TEXTS.saving,
    onError: () => say(`settings-${section}-problem`, STAFF_TEXTS.failed),
  });
  return form;
}

/** The #settings screen, read afresh each time it opens. */
export async function openSettings() {
  const owner = isOwner();
  document.getElementById("settings-owner-only").hidden = owner;
  const forms = document.getElementById("settings-forms");
  forms.hidden = !owner;
  if (!owner) return;
  say("settings-problem", "");
  const result = await staffApi(SETTINGS_PATH);
  if (!result.ok) return say("settings-problem", staffProblemText(result));
  state.settings = result.payload;
  forms.replaceChildren(...Object.keys(SECTIONS).map(sectionForm));
}
