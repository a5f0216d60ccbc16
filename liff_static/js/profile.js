// profile.html: the customer's own registered data. View it, edit it (same form and rules as
// registration), or delete it: personal fields and coupons go, the member number is retired.
import { TEXTS, choiceLabel, fieldLabel, formatDate } from "./texts.js";
import { callApi, openFormPage } from "./liff-app.js";
import { problemText, showPageProblem, showStatus } from "./status.js";
import { onSubmit } from "./form-submission.js";
import { confirmAction } from "./confirm-dialog.js";
import { problemsFromServer, renderRegistrationForm, valuesFromProfile } from "./registration-form.js";

const byId = (id) => document.getElementById(id);

function displayValue(field, value) {
  if (!value) return TEXTS.profile.notGiven;
  if (field.kind === "date") return formatDate(value);
  if (field.kind === "select") {
    const choice = field.choices.find((c) => c.value === value);
    return choice ? choiceLabel(field, choice) : value;
  }
  return value;
}

function showProfile(fields, profile) {
  const list = byId("profile-fields");
  list.replaceChildren();
  const values = valuesFromProfile(profile);
  for (const field of fields) {
    const term = document.createElement("dt");
    term.textContent = fieldLabel(field);
    const detail = document.createElement("dd");
    detail.textContent = displayValue(field, values[field.name]);
    detail.dataset.field = field.name;
    list.append(term, detail);
  }
}

function showNotRegistered() {
  showStatus(TEXTS.profile.notRegistered);
  const links = byId("links");
  const link = document.createElement("a");
  link.href = "register.html";
  link.className = "button primary";
  link.textContent = TEXTS.profile.registerLink;
  links.replaceChildren(link);
  links.hidden = false;
}

/** Back to the member card, for a customer who has one. */
function showCardLink() {
  const links = byId("links");
  const link = document.createElement("a");
  link.href = "card.html";
  link.className = "button";
  link.textContent = TEXTS.profile.cardLink;
  links.append(link);
  links.hidden = false;
}

function setUpDeletion(config) {
  const button = byId("delete");
  byId("delete-heading").textContent = TEXTS.profile.deleteHeading;
  byId("delete-lead").textContent = TEXTS.profile.deleteLead;
  button.textContent = TEXTS.profile.deleteButton;
  button.addEventListener("click", async () => {
    const sure = await confirmAction({
      title: TEXTS.profile.deleteConfirmTitle,
      lines: [TEXTS.profile.deleteConfirmBody],
      yes: TEXTS.profile.deleteConfirm,
      no: TEXTS.profile.deleteCancel,
      danger: true,
    });
    if (!sure) return;
    button.disabled = true;
    showStatus(TEXTS.profile.deleting);
    const result = await callApi(config, "/liff/api/me", { method: "DELETE" }).catch(() => ({ ok: false, status: 0 }));
    button.disabled = false;
    if (!result.ok) return showStatus(problemText(result, TEXTS.profile.deleteFailed));
    for (const id of ["view", "edit-form", "danger", "links"]) byId(id).hidden = true;
    showStatus(TEXTS.profile.deleted);
  });
  byId("danger").hidden = false;
}

function setUpEditing(config, fields, profileHolder) {
  const formElement = byId("edit-form");
  let editor = null;
  byId("edit").textContent = TEXTS.profile.edit;
  byId("save").textContent = TEXTS.profile.save;
  byId("cancel").textContent = TEXTS.profile.cancel;
  byId("edit").addEventListener("click", () => {
    editor = renderRegistrationForm(byId("fields"), fields, valuesFromProfile(profileHolder.profile));
    byId("view").hidden = true;
    formElement.hidden = false;
    showStatus("");
  });
  byId("cancel").addEventListener("click", () => {
    formElement.hidden = true;
    byId("view").hidden = false;
  });
  onSubmit(
    formElement,
    async () => {
      if (!editor.check()) return showStatus(TEXTS.formHasErrors);
      const result = await callApi(config, "/liff/api/me", { method: "PUT", body: editor.values() }).catch(
        () => ({ ok: false, status: 0, payload: {} }),
      );
      if (result.ok) {
        profileHolder.profile = result.payload;
        showProfile(fields, result.payload);
        formElement.hidden = true;
        byId("view").hidden = false;
        showStatus(TEXTS.profile.saved);
      } else if (result.status === 422) {
        editor.showProblems(problemsFromServer(result.payload));
        showStatus(TEXTS.formHasErrors);
      } else {
        showStatus(problemText(result, TEXTS.loadFailed));
      }
    },
    { busyText: TEXTS.profile.saving, onError: () => showStatus(TEXTS.loadFailed) },
  );
}

async function main() {
  const page = await openFormPage();
  if (!page) return;
  const { config, form, me } = page;
  const profileHolder = { profile: me.payload };
  if (me.payload.status !== "registered") {
    showNotRegistered();
  } else {
    showStatus("");
    showProfile(form.payload.fields, me.payload);
    setUpEditing(config, form.payload.fields, profileHolder);
    byId("view").hidden = false;
  }
  if (me.payload.status === "registered" || me.payload.status === "guest") {
    setUpDeletion(config);
    showCardLink();
  }
}

main().catch((error) => {
  console.error(error);
  showPageProblem(TEXTS.loadFailed);
});
