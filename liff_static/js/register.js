// register.html: the shop's registration form. On success the customer goes to their card, which
// shows the number they were given (or kept, if they had a guest card).
import { TEXTS } from "./texts.js";
import { callApiPatiently, openFormPage } from "./liff-app.js";
import { problemText, showPageProblem, showStatus } from "./status.js";
import { LEAVING_PAGE, onSubmit } from "./form-submission.js";
import { problemsFromServer, renderRegistrationForm, valuesFromProfile } from "./registration-form.js";
import { claimCodeInUrl, CLAIM_PARAMETER } from "./card-rewards.js";

const formElement = document.getElementById("registration");

async function main() {
  const page = await openFormPage();
  if (!page) return;
  const { config, form, me } = page;
  const profile = me.payload;
  const fields = form.payload.fields;
  const lead = document.getElementById("lead");
  // The birth-month coupon is promised only by a shop whose form asks the birthdate.
  const asksBirthdate = fields.some((field) => field.name === "birthdate");
  if (profile.status === "registered") lead.textContent = TEXTS.register.leadRegistered;
  else if (profile.status === "guest") lead.textContent = TEXTS.register.leadGuest(profile.member_no);
  else lead.textContent = asksBirthdate ? TEXTS.register.lead : TEXTS.register.leadWithoutBirthdate;

  const registration = renderRegistrationForm(
    document.getElementById("fields"),
    fields,
    profile.status === "registered" ? valuesFromProfile(profile) : {},
  );
  document.getElementById("submit").textContent = TEXTS.register.submit;
  formElement.hidden = false;
  showStatus("");

  onSubmit(
    formElement,
    async () => {
      if (!registration.check()) return showStatus(TEXTS.formHasErrors);
      showStatus("");
      const result = await callApiPatiently(config, "/liff/api/registration", {
        method: "POST",
        body: registration.values(),
      });
      if (result.ok) {
        // The card shows the number kept from before, and claims the poster's coupon that led here.
        const query = new URLSearchParams();
        if (profile.status !== "registered") query.set("registered", "1"); // the card's one-time banner
        if (result.payload.legacy_number_claimed) query.set("claimed", "1");
        if (claimCodeInUrl()) query.set(CLAIM_PARAMETER, claimCodeInUrl());
        window.location.assign(query.toString() ? `card.html?${query}` : "card.html");
        return LEAVING_PAGE;
      }
      if (result.status === 422) {
        registration.showProblems(problemsFromServer(result.payload));
        return showStatus(TEXTS.formHasErrors);
      }
      return showStatus(problemText(result, TEXTS.register.failed));
    },
    // A double tap sends once (the server is idempotent anyway).
    { busyText: TEXTS.register.submitting, onError: () => showStatus(TEXTS.register.failed) },
  );
}

main().catch((error) => {
  console.error(error);
  showPageProblem(TEXTS.loadFailed);
});
