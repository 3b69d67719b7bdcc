//! A real SMTP server for the tests: PyPI's `aiosmtpd`, started on a free port, writing what
//! arrives into a Maildir the test reads; killed when dropped. Without `aiosmtpd` the tests
//! that need it are skipped with a message, unless `KURULTAI_SMTP_TESTS=require` (CI), when
//! they fail. Also a "hung" server: a socket that accepts and never says a word.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kurultai::config::{MailTransportKind, Settings, SmtpTls};

// Re-exported: tests that read this server's messages name it from here.
pub use crate::support::inbox::Mail;

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

/// Which Maildir each running test server writes to, by port: an app pointed at a port
/// (`TestApp::mail_dir`) reads its mail there. The latest server on a port wins.
static MAILDIRS: Mutex<Vec<(u16, PathBuf)>> = Mutex::new(Vec::new());

/// The Maildir of the test server on `port`, if one was set up there.
pub fn maildir_on(port: u16) -> Option<PathBuf> {
    let known = MAILDIRS.lock().unwrap_or_else(|e| e.into_inner());
    known
        .iter()
        .rev()
        .find(|(p, _)| *p == port)
        .map(|(_, d)| d.clone())
}

fn remember_maildir(port: u16, maildir: &Path) {
    let mut known = MAILDIRS.lock().unwrap_or_else(|e| e.into_inner());
    known.retain(|(p, _)| *p != port);
    known.push((port, maildir.to_path_buf()));
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
        Self::stopped_on(free_port())
    }

    fn stopped_on(port: u16) -> Option<SmtpServer> {
        if !available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let maildir = dir.path().join("maildir");
        remember_maildir(port, &maildir);
        Some(SmtpServer {
            port,
            maildir,
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
        let mut server = Self::stopped_on(port)?;
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

    /// Every message that arrived so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        crate::support::inbox::messages_in(&self.maildir)
    }

    /// Waits (at most `within`) for the latest message to `address` whose link leads to `page`.
    pub async fn wait_for_link(&self, address: &str, page: &str, within: Duration) -> Mail {
        crate::support::inbox::wait_for_link(&self.maildir, address, page, within).await
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
        Self::on(0)
    }

    /// A hung server on `port` (0: any free one), e.g. where a real one was just stopped.
    pub fn on(port: u16) -> HungServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("a socket");
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
