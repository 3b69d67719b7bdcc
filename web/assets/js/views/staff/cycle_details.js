// A cycle's names and schedule: shown always, editable while the cycle is a draft (the API
// refuses other changes with `cycle_not_draft`). Times are typed and shown as wall-clock time
// in the municipality's zone, which the API reads as such.

import { api } from "../../api.js";
import { announce, h } from "../../dom.js";
import { dateTime, t } from "../../i18n.js";
import { field, showFormError } from "../../ui.js";
import { nameFields } from "./names.js";

export const TIMES = ["submission_opens_at", "voting_opens_at", "voting_closes_at"];
const LABELS = { submission_opens_at: "cycle.submission_opens", voting_opens_at: "cycle.voting_opens", voting_closes_at: "cycle.voting_closes" };

/** An instant as `YYYY-MM-DDTHH:MM` on the clocks of `timeZone` (a datetime-local value). */
export function wallClock(iso, timeZone) {
  if (!iso) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The schedule as a list of dates (every status). */
export function schedule(cycle) {
  return h("dl", { class: "schedule" }, TIMES.flatMap((name) => [
    h("dt", {}, t(LABELS[name])),
    h("dd", {}, cycle[name] ? dateTime(cycle[name], cycle.time_zone) : t("staff.not_set")),
  ]));
}

/** The form that changes a draft's names and dates; `saved()` reloads the page. */
export function cycleForm(city, cycle, saved) {
  const names = nameFields(city, t("staff.cycle_name"), cycle.names);
  const times = Object.fromEntries(TIMES.map((name) => [name, field({
    label: t(LABELS[name]), name, type: "datetime-local", value: wallClock(cycle[name], cycle.time_zone),
  })]));
  const fields = { ...names.fields, ...times };
  const alertBox = h("div", { tabindex: "-1" });
  const submit = h("button", { type: "submit" }, t("staff.save_cycle"));
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const body = { names: names.value() };
    for (const name of TIMES) body[name] = times[name].input.value || null;
    submit.disabled = true;
    try {
      await api("PATCH", `/cycles/${cycle.id}`, { auth: true, body });
      // Said once the page is redrawn: whoever acts on it (a person, a test) meets the new form.
      await saved();
      announce(t("staff.cycle_saved"));
    } catch (error) {
      showFormError(error, { ...fields, names: names.fields[`names.${city.default_language}`] }, alertBox);
    } finally {
      submit.disabled = false;
    }
  } }, alertBox, Object.values(fields).map((f) => f.wrap), h("div", { class: "actions" }, submit));
  return h("section", { "aria-labelledby": "cycle-details" },
    h("h2", { id: "cycle-details" }, t("staff.cycle_details")),
    h("p", { class: "hint" }, t("staff.times_in_zone", { zone: cycle.time_zone })),
    form);
}
