// A name in every language the municipality uses: one field per language, the default first
// and required (the API refuses names without it), the others optional.

import { has, t } from "../../i18n.js";
import { field } from "../../ui.js";

/** The municipality's languages, its default first. */
export function cityLanguages(city) {
  const rest = (city.languages ?? []).filter((tag) => tag !== city.default_language);
  return [city.default_language, ...rest];
}

/**
 * One field per language for a name labelled `label`, filled from `names`. Returns
 * `{fields, value()}`: `fields` keyed `names.<tag>` (as the API reports their errors), and
 * `value()` the names typed, empty ones left out.
 */
export function nameFields(city, label, names = {}) {
  const fields = {};
  for (const tag of cityLanguages(city)) {
    const language = has(`language.${tag}`) ? t(`language.${tag}`) : tag;
    fields[`names.${tag}`] = field({
      label: t("staff.name_in_language", { field: label, language }),
      name: `names-${tag}`,
      required: tag === city.default_language,
      value: names[tag] ?? "",
      attrs: { lang: tag, maxlength: 200 },
    });
  }
  const value = () => Object.fromEntries(Object.entries(fields)
    .map(([key, f]) => [key.slice("names.".length), f.input.value.trim()])
    .filter(([, text]) => text));
  return { fields, value };
}
