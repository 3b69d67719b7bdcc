//! The one reader of the mail the app sends, wherever it goes: the `.eml` files of the `file`
//! transport (`<data_dir>/mail/`, the default test app's) or the Maildir of the test SMTP server
//! (`support::smtp`). It finds the messages to an address, decodes them, and takes the token out
//! of a link, so a test (or `TestApp::staff`) can follow an invitation as its invitee would.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;

/// Every message in `dir`: its own files (the `file` transport) and those of a Maildir's `new`
/// and `cur`, oldest first (by the time written, then by name).
pub fn messages_in(dir: &Path) -> Vec<Mail> {
    let mut files: Vec<(SystemTime, PathBuf)> =
        [dir.to_path_buf(), dir.join("new"), dir.join("cur")]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten())
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| {
                let written = e.metadata().and_then(|m| m.modified());
                (written.unwrap_or(SystemTime::UNIX_EPOCH), e.path())
            })
            .collect();
    files.sort();
    files.iter().map(|(_, f)| Mail::read(f)).collect()
}

/// The latest message to `address` in `dir`, if any arrived.
pub fn latest_to(dir: &Path, address: &str) -> Option<Mail> {
    messages_in(dir)
        .into_iter()
        .rev()
        .find(|m| m.header("To") == Some(address))
}

/// Waits (at most `within`) for the latest message to `address` in `dir` whose link leads to
/// `page` (`invitation`, `reset-password`), and returns it. Panics, saying what it looked for
/// and where, when none arrives.
pub async fn wait_for_link(dir: &Path, address: &str, page: &str, within: Duration) -> Mail {
    let deadline = Instant::now() + within;
    let wanted = format!("/{page}?token=");
    loop {
        if let Some(mail) = latest_to(dir, address).filter(|m| m.body.contains(&wanted)) {
            return mail;
        }
        assert!(
            Instant::now() < deadline,
            "no {page} link to {address} arrived in {} within {within:?}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The token of the invitation to `address` that arrives in `dir` (at most `within`).
pub async fn invitation_token(dir: &Path, address: &str, within: Duration) -> String {
    wait_for_link(dir, address, "invitation", within)
        .await
        .token()
}

/// A message as it arrived: headers (names lower-cased, encoded words decoded) and the body
/// decoded from its transfer encoding.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Mail {
    pub fn read(path: &Path) -> Mail {
        let raw = std::fs::read_to_string(path).expect("a message file");
        let text = raw.replace("\r\n", "\n");
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                // Unfolding removes the line break only; the blank that follows it stays.
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_lowercase(), value.trim().to_string()));
            }
        }
        let headers: Vec<_> = headers
            .into_iter()
            .map(|(n, v)| (n, decode_words(&v)))
            .collect();
        let encoding = headers
            .iter()
            .find(|(n, _)| n == "content-transfer-encoding")
            .map(|(_, v)| v.to_lowercase())
            .unwrap_or_default();
        let body = match encoding.as_str() {
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("a base64 body");
                String::from_utf8(bytes).expect("a UTF-8 body")
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_string(),
        };
        Mail { raw, headers, body }
    }

    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `token=` in the body's link.
    pub fn token(&self) -> String {
        let at = self.body.find("token=").expect("a link with a token") + "token=".len();
        self.body[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("a UTF-8 body")
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let between = &rest[..start];
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let (encoding, text) = (parts[1].to_lowercase(), &parts[2][..end]);
        let bytes = if encoding == "b" {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        } else {
            quoted_printable(&text.replace('_', " ")).into_bytes()
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &parts[2][end + 2..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}
