// Where the signed-in resident stands in a budget (`GET /budgets/{id}/eligibility`, the
// server's own reasons): the sentence saying whether they can vote and why not, and the
// receipt of their ballot, grouped so that it wraps only between groups, with a one-tap copy.

import { api } from "./api.js";
import { h } from "./dom.js";
import { date, t } from "./i18n.js";

/** The caller's standing in a budget, or null when it cannot be read (the page goes on). */
export async function standingIn(budgetId) {
  try {
    return await api("GET", `/budgets/${encodeURIComponent(budgetId)}/eligibility`, { auth: true });
  } catch {
    return null;
  }
}

const AFTER_VOTING = ["closed", "published", "cancelled"];

/** The sentence for `standing` in a cycle whose status is `cycleStatus`. */
export function standingText(standing, cycleStatus) {
  const reason = standing.reason;
  if (standing.voted) {
    const voted = t("standing.voted", { when: date(standing.cast_at, "UTC") });
    return reason === "already_voted" ? `${voted} ${t("ballot.final")}` : voted;
  }
  if (!reason) return t("standing.can_vote");
  if (reason === "not_verified") return t(standing.registration === "rejected" ? "standing.rejected" : "standing.not_verified");
  if (reason === "too_young") return t("standing.too_young", { date: date(standing.votes_from, "UTC") });
  if (reason === "verification_not_accepted") {
    const methods = (standing.accepted_verifications ?? []).map((m) => t(`verification.method.${m}`)).join(", ");
    return `${t("standing.verification_not_accepted")} ${t("standing.accepted_methods", { methods })}`;
  }
  if (reason === "voting_not_open") return t(AFTER_VOTING.includes(cycleStatus) ? "standing.voting_closed" : "standing.voting_not_open");
  return t(`standing.${reason}`);
}

/** A paragraph with `standing`'s sentence, marked as good news when the resident can vote. */
export function standingLine(standing, cycleStatus) {
  const good = standing.can_vote || standing.voted || (standing.eligible && standing.reason === "voting_not_open");
  return h("p", { class: `standing ${good ? "ok" : "bad"}`, dataset: { reason: standing.reason ?? (standing.voted ? "voted" : "can_vote") } },
    standingText(standing, cycleStatus));
}

/** The receipt code in its groups: a line breaks only between groups, never inside one. */
export function receiptCode(code) {
  const groups = code.split("-");
  return h("p", { class: "receipt-code", "data-receipt": code, translate: "no" },
    groups.map((group, i) => (i < groups.length - 1
      ? [h("span", { class: "receipt-group" }, `${group}-`), h("wbr")]
      : h("span", { class: "receipt-group" }, group))));
}

async function copyText(text) {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Without the asynchronous clipboard (a page not served over HTTPS): a hidden field.
  const field = h("textarea", { readonly: true, class: "visually-hidden", "aria-hidden": "true", tabindex: "-1" }, text);
  document.body.append(field);
  field.select();
  const copied = document.execCommand("copy");
  field.remove();
  if (!copied) throw new Error("copy refused");
}

/** The receipt with its "copy" button; the confirmation is shown and announced. */
export function receiptBlock(code) {
  const said = h("span", { role: "status", class: "copy-status" });
  const copy = h("button", { type: "button", class: "secondary copy", onclick: async () => {
    said.textContent = "";
    try {
      await copyText(code);
      said.textContent = t("receipt.copied");
    } catch {
      said.textContent = t("receipt.copy_failed");
    }
  } }, t("receipt.copy"));
  return h("div", { class: "receipt" }, receiptCode(code), h("p", { class: "actions" }, copy, said));
}
