//! A real SMTP server for the tests: PyPI's `aiosmtpd`, started on a free port, writing what
//! arrives into a Maildir the test reads; killed when dropped. Without `aiosmtpd` the tests
//! that need it are skipped with a message, unless `KURULTAI_SMTP_TESTS=require` (CI), when
//! they fail. Also a "hung" server: a socket that accepts and never says a word.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use kurultai::config::{MailTransportKind, Settings, SmtpTls};

pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    /// aiosmtpd's TLS options, when it speaks TLS.
    tls: Vec<String>,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// The app's mail settings pointed at a plain SMTP server on `port`, quick to retry.
pub fn smtp_on(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.mail.transport = Some(MailTransportKind::Smtp);
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = port;
        s.mail.smtp_tls = SmtpTls::None;
        s.mail.from = "Kurultai <pb@kurultai.example>".into();
        s.mail.poll_ms = 100;
        s.mail.retry_base_secs = 1;
        s.mail.send_timeout_secs = 2;
    }
}

/// Whether `aiosmtpd` can run here; `None` means skip (and says why).
fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let required = std::env::var("KURULTAI_SMTP_TESTS").is_ok_and(|v| v == "require");
        assert!(
            !required,
            "KURULTAI_SMTP_TESTS=require but aiosmtpd is missing (pip install aiosmtpd)"
        );
        eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
    }
    ok
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpServer {
    /// A running server, or `None` when the tests must skip.
    pub fn start() -> Option<SmtpServer> {
        Self::on(free_port())
    }

    /// A server that is not running yet, on a port chosen now: `resume()` starts it.
    pub fn stopped() -> Option<SmtpServer> {
        if !available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        Some(SmtpServer {
            port: free_port(),
            maildir: dir.path().join("maildir"),
            tls: Vec::new(),
            child: None,
            _dir: dir,
        })
    }

    /// A running server that speaks TLS with the certificate and key in these PEM files:
    /// STARTTLS, which it then requires before any mail, or TLS from the first byte.
    pub fn start_tls(implicit: bool, cert: &Path, key: &Path) -> Option<SmtpServer> {
        let mut server = Self::stopped()?;
        let (cert_flag, key_flag) = if implicit {
            ("--smtpscert", "--smtpskey")
        } else {
            ("--tlscert", "--tlskey")
        };
        server.tls = vec![
            cert_flag.into(),
            cert.display().to_string(),
            key_flag.into(),
            key.display().to_string(),
        ];
        server.resume();
        Some(server)
    }

    fn on(port: u16) -> Option<SmtpServer> {
        let mut server = Self::stopped()?;
        server.port = port;
        server.resume();
        Some(server)
    }

    /// Starts the server (again) on its port and waits until it listens.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the SMTP server already runs");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .args(&self.tls)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (mail sent meanwhile finds nobody).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Where the messages arrive (a Maildir): the browser tests read them there.
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// Every message that arrived so far.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .flat_map(|sub| {
                std::fs::read_dir(self.maildir.join(sub))
                    .into_iter()
                    .flatten()
            })
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files.iter().map(|f| Mail::read(f)).collect()
    }

    /// Waits until `n` messages arrived (at most `within`), and returns them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages arrived within {within:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A mail server that accepts connections and never answers: the worker must give up on it.
pub struct HungServer {
    pub port: u16,
    _thread: std::thread::JoinHandle<()>,
}

impl HungServer {
    pub fn start() -> HungServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a socket");
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            // Held open, silent, for as long as the test process lives.
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
            }
        });
        HungServer {
            port,
            _thread: thread,
        }
    }
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
    fn read(path: &Path) -> Mail {
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
