// Building the page from data without innerHTML: every text a municipality or resident typed
// goes in as a text node, so no proposal title can inject markup.

/** `h("p", {class: "x"}, "text", child)`: an element; `on*` attributes become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An SVG element (the results chart). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Replaces the page's content and moves focus to its heading, as a page load would. */
export function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
    document.title = `${heading.textContent} · Kurultai`;
  }
}

/** Says `text` to screen readers through the page's live region. */
export function announce(text) {
  const region = document.getElementById("announce");
  // Clearing first makes the same message be read again.
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 30);
}

let uid = 0;
/** A fresh id for pairing labels, hints and errors with their control. */
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}
