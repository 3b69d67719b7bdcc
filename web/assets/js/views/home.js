// Choosing a municipality.

import { api } from "../api.js";
import { h, show } from "../dom.js";
import { pick, t } from "../i18n.js";
import { errorBox, href } from "../ui.js";
import { hashParam } from "./provider.js";

export async function homePage({ isCurrent }) {
  const items = [];
  let cursor = null;
  // A handful of pages at most: the platform hosts cities, not thousands of them.
  for (let i = 0; i < 20; i += 1) {
    const page = await api("GET", `/municipalities?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  if (!isCurrent()) return;
  // `#/?error=<code>`: the provider's callback could not tell which sign-in it finished.
  const refused = hashParam("error");
  show(
    h("h1", {}, t("home.title")),
    refused ? errorBox({ code: refused }) : null,
    h("p", {}, t("home.intro")),
    items.length
      ? h("ul", { class: "cards" }, items.map((m) => h("li", { class: "card" },
          h("h2", {}, h("a", { href: href(m.slug) }, pick(m.names, m.default_language))),
          h("p", { class: "muted" }, m.country, " · ", m.currency))))
      : h("p", {}, t("home.none")),
  );
}
