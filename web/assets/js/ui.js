// Pieces every page uses: form fields with their hint and error, error messages a person can
// act on, links inside the municipality.

import { h, nextId } from "./dom.js";
import { t, has } from "./i18n.js";

/** The message for an API error in the interface language, else the server's own words. */
export function errorText(error) {
  if (error?.code && has(`error.${error.code}`)) return t(`error.${error.code}`);
  if (error?.status === 0) return t("error.network");
  return error?.message || t("error.unexpected");
}

/** An alert box for an error (announced by screen readers as it appears). */
export function errorBox(error) {
  return h("div", { class: "alert", role: "alert" }, errorText(error));
}

/**
 * A labelled control: `field({label, name, type, hint, required, optional, value, attrs})`;
 * `optional: false` drops the "(optional)" mark from a field that is not always required
 * (a reason needed only to reject).
 * Returns `{wrap, input, setError(text), setOk(text)}`; the error is tied to the control by
 * `aria-describedby` and `aria-invalid`.
 */
export function field({ label, name, type = "text", hint, required = false, optional = !required, value, attrs = {}, options }) {
  const id = nextId(name);
  const hintId = hint ? `${id}-hint` : null;
  const messageId = `${id}-msg`;
  const input = options
    ? h("select", { id, name, required, ...attrs }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)))
    : type === "textarea"
      ? h("textarea", { id, name, required, ...attrs }, value ?? "")
      : h("input", { id, name, type, required, value: value ?? null, ...attrs });
  const message = h("p", { id: messageId, class: "field-error", hidden: true });
  input.setAttribute("aria-describedby", [hintId, messageId].filter(Boolean).join(" "));
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, label, optional ? h("span", { class: "muted" }, ` (${t("form.optional")})`) : ""),
    hint ? h("p", { id: hintId, class: "hint" }, hint) : null,
    input,
    message);
  const setMessage = (text, kind) => {
    message.textContent = text || "";
    message.hidden = !text;
    message.className = kind === "ok" ? "field-ok" : "field-error";
    if (kind === "error" && text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  return {
    wrap, input,
    setError: (text) => setMessage(text, "error"),
    setOk: (text) => setMessage(text, "ok"),
  };
}

/**
 * Shows an API error on a form: each field error next to its field (by name), the rest in
 * the form's alert box. Focuses the first field in error.
 */
export function showFormError(error, fields, alertBox) {
  Object.values(fields).forEach((f) => f.setError(""));
  let first = null;
  const rest = [];
  for (const fe of error.errors ?? []) {
    const target = fields[fe.field];
    const text = has(`error.${fe.code}`) ? t(`error.${fe.code}`) : fe.message;
    if (target) {
      target.setError(text);
      first ??= target.input;
    } else {
      rest.push(text);
    }
  }
  const general = error.errors?.length && !rest.length && first ? null : [errorText(error), ...rest].join(" ");
  alertBox.replaceChildren(...(general ? [h("div", { class: "alert", role: "alert" }, general)] : []));
  (first ?? alertBox).focus?.();
}

/** `#/m/slug/...` */
export function href(slug, ...parts) {
  return `#/m/${encodeURIComponent(slug)}${parts.length ? "/" : ""}${parts.map(encodeURIComponent).join("/")}`;
}

/** The translated name of a cycle phase. */
export function phaseName(status) {
  return t(`phase.${status}`);
}

/**
 * Asks before an action that cannot be undone, in a modal `<dialog>` (focus is kept inside
 * it and Escape cancels). Resolves true when confirmed.
 */
export function confirmAction(question, confirmLabel) {
  return new Promise((resolve) => {
    const titleId = nextId("confirm");
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": titleId },
      h("p", { id: titleId }, question),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "confirm-yes", onclick: () => close(true) }, confirmLabel),
        h("button", { type: "button", class: "secondary", onclick: () => close(false) }, t("staff.cancel"))));
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Downloads an authorised file (an export) as `chosen`, else under the name the server gives
 * it (which names things by id), else `fallbackName`.
 */
export async function download(response, fallbackName, chosen) {
  const disposition = response.headers.get("content-disposition") || "";
  // The server's UTF-8 name (RFC 5987 `filename*`) before its ASCII one.
  const utf8 = disposition.match(/filename\*=UTF-8''([^;\s]+)/i)?.[1];
  const name = chosen ?? (utf8 && decodeURIComponent(utf8)) ?? disposition.match(/filename="?([^";]+)"?/)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/**
 * Makes a `change` (an API request) and then `reload`s the page, with the page's buttons
 * disabled and the page marked busy meanwhile: a click in the moment between the change and
 * the new page would act on the page about to be replaced, and what it showed (a "give a
 * reason") would vanish with it. On an error the page stays and its buttons come back.
 */
export async function changeAndReload(change, reload) {
  const main = document.getElementById("main");
  const buttons = [...main.querySelectorAll("button:not([disabled])")];
  for (const button of buttons) button.disabled = true;
  main.setAttribute("aria-busy", "true");
  try {
    await change();
    await reload();
  } finally {
    for (const button of buttons) button.disabled = false;
    main.removeAttribute("aria-busy");
  }
}

/** Staff roles, from the most to the least powerful. */
export const STAFF_ROLES = ["municipality_admin", "official", "auditor"];

export function isStaff(account) {
  return STAFF_ROLES.includes(account?.role);
}

/**
 * A form of `fields` with one submit button: while `action()` runs the button is disabled;
 * an API error is shown next to its fields (and the rest above them).
 */
export function apiForm(fields, submitLabel, action) {
  const alertBox = h("div", { tabindex: "-1" });
  const submit = h("button", { type: "submit" }, submitLabel);
  return h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await action();
    } catch (error) {
      showFormError(error, fields, alertBox);
    } finally {
      submit.disabled = false;
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, submit));
}

/** The trimmed reason typed in `reasonField`, or null after asking for one. */
export function requiredReason(reasonField) {
  const reason = reasonField.input.value.trim();
  if (reason) return reason;
  reasonField.setError(t("staff.reason_needed"));
  reasonField.input.focus();
  return null;
}

/**
 * A file name people recognise: `what` (a cycle's or budget's name, in any script) and the
 * day, e.g. `parks-2026-12-05.csv`; ids mean nothing to the person who downloads it.
 */
export function fileName(what, ext, day = new Date()) {
  const words = String(what).toLowerCase().normalize("NFC").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
  return `${words.slice(0, 60) || "kurultai"}-${day.toISOString().slice(0, 10)}.${ext}`;
}
