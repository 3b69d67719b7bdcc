// Staff: the municipality's residents, searched by name and filtered by status and district,
// a page at a time ("Show more" follows the API's cursor). Each pending registration shows
// what an official decides on — district, registration date, age against the municipality's
// minimum — and can be verified, or rejected with a reason. A rejected registration's ID can
// be released (the registration is erased) so that its real owner can register.

import { api } from "../../api.js";
import { announce, h, show } from "../../dom.js";
import { date, number, pick, t } from "../../i18n.js";
import { changeAndReload, confirmAction, errorBox, field, href, requiredReason } from "../../ui.js";
import { wallClock } from "./cycle_details.js";
import { codeActions } from "./resident_codes.js";

const PAGE = 50;
const STATUSES = ["pending", "verified", "rejected"];

/** Full years from `birthDate` (`YYYY-MM-DD`) to `today` (`YYYY-MM-DD`), birthdays as the server counts them. */
export function ageOn(birthDate, today) {
  const years = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return today.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

function query(slug, filters, cursor) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (filters.status) params.set("status", filters.status);
  if (filters.district) params.set("district", filters.district);
  if (filters.q) params.set("q", filters.q);
  if (cursor) params.set("cursor", cursor);
  return `/municipalities/${slug}/residents?${params}`;
}

export async function residentsPage({ city, isCurrent }, filters = { status: "pending", district: "", q: "" }) {
  const slug = encodeURIComponent(city.slug);
  const [first, districts] = await Promise.all([
    api("GET", query(slug, filters), { auth: true }),
    api("GET", `/municipalities/${slug}/districts`),
  ]);
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const reload = () => residentsPage({ city, isCurrent }, filters);
  const today = wallClock(new Date().toISOString(), city.time_zone).slice(0, 10);
  const districtName = (id) => {
    const d = districts.find((x) => x.id === id);
    return d ? pick(d.names, city.default_language) : t("staff.no_district");
  };
  const act = (resident, action, reasonField) => async () => {
    const reason = action === "reject" ? requiredReason(reasonField) : null;
    if (action === "reject" && !reason) return;
    try {
      await changeAndReload(() => api("POST", `/municipalities/${slug}/residents/${resident.id}/${action}`, { auth: true, body: action === "reject" ? { reason } : undefined }), reload);
      const done = { verify: "staff.verified", reject: "staff.resident_rejected", release: "staff.resident_released" }[action];
      announce(t(done, { name: resident.full_name }));
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    }
  };
  const card = (r) => {
    const underAge = ageOn(r.birth_date, today) < city.min_voting_age;
    const facts = h("dl", { class: "facts" },
      h("dt", {}, t("register.birth_date")), h("dd", {}, date(`${r.birth_date}T12:00:00Z`, "UTC")),
      h("dt", {}, t("staff.district")), h("dd", {}, districtName(r.district_id)),
      h("dt", {}, t("staff.registered_on")), h("dd", {}, date(r.created_at, city.time_zone)),
      r.verified_by?.length ? [h("dt", {}, t("codes.verified_by")), h("dd", {}, r.verified_by.map((m) => t(`verification.method.${m}`)).join(", "))] : null);
    const items = [h("h2", {}, r.full_name),
      r.status !== "pending" ? h("p", {}, h("span", { class: "badge" }, t(`staff.resident_status.${r.status}`))) : null,
      facts,
      underAge ? h("p", { class: "field-error" }, t("staff.under_age", { age: number(city.min_voting_age) })) : null,
      r.warnings?.length ? h("p", { class: "field-error" }, r.warnings.map((w) => t(`error.${w}`)).join(" ")) : null];
    if (r.status === "pending") {
      // Required to reject, not to verify: the label says so, without an "(optional)" mark.
      const reason = field({ label: t("staff.reason"), name: "reason", optional: false, attrs: { maxlength: 500 } });
      items.push(reason.wrap, h("div", { class: "actions" },
        h("button", { type: "button", onclick: act(r, "verify") }, t("staff.verify", { name: r.full_name })),
        h("button", { type: "button", class: "secondary", onclick: act(r, "reject", reason) }, t("staff.reject_resident", { name: r.full_name }))));
    }
    if (r.status !== "rejected") items.push(codeActions(city, r));
    // Erasing is final: the dialog says what it does before anything happens.
    if (r.status === "rejected") {
      const release = act(r, "release");
      items.push(h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: async () => {
        if (await confirmAction(t("staff.release_hint"), t("staff.release_resident", { name: r.full_name }))) await release();
      } }, t("staff.release_resident", { name: r.full_name }))));
    }
    return h("li", { class: "card" }, items);
  };

  // The filters: a search form, applied on submit (a new first page).
  const search = field({ label: t("staff.search_residents"), name: "q", type: "search", value: filters.q });
  const status = field({ label: t("staff.status_filter"), name: "status", value: filters.status,
    options: [["", t("staff.all")], ...STATUSES.map((s) => [s, t(`staff.resident_status.${s}`)])] });
  const district = districts.length ? field({ label: t("staff.district"), name: "district", value: filters.district,
    options: [["", t("staff.all")], ...districts.map((d) => [d.id, pick(d.names, city.default_language)])] }) : null;
  const filterForm = h("form", { role: "search", class: "filters", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    residentsPage({ city, isCurrent }, { q: search.input.value.trim(), status: status.input.value, district: district?.input.value ?? "" })
      .catch((error) => { messages.replaceChildren(errorBox(error)); messages.focus(); });
  } }, search.wrap, status.wrap, district?.wrap, h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.apply_filters"))));

  const list = h("ul", { class: "cards" }, first.items.map(card));
  const count = h("p", { role: "status" }, t("staff.residents_shown", { count: number(first.items.length) }));
  let cursor = first.next_cursor;
  let shown = first.items.length;
  const more = h("button", { type: "button", class: "secondary", hidden: !cursor, onclick: async () => {
    more.disabled = true;
    try {
      const next = await api("GET", query(slug, filters, cursor), { auth: true });
      list.append(...next.items.map(card));
      shown += next.items.length;
      count.textContent = t("staff.residents_shown", { count: number(shown) });
      cursor = next.next_cursor;
      more.hidden = !cursor;
      // Keep the keyboard where the new rows begin.
      list.children[shown - next.items.length]?.querySelector("h2")?.setAttribute("tabindex", "-1");
      list.children[shown - next.items.length]?.querySelector("h2")?.focus();
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    } finally {
      more.disabled = false;
    }
  } }, t("staff.show_more"));
  const none = filters.status === "pending" && !filters.q && !filters.district ? t("staff.no_pending") : t("staff.no_residents");
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("staff.residents")),
    filterForm,
    messages,
    first.items.length ? [count, list, h("p", {}, more)] : h("p", {}, none));
}
