//! TLS towards the mail server, against a real aiosmtpd speaking STARTTLS or TLS from the
//! first byte, with a certificate from a city's own authority made for the test: mail goes
//! out only over TLS to a server whose certificate checks, never in clear.

use std::path::PathBuf;
use std::time::Duration;

use kurultai::config::SmtpTls;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp, PLATFORM_EMAIL};
use crate::support::recovery_outbox;
use crate::support::smtp::{smtp_on, SmtpServer};

const ARRIVES: Duration = Duration::from_secs(15);

/// A city's certificate authority and a server certificate for 127.0.0.1 it signed, as PEM
/// files: `ca.pem`, `server.pem`, `server.key`.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), server.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), server_key.serialize_pem()).unwrap();
        Pki { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn server(&self, implicit: bool) -> Option<SmtpServer> {
        SmtpServer::start_tls(implicit, &self.file("server.pem"), &self.file("server.key"))
    }
}

/// An app sending to `port` with `tls`, trusting `ca` when given.
async fn app(port: u16, tls: SmtpTls, ca: Option<PathBuf>) -> TestApp {
    spawn_app_with(move |s| {
        smtp_on(port)(s);
        s.mail.smtp_tls = tls;
        s.mail.smtp_ca_file = ca;
    })
    .await
}

/// The platform admin asks for a recovery link: one message queued.
async fn queue_one(app: &TestApp) {
    app.platform_admin_token().await;
    app.anonymous()
        .post(
            "/api/v1/auth/password-recovery",
            &json!({ "email": PLATFORM_EMAIL }),
        )
        .await
        .expect_status(202);
}

/// The one queued message failed at least once, with `error` in its last error, and is
/// still queued: nothing went out.
async fn refused(app: &TestApp, smtp: &SmtpServer, error: &str) {
    recovery_outbox::rows_until(app, ARRIVES, |rows| {
        rows.len() == 1 && rows[0].attempts >= 1 && rows[0].last_error.is_some()
    })
    .await;
    let row = recovery_outbox::rows(app).await.remove(0);
    assert_eq!(row.status.as_str(), "queued");
    let last_error = row.last_error.unwrap();
    assert!(last_error.contains(error), "{last_error}");
    assert!(smtp.messages().is_empty(), "nothing arrives");
}

#[tokio::test]
async fn starttls_to_a_server_under_the_citys_authority_delivers() {
    let pki = Pki::new();
    let Some(smtp) = pki.server(false) else {
        return;
    };
    let app = app(smtp.port, SmtpTls::Starttls, Some(pki.file("ca.pem"))).await;
    queue_one(&app).await;
    let mail = smtp.wait_for(1, ARRIVES).await.remove(0);
    assert_eq!(mail.header("To"), Some(PLATFORM_EMAIL));
}

#[tokio::test]
async fn tls_from_the_first_byte_delivers() {
    let pki = Pki::new();
    let Some(smtp) = pki.server(true) else {
        return;
    };
    let app = app(smtp.port, SmtpTls::Tls, Some(pki.file("ca.pem"))).await;
    queue_one(&app).await;
    let mail = smtp.wait_for(1, ARRIVES).await.remove(0);
    assert_eq!(mail.header("To"), Some(PLATFORM_EMAIL));
}

#[tokio::test]
async fn a_certificate_no_trusted_authority_signed_gets_nothing() {
    let pki = Pki::new();
    let Some(smtp) = pki.server(false) else {
        return;
    };
    // The public roots only: the city's authority is unknown to them.
    let app = app(smtp.port, SmtpTls::Starttls, None).await;
    queue_one(&app).await;
    refused(&app, &smtp, "certificate").await;
}

#[tokio::test]
async fn a_server_without_starttls_gets_nothing_in_clear() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(smtp.port, SmtpTls::Starttls, None).await;
    queue_one(&app).await;
    refused(&app, &smtp, "STARTTLS").await;
}
