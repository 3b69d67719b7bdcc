// How a proposal's category and place are shown: a category by its name in the page's language
// (from the municipality's list; an old free-text category as it was typed), a place as a link
// to the map rather than bare coordinates.

import { h } from "./dom.js";
import { pick, t } from "./i18n.js";

/** The municipality's category list, `[]` where categories are free text. */
export function categories(city) {
  return city.proposal_categories ?? [];
}

/** A category key's name in the page's language. */
export function categoryName(city, key) {
  const known = categories(city).find((c) => c.key === key);
  return known ? pick(known.names, city.default_language) : key;
}

/** A point as a link to OpenStreetMap, with the coordinates in its text for those who copy. */
export function mapLink(where) {
  const lat = Number(where.lat).toFixed(5);
  const lon = Number(where.lon).toFixed(5);
  return h("a", {
    href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`,
    rel: "noopener", target: "_blank",
  }, t("proposal.map_link", { lat, lon }));
}
