// The mail the app sent, as the real SMTP server (aiosmtpd, started by the Rust side) stored
// it in a Maildir named by KURULTAI_MAILDIR: what a person would open in their mail reader.

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message's headers (lower-cased names) and its body decoded from its transfer encoding. */
function parse(raw) {
  const text = raw.replace(/\r\n/g, "\n");
  const split = text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? "" : text.slice(split + 2);
  const headers = {};
  let last = null;
  for (const line of head.split("\n")) {
    if (/^[ \t]/.test(line) && last) headers[last] += line;
    else if (line.includes(":")) {
      last = line.slice(0, line.indexOf(":")).trim().toLowerCase();
      headers[last] ??= line.slice(line.indexOf(":") + 1).trim();
    }
  }
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  let decoded = body;
  if (encoding === "base64") decoded = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  else if (encoding === "quoted-printable") {
    const joined = body.replace(/=\n/g, "");
    decoded = Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), "latin1").toString("utf8");
  }
  return { headers, body: decoded };
}

/** Every message in the Maildir, oldest first. */
async function messages(maildir) {
  const found = [];
  for (const sub of ["new", "cur"]) {
    const dir = join(maildir, sub);
    let names = [];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      found.push({ at: (await stat(path)).mtimeMs, message: parse(await readFile(path, "utf8")) });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.message);
}

/**
 * The link in the newest message to `address` (the `count`-th one when the test waits for a
 * second, resent message), waiting up to `within` ms for it to arrive.
 */
export async function linkMailedTo(address, options) {
  const link = (await bodyMailedTo(address, options)).match(/https?:\/\/\S+/);
  if (!link) throw new Error(`no link in the message to ${address}`);
  return link[0];
}

/** The typed code (`7XK2M-Q4TZ9`) in the newest message to `address`, as `linkMailedTo`. */
export async function codeMailedTo(address, options) {
  const code = (await bodyMailedTo(address, options)).match(/\b[0-9A-Z]{5}-[0-9A-Z]{5}\b/);
  if (!code) throw new Error(`no code in the message to ${address}`);
  return code[0];
}

/** The body of the newest message to `address` once `count` arrived (within `within` ms). */
async function bodyMailedTo(address, { count = 1, within = 20000 } = {}) {
  const maildir = process.env.KURULTAI_MAILDIR;
  if (!maildir) throw new Error("KURULTAI_MAILDIR is not set");
  const deadline = Date.now() + within;
  for (;;) {
    const mine = (await messages(maildir)).filter((m) => (m.headers.to ?? "").includes(address));
    if (mine.length >= count) return mine[mine.length - 1].body;
    if (Date.now() > deadline) throw new Error(`no message to ${address} arrived within ${within} ms`);
    await sleep(100);
  }
}
