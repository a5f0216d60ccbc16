// The registration form, drawn from the shop's form definition (GET /liff/api/registration-form):
// one labelled control per field, its problem shown right under it, checked before sending with the
// same rules as the server. Used by register.html and by the edit mode of profile.html.
import { TEXTS, choiceLabel, fieldError, fieldLabel } from "./texts.js";
import { checkForm } from "./validation.js";
import { element } from "./dom.js";
import { showFieldProblem } from "./form-submission.js";

const INPUT_TYPES = { text: "text", kana: "text", date: "date", tel: "tel", email: "email" };
const AUTOCOMPLETE = { name: "name", name_kana: "off", birthdate: "bday", phone: "tel", email: "email" };


function control(field, value) {
  const id = `field-${field.name}`;
  const describedBy = [`${id}-error`];
  if (TEXTS.hints[field.name]) describedBy.unshift(`${id}-hint`);
  const common = {
    id,
    name: field.name,
    required: field.required ? "" : undefined,
    "aria-required": field.required ? "true" : "false",
    "aria-describedby": describedBy.join(" "),
  };
  if (field.kind === "select") {
    const select = element("select", common);
    select.append(element("option", { value: "" }, TEXTS.selectPrompt));
    for (const choice of field.choices) {
      const option = element("option", { value: choice.value }, choiceLabel(field, choice));
      if (choice.value === value) option.selected = true;
      select.append(option);
    }
    return select;
  }
  const input = element("input", {
    ...common,
    type: INPUT_TYPES[field.kind] || "text",
    autocomplete: AUTOCOMPLETE[field.name] || "off",
    inputmode: field.kind === "tel" ? "tel" : undefined,
    placeholder: TEXTS.placeholders[field.name],
    min: field.min_date || undefined,
    max: field.max_date || undefined,
  });
  if (value) input.value = value;
  return input;
}

/**
 * Draw the form into `container`. Returns {values(), showProblems(problems), check()}; `values`
 * are the strings typed, as the API takes them (blank optional fields are sent blank).
 */
export function renderRegistrationForm(container, fields, initialValues = {}) {
  container.replaceChildren();
  for (const field of fields) {
    const id = `field-${field.name}`;
    const wrapper = element("div", { class: "field", "data-field": field.name });
    const label = element("label", { for: id }, fieldLabel(field));
    label.append(
      element(
        "span",
        { class: field.required ? "mark required" : "mark optional" },
        field.required ? TEXTS.requiredMark : TEXTS.optionalMark,
      ),
    );
    wrapper.append(label);
    if (TEXTS.hints[field.name]) {
      wrapper.append(element("p", { id: `${id}-hint`, class: "hint" }, TEXTS.hints[field.name]));
    }
    wrapper.append(control(field, initialValues[field.name]));
    wrapper.append(element("p", { id: `${id}-error`, class: "field-error", "aria-live": "polite" }));
    container.append(wrapper);
  }

  const values = () => {
    const collected = {};
    for (const field of fields) {
      collected[field.name] = container.querySelector(`[name="${field.name}"]`).value.trim();
    }
    return collected;
  };

  /** Show each problem under its field; focus the first one. `problems` is {field: code}. */
  const showProblems = (problems) => {
    let first = null;
    for (const field of fields) {
      const code = problems[field.name];
      const id = `field-${field.name}`;
      showFieldProblem(id, code ? fieldError(code) : "");
      if (code && !first) first = document.getElementById(id);
    }
    if (first) first.focus();
    return first !== null;
  };

  const check = () => {
    const problems = checkForm(fields, values());
    showProblems(problems);
    return Object.keys(problems).length === 0;
  };

  return { values, showProblems, check };
}

/** The server's 422 answer ({errors: [{field, code}]}) as {field: code}. */
export function problemsFromServer(payload) {
  const problems = {};
  for (const problem of payload.errors || []) {
    if (!(problem.field in problems)) problems[problem.field] = problem.code;
  }
  return problems;
}

/** The form's values from a profile (GET /liff/api/me), for editing. */
export function valuesFromProfile(profile) {
  const values = { ...profile.custom_fields };
  for (const name of ["name", "name_kana", "birthdate", "phone", "store_id", "gender", "email"]) {
    if (profile[name]) values[name] = profile[name];
  }
  return values;
}
