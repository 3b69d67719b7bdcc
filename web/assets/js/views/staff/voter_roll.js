// A municipality admin replaces the voter roll with a CSV file (`national_id,birth_date`).
// The server stores nothing if any line is wrong and names the bad lines; they are listed
// here by line number, each reason in the page's language.

import { api } from "../../api.js";
import { h, show } from "../../dom.js";
import { t, has } from "../../i18n.js";
import { errorText, field, href } from "../../ui.js";

/** `line[3].national_id` → {line: 3, column: "national_id"}; null for a problem of the whole file. */
function lineOf(fieldName) {
  const match = /^line\[(\d+)\](?:\.(\w+))?$/.exec(fieldName ?? "");
  return match ? { line: Number(match[1]), column: match[2] ?? null } : null;
}

/** The bad lines as a table: line, column, reason. */
function rejectedLines(errors) {
  const rows = errors.map((e) => ({ ...e, at: lineOf(e.field) })).filter((e) => e.at);
  const general = errors.filter((e) => !lineOf(e.field));
  const reason = (e) => (has(`error.${e.code}`) ? t(`error.${e.code}`) : e.message);
  return [
    general.map((e) => h("p", {}, reason(e))),
    rows.length ? h("div", { class: "table-wrap" }, h("table", {},
      h("caption", {}, t("roll.rejected_caption")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("roll.line")), h("th", { scope: "col" }, t("roll.column")), h("th", { scope: "col" }, t("roll.reason")))),
      h("tbody", {}, rows.map((e) => h("tr", {},
        h("td", { class: "num" }, String(e.at.line)),
        h("td", {}, e.at.column ? t(`roll.column.${e.at.column}`) : t("roll.whole_line")),
        h("td", {}, reason(e))))))) : null,
  ];
}

export async function voterRollPage({ city }) {
  const file = field({ label: t("roll.file"), name: "file", type: "file", required: true, hint: t("roll.hint"), attrs: { accept: ".csv,text/csv" } });
  const report = h("div", { tabindex: "-1", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, t("roll.upload"));
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const chosen = file.input.files?.[0];
    if (!chosen) {
      file.setError(t("roll.choose_file"));
      file.input.focus();
      return;
    }
    file.setError("");
    submit.disabled = true;
    try {
      // Spreadsheet programs label CSV files differently; the server takes text/csv.
      const body = new Blob([chosen], { type: "text/csv" });
      const outcome = await api("POST", `/municipalities/${encodeURIComponent(city.slug)}/voter-roll`, { auth: true, body });
      report.replaceChildren(h("p", { class: "success", role: "status" },
        t("roll.uploaded", { count: outcome.rows }), " ", t("roll.verified", { count: outcome.newly_verified })));
    } catch (error) {
      const lines = new Set(error.errors.map((e) => lineOf(e.field)?.line).filter(Boolean));
      report.replaceChildren(h("div", { class: "alert", role: "alert" },
        error.errors.length ? t("roll.rejected", { count: lines.size }) : errorText(error)),
      ...rejectedLines(error.errors));
    } finally {
      submit.disabled = false;
    }
    report.focus();
  } }, file.wrap, h("div", { class: "actions" }, submit));
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("roll.title")),
    h("p", {}, t("roll.intro")),
    form, report);
}
