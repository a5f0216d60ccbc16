// How every form is sent: one submission at a time (a double tap, or Enter pressed twice, sends
// once), its submit button disabled and showing that it is busy meanwhile, and a thrown error shown
// rather than lost. Also each field's problem under it, tied to its input by aria-invalid, until edited.

/** Returned by a submission that leaves the page: the button stays busy until the next page is up. */
export const LEAVING_PAGE = Symbol("leaving the page");

/**
 * Run `work(event)` when `form` is submitted, unless a submission is still on its way. `busyText`
 * replaces the button's text meanwhile; `onError(error)` shows what to say when `work` throws.
 */
export function onSubmit(form, work, { busyText = "", onError = () => {} } = {}) {
  const button = form.querySelector("button[type=submit]");
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy || button.disabled) return;
    busy = true; // before anything is awaited: the second tap of a double tap finds it set
    button.disabled = true;
    const idleText = button.textContent;
    if (busyText) button.textContent = busyText;
    let outcome = null;
    try {
      outcome = await work(event);
    } catch (error) {
      console.error(error);
      onError(error);
    }
    if (outcome === LEAVING_PAGE) return;
    button.textContent = idleText;
    button.disabled = false;
    busy = false;
  });
}

/**
 * Show `text` under the field `id` (in #<id>-error) and mark the input invalid, or clear both with
 * "". Returns true when there is no problem, so checks read `[showFieldProblem(…), …].every(Boolean)`.
 */
export function showFieldProblem(id, text) {
  const input = document.getElementById(id);
  document.getElementById(`${id}-error`).textContent = text;
  input.setAttribute("aria-invalid", String(Boolean(text)));
  // The problem goes as soon as the field is edited: the person is fixing it (the next submit checks again).
  if (text) input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => showFieldProblem(id, ""), { once: true });
  return !text;
}
