// 「顧客一覧をダウンロード」 (owners only): the shop's customer list as an Excel workbook, fetched with
// the LIFF ID token and handed to the browser as a file. The 設定 tab includes the form
// (customerExportForm); the #export screen shows it on its own.
import { STAFF_TEXTS, TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, session } from "./staff-session.js";

const T = STAFF_TEXTS.customerExport;
const PATH = "/liff/api/staff/exports/customers.xlsx";


/** Fetch the workbook and save it; the API's answer ({status, ok, payload}) when it is refused. */
async function downloadWorkbook() {
  let response;
  try {
    response = await fetch(`${session.config.apiBaseUrl}${PATH}`, {
      headers: { authorization: `Bearer ${window.liff.getIDToken()}` },
    });
  } catch {
    return { status: 0, ok: false, payload: {} };
  }
  if (!response.ok) {
    return { status: response.status, ok: false, payload: await response.json().catch(() => ({})) };
  }
  const url = URL.createObjectURL(await response.blob());
  // The API is on another origin: its Content-Disposition is not readable here, so the page names the file.
  const link = element("a", { href: url, download: T.fileName(new Date()), hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click is handled; the object URL can go after that.
  window.addEventListener("focus", () => URL.revokeObjectURL(url), { once: true });
  return { status: response.status, ok: true, payload: {} };
}

/** The download's form: what the file holds, the button, and the status beside it. */
export function customerExportForm() {
  const form = element("form", { id: "customer-export", class: "customer-export", "aria-labelledby": "customer-export-heading" });
  const status = element("p", { id: "customer-export-status", class: "inline-status", role: "status" });
  form.append(
    element("h3", { id: "customer-export-heading" }, T.heading),
    element("p", { class: "notice" }, T.note),
    element("button", { type: "submit", class: "button" }, T.button),
    status,
  );
  if (!isOwner()) {
    form.querySelector("button").disabled = true;
    status.textContent = T.ownerOnly; // the form is not in the page yet: say() would not find it
    return form;
  }
  onSubmit(
    form,
    async () => {
      say(status.id, "");
      const result = await downloadWorkbook();
      say(status.id, result.ok ? T.done : staffProblemText(result), result.ok ? "done" : "problem");
    },
    { busyText: T.busy, onError: () => say(status.id, TEXTS.loadFailed, "problem") },
  );
  return form;
}

/** The #export screen: the form, made afresh each time it opens. */
export function openCustomerExport() {
  document.getElementById("export-form").replaceChildren(customerExportForm());
}
