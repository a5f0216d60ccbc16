// Building the pages' DOM: one element maker shared by every page, so text always goes in as text.

/** A new element; attributes that are undefined, null or false are left off, `text` is textContent. */
export function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  if (text !== "" && text !== null && text !== undefined) node.textContent = String(text);
  return node;
}
