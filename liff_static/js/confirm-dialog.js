// The one confirmation dialog, asked before anything that cannot be undone (an exchange, a deletion,
// a campaign): a page that confirms has <confirm-dialog></confirm-dialog> in its markup and calls
// confirmAction(). The element draws a modal <dialog> named by its title, the safe answer focused.
import { element } from "./dom.js";

class ConfirmDialog extends HTMLElement {
  connectedCallback() {
    if (this.dialog) return;
    this.heading = element("h2", { id: "confirm-title" });
    this.body = element("div", { id: "confirm-body" });
    this.yesButton = element("button", { type: "button", id: "confirm-yes" });
    this.noButton = element("button", { type: "button", id: "confirm-no", class: "button", autofocus: "" });
    const actions = element("div", { class: "actions" });
    actions.append(this.yesButton, this.noButton);
    this.dialog = element("dialog", { id: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body" });
    this.dialog.append(this.heading, this.body, actions);
    this.append(this.dialog);
  }

  /** Resolves true when the user says yes; no, Escape or the back gesture is false. */
  ask({ title, lines, yes, no, danger = false }) {
    this.heading.textContent = title;
    this.body.replaceChildren(...lines.map((line) => element("p", {}, line)));
    this.yesButton.textContent = yes;
    this.yesButton.className = danger ? "danger-button" : "primary";
    this.noButton.textContent = no;
    return new Promise((resolve) => {
      const finish = (answer) => {
        this.yesButton.onclick = this.noButton.onclick = this.dialog.oncancel = null;
        this.dialog.close();
        resolve(answer);
      };
      // The second tap of a double tap (detail 2) lands on the dialog the first one opened: not an answer.
      this.yesButton.onclick = (event) => event.detail < 2 && finish(true);
      this.noButton.onclick = (event) => event.detail < 2 && finish(false);
      this.dialog.oncancel = () => finish(false);
      this.dialog.showModal();
    });
  }
}

customElements.define("confirm-dialog", ConfirmDialog);

/**
 * Ask before something that cannot be undone; resolves true when the user says yes. `lines` are the
 * dialog's paragraphs; `danger` colours the yes button as a deletion.
 */
export function confirmAction(question) {
  return document.querySelector("confirm-dialog").ask(question);
}
