// Municipality admins: the proposal categories residents choose from, each with a key (what a
// proposal stores) and a name in every enabled language. Saved whole over the settings API.

import { api } from "../../api.js";
import { forgetMunicipality } from "../../app.js";
import { announce, h, show } from "../../dom.js";
import { t, uiLanguageOf } from "../../i18n.js";
import { field, href, showFormError } from "../../ui.js";

const languageName = (tag) => (uiLanguageOf(tag) ? t(`language.${uiLanguageOf(tag)}`) : tag);

export async function categoriesPage({ city, isCurrent }) {
  const path = `/municipalities/${encodeURIComponent(city.slug)}/settings`;
  const settings = await api("GET", path, { auth: true });
  if (!isCurrent()) return;
  const languages = settings.languages;
  const rows = [];
  const list = h("div", {});
  const alertBox = h("div", { tabindex: "-1" });

  // Fields are named as the API names its errors (`proposal_categories[0].names.kk`).
  function fieldsOf(row, index) {
    const at = `proposal_categories[${index}]`;
    const fields = { [`${at}.key`]: row.key };
    for (const tag of languages) fields[`${at}.names.${tag}`] = row.names[tag];
    fields[`${at}.names`] = row.names[settings.default_language];
    return fields;
  }

  function addRow(category) {
    const row = {
      key: field({ label: t("settings.category_key"), name: "key", required: true, value: category?.key, attrs: { pattern: "[a-z0-9_-]+", maxlength: 64 } }),
      names: Object.fromEntries(languages.map((tag) => [tag, field({
        label: t("settings.category_name", { language: languageName(tag) }), name: `name-${tag}`,
        required: tag === settings.default_language, value: category?.names?.[tag], attrs: { lang: tag, maxlength: 100 },
      })])),
    };
    rows.push(row);
    render();
    return row;
  }

  function render() {
    list.replaceChildren(...rows.map((row, i) => h("fieldset", { class: "card" },
      h("legend", {}, t("settings.category_number", { number: i + 1 })),
      row.key.wrap, Object.values(row.names).map((f) => f.wrap),
      h("button", { type: "button", class: "secondary", onclick: () => { rows.splice(i, 1); render(); } },
        t("settings.remove_category", { number: i + 1 })))));
  }

  (settings.proposal_categories ?? []).forEach(addRow);
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const body = {
      proposal_categories: rows.map((row) => ({
        key: row.key.input.value.trim(),
        names: Object.fromEntries(Object.entries(row.names)
          .map(([tag, f]) => [tag, f.input.value.trim()])
          .filter(([, name]) => name)),
      })),
    };
    try {
      const saved = await api("PATCH", path, { auth: true, body });
      // The client keeps the city for the session: the proposal form must offer the new list.
      forgetMunicipality(city.slug);
      Object.assign(city, saved);
      alertBox.replaceChildren(h("p", { class: "success", role: "status" }, t("settings.saved")));
      alertBox.focus();
    } catch (error) {
      showFormError(error, Object.assign({}, ...rows.map(fieldsOf)), alertBox);
    }
  } },
  alertBox, list,
  h("div", { class: "actions" },
    h("button", { type: "button", class: "secondary", onclick: () => {
      addRow(null).key.input.focus();
      announce(t("settings.category_number", { number: rows.length }));
    } }, t("settings.add_category")),
    h("button", { type: "submit" }, t("settings.save_categories"))));
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff") }, t("staff.title"))),
    h("h1", {}, t("settings.categories")),
    h("p", { class: "hint" }, t("settings.categories_hint")),
    form);
}
