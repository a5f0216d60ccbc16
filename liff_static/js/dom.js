// Building the pages' DOM: one element maker shared by every page, so text always goes in as text,
// and the one confirmation dialog (<dialog id="confirm"> with its title, body and two buttons).

/** A new element; attributes that are undefined, null or false are left off, `text` is textContent. */
export function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  if (text !== "" && text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

/** Ask before something that cannot be undone; resolves true when the user says yes. */
export function confirmAction({ title, lines, yes, no }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-body").replaceChildren(...lines.map((line) => element("p", {}, line)));
  const yesButton = document.getElementById("confirm-yes");
  const noButton = document.getElementById("confirm-no");
  yesButton.textContent = yes;
  noButton.textContent = no;
  return new Promise((resolve) => {
    const finish = (answer) => {
      yesButton.onclick = noButton.onclick = dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    // The second tap of a double tap (detail 2) lands on the dialog the first one opened: not an answer.
    yesButton.onclick = (event) => event.detail < 2 && finish(true);
    noButton.onclick = (event) => event.detail < 2 && finish(false);
    dialog.oncancel = () => finish(false);
    dialog.showModal();
  });
}
