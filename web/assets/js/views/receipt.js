// Checking a receipt: whether that ballot is in the count (never what it contains).

import { api } from "../api.js";
import { h, show, announce } from "../dom.js";
import { t } from "../i18n.js";
import { field, showFormError } from "../ui.js";

export async function receiptPage() {
  const code = field({ label: t("receipt.code"), name: "code", required: true, hint: t("receipt.hint"), attrs: { autocomplete: "off", spellcheck: "false" } });
  const answer = h("div", { role: "status" });
  const alertBox = h("div", { tabindex: "-1" });
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    answer.replaceChildren();
    alertBox.replaceChildren();
    try {
      const status = await api("GET", `/receipts/${encodeURIComponent(code.input.value.trim())}`);
      const text = t(`receipt.status.${status.status}`);
      answer.replaceChildren(h("p", { class: status.status === "counted" ? "success" : "notice" }, text));
      announce(text);
    } catch (error) {
      if (error.code === "not_found") code.setError(t("receipt.unknown"));
      else showFormError(error, { code }, alertBox);
    }
  } }, alertBox, code.wrap, h("div", { class: "actions" }, h("button", { type: "submit" }, t("receipt.check"))));
  show(h("h1", {}, t("receipt.title")), h("p", {}, t("receipt.intro")), form, answer);
}
