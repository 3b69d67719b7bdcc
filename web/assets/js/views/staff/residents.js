// Staff: registrations waiting for an official (municipalities with `review` registration).

import { api } from "../../api.js";
import { announce, h, show } from "../../dom.js";
import { date, t } from "../../i18n.js";
import { changeAndReload, errorBox, field, href, requiredReason } from "../../ui.js";

export async function residentsPage({ city, isCurrent }) {
  const slug = encodeURIComponent(city.slug);
  const page = await api("GET", `/municipalities/${slug}/residents?status=pending&limit=100`, { auth: true });
  if (!isCurrent()) return;
  const messages = h("div", { tabindex: "-1" });
  const reload = () => residentsPage({ city, isCurrent });
  const act = (resident, action, reasonField) => async () => {
    const reason = action === "reject" ? requiredReason(reasonField) : null;
    if (action === "reject" && !reason) return;
    try {
      await changeAndReload(() => api("POST", `/municipalities/${slug}/residents/${resident.id}/${action}`, { auth: true, body: action === "reject" ? { reason } : undefined }), reload);
      announce(t(action === "verify" ? "staff.verified" : "staff.resident_rejected", { name: resident.full_name }));
    } catch (error) {
      messages.replaceChildren(errorBox(error));
      messages.focus();
    }
  };
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("staff.residents")),
    messages,
    page.items.length ? h("ul", { class: "cards" }, page.items.map((r) => {
      const reason = field({ label: t("staff.reason"), name: "reason", attrs: { maxlength: 500 } });
      return h("li", { class: "card" },
        h("h2", {}, r.full_name),
        h("p", {}, t("register.birth_date"), ": ", date(`${r.birth_date}T12:00:00Z`, "UTC")),
        r.warnings?.length ? h("p", { class: "field-error" }, r.warnings.map((w) => t(`error.${w}`)).join(" ")) : null,
        reason.wrap,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: act(r, "verify") }, t("staff.verify", { name: r.full_name })),
          h("button", { type: "button", class: "secondary", onclick: act(r, "reject", reason) }, t("staff.reject_resident", { name: r.full_name }))));
    })) : h("p", {}, t("staff.no_pending")));
}
