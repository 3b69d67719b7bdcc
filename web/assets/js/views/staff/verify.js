// The auditor's page for one cycle: the signed archive, the municipality's public key and the
// exact `kurultai verify` command that checks them on the auditor's own computer, without
// trusting this server (src/archive/verify/, src/cli/mod.rs).

import { api } from "../../api.js";
import { h, show } from "../../dom.js";
import { pick, t } from "../../i18n.js";
import { download, errorBox, fileName, href } from "../../ui.js";

/** The command as typed in a shell: the key is base64 (no quoting needed), the file name quoted. */
export function verifyCommand(publicKey, archiveName) {
  return `kurultai verify --key ${publicKey} '${archiveName.replace(/'/g, "'\\''")}'`;
}

export async function verifyPage({ city, params: [, cycleId], isCurrent }) {
  const [cycle, keys] = await Promise.all([
    api("GET", `/cycles/${cycleId}`, { auth: true }),
    api("GET", `/municipalities/${encodeURIComponent(city.slug)}/keys`),
  ]);
  if (!isCurrent()) return;
  const title = pick(cycle.names, city.default_language);
  const archiveName = fileName(title, "tar.gz");
  const key = keys.keys.find((k) => k.use === "cycle-archive") ?? keys.keys[0];
  const command = verifyCommand(key.public_key, archiveName);
  const status = h("div", { role: "status" });
  const ready = ["closed", "published"].includes(cycle.status);
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      await navigator.clipboard.writeText(command);
      status.replaceChildren(h("p", { class: "success" }, t("verify.copied")));
    } catch {
      status.replaceChildren(h("p", {}, t("verify.copy_by_hand")));
    }
  } }, t("verify.copy"));
  show(
    h("p", {}, h("a", { href: href(city.slug, "staff", "cycles", cycleId) }, title)),
    h("h1", {}, t("verify.title", { cycle: title })),
    h("p", {}, t("verify.intro")),
    h("h2", {}, t("verify.step_archive")),
    ready
      ? h("p", {}, h("button", { type: "button", onclick: async () => {
        try {
          const saved = await download(await api("GET", `/cycles/${cycleId}/export`, { auth: true }), null, archiveName);
          status.replaceChildren(h("p", { class: "success" }, t("staff.downloaded", { name: saved })));
        } catch (error) {
          status.replaceChildren(errorBox(error));
        }
      } }, t("staff.download_archive")))
      : h("p", { class: "muted" }, t("verify.not_yet")),
    h("h2", {}, t("verify.step_key")),
    h("dl", { class: "dates" },
      h("dt", {}, t("verify.key")), h("dd", {}, h("code", { class: "public-key" }, key.public_key)),
      h("dt", {}, t("verify.key_id")), h("dd", {}, h("code", {}, key.key_id)),
      h("dt", {}, t("verify.algorithm")), h("dd", {}, key.algorithm)),
    h("h2", {}, t("verify.step_command")),
    h("p", {}, t("verify.command_intro")),
    h("pre", {}, h("code", { class: "command", "aria-label": t("verify.step_command") }, command)),
    h("p", {}, copy),
    status,
    h("p", {}, t("verify.exit_codes")));
}
