// Officials: the one-time codes they hand a resident — a letter code that verifies the
// registration, and a counter reset code for a forgotten password
// (docs/identity-verification.md). The server answers each code once, so the slip is built
// here, to print or copy, and is gone when the page changes.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { date, pick, t } from "../../i18n.js";
import { errorBox } from "../../ui.js";

const KINDS = { letter: "letter-code", reset: "password-reset-code" };

/** The buttons that issue codes for `resident`, and the place their slip appears. */
export function codeActions(city, resident) {
  const slip = h("div", { tabindex: "-1" });
  const issue = (kind) => async (event) => {
    event.target.disabled = true;
    try {
      const issued = await api("POST", `/municipalities/${encodeURIComponent(city.slug)}/residents/${resident.id}/${KINDS[kind]}`, { auth: true });
      slip.replaceChildren(codeSlip(city, resident, kind, issued));
    } catch (error) {
      slip.replaceChildren(errorBox(error));
    } finally {
      event.target.disabled = false;
      slip.focus();
    }
  };
  const offersLetter = (city.verification_methods ?? []).includes("letter_code");
  return [
    h("div", { class: "actions" },
      offersLetter ? h("button", { type: "button", class: "secondary", onclick: issue("letter") }, t("codes.issue_letter", { name: resident.full_name })) : null,
      h("button", { type: "button", class: "secondary", onclick: issue("reset") }, t("codes.issue_reset", { name: resident.full_name }))),
    slip,
  ];
}

/** The printable slip: what the code is for, the code, the city, the person, the expiry. */
function codeSlip(city, resident, kind, issued) {
  return h("section", { class: "slip", "aria-label": t(`codes.${kind}_title`) },
    h("h3", {}, t(`codes.${kind}_title`)),
    h("p", {}, pick(city.names, city.default_language)),
    h("dl", { class: "facts" },
      h("dt", {}, t("register.full_name")), h("dd", {}, resident.full_name),
      h("dt", {}, t("codes.code")), h("dd", {}, h("strong", { class: "code" }, issued.code)),
      h("dt", {}, t("codes.expires")), h("dd", {}, date(issued.expires_at, city.time_zone))),
    h("p", {}, t(`codes.${kind}_how`)),
    h("p", { class: "muted" }, t("codes.once")),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: (event) => printAlone(event.target.closest(".slip")) }, t("codes.print"))));
}

/** Prints `slip` alone (app.css): the page around it names other residents. */
function printAlone(slip) {
  document.body.classList.add("printing-one");
  slip.classList.add("printing");
  window.addEventListener("afterprint", () => {
    document.body.classList.remove("printing-one");
    slip.classList.remove("printing");
  }, { once: true });
  window.print();
}
