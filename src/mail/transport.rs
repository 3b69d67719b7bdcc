//! The configured way out for e-mail (lettre): an SMTP server (TLS through rustls, no system
//! OpenSSL), `.eml` files in `<data_dir>/mail/` for development, or nowhere.
//!
//! In production the transport must be named: a service started without `mail.transport`
//! refuses to start, and `file` or `none` chosen on purpose is said at start-up, so a city
//! never loses its recovery e-mail silently.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Environment, MailTransportKind, Settings, SmtpTls};

/// Why the configured transport cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("mail.transport is not set: in production choose smtp, file or none explicitly")]
    Unchosen,
    #[error("mail.from is not a mailbox ({0})")]
    From(String),
    #[error("mail: {0}")]
    Smtp(String),
    #[error("mail: cannot create {path}: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct Transport {
    from: Mailbox,
    way: Way,
}

enum Way {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Nowhere,
}

/// The message's language (RFC 3282), so mail clients can pick a reader or a spell checker.
#[derive(Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Marks a message as sent by a machine (RFC 3834), so auto-responders stay quiet.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

impl Transport {
    /// The transport `settings.mail` names (development defaults to files).
    pub fn from_settings(settings: &Settings) -> Result<Self, TransportError> {
        let mail = &settings.mail;
        let kind = match (mail.transport, settings.env) {
            (Some(kind), _) => kind,
            (None, Environment::Development) => MailTransportKind::File,
            (None, Environment::Production) => return Err(TransportError::Unchosen),
        };
        let from: Mailbox = mail
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| TransportError::From(e.to_string()))?;
        let way = match kind {
            MailTransportKind::Smtp => Way::Smtp(smtp(settings)?),
            MailTransportKind::File => {
                let path = settings.data_dir.join("mail");
                std::fs::create_dir_all(&path).map_err(|source| TransportError::Directory {
                    path: path.clone(),
                    source,
                })?;
                Way::File(AsyncFileTransport::new(path))
            }
            MailTransportKind::None => Way::Nowhere,
        };
        match (kind, settings.env) {
            (MailTransportKind::Smtp, _) => tracing::info!(
                host = %mail.smtp_host, port = mail.smtp_port, tls = ?mail.smtp_tls,
                "e-mail goes through SMTP"),
            (MailTransportKind::File, Environment::Development) => tracing::info!(
                directory = %settings.data_dir.join("mail").display(),
                "e-mail is written to files (development)"),
            (other, _) => tracing::warn!(transport = ?other,
                "e-mail is NOT delivered to anyone (mail.transport); recovery links stay unsent"),
        }
        Ok(Self { from, way })
    }

    /// Sends one message; every error is a string fit for the outbox's `last_error` (it never
    /// holds the body).
    pub async fn send(
        &self,
        recipient: &str,
        language: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), String> {
        let to: Mailbox = recipient.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .header(ContentLanguage(language.to_string()))
            .header(AutoSubmitted)
            .body(body.to_string())
            .map_err(|e| format!("message: {e}"))?;
        match &self.way {
            Way::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Way::File(file) => file
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Way::Nowhere => Ok(()),
        }
    }
}

fn smtp(settings: &Settings) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    let mail = &settings.mail;
    let host = mail.smtp_host.as_str();
    let tls = match mail.smtp_tls {
        SmtpTls::None => Tls::None,
        // Required, never opportunistic: a server that offers no STARTTLS gets nothing.
        SmtpTls::Starttls => Tls::Required(tls_parameters(host, mail.smtp_ca_file.as_deref())?),
        SmtpTls::Tls => Tls::Wrapper(tls_parameters(host, mail.smtp_ca_file.as_deref())?),
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).tls(tls);
    let mut builder = builder
        .port(mail.smtp_port)
        // Each step of the conversation (connect, every reply) is cut after this long; the
        // worker also bounds the whole attempt.
        .timeout(Some(Duration::from_secs(mail.send_timeout_secs.max(1))));
    if let Some(user) = &mail.smtp_username {
        let password = mail.smtp_password.as_ref().map(|p| p.expose().to_string());
        builder = builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
    }
    Ok(builder.build())
}

/// TLS towards `host`, trusting the public web roots and, when given, the city's own CA.
fn tls_parameters(host: &str, ca_file: Option<&Path>) -> Result<TlsParameters, TransportError> {
    let smtp_error = |e: &dyn std::fmt::Display| TransportError::Smtp(e.to_string());
    let mut parameters = TlsParameters::builder(host.to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| smtp_error(&format!("smtp_ca_file {}: {e}", path.display())))?;
        let ca = Certificate::from_pem(&pem)
            .map_err(|e| smtp_error(&format!("smtp_ca_file {}: {e}", path.display())))?;
        parameters = parameters.add_root_certificate(ca);
    }
    parameters.build_rustls().map_err(|e| smtp_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_needs_a_chosen_transport_and_development_writes_files() {
        let dir = tempfile::tempdir().unwrap();
        let production = Settings {
            env: Environment::Production,
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        assert!(matches!(
            Transport::from_settings(&production),
            Err(TransportError::Unchosen)
        ));
        let mut chosen = production.clone();
        chosen.mail.transport = Some(MailTransportKind::None);
        assert!(Transport::from_settings(&chosen).is_ok());

        let development = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let transport = Transport::from_settings(&development).unwrap();
        assert!(matches!(transport.way, Way::File(_)));
        assert!(dir.path().join("mail").is_dir());
    }

    #[test]
    fn the_mail_section_is_read_from_the_configuration_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kurultai.toml");
        std::fs::write(
            &file,
            "[mail]\ntransport = \"smtp\"\nsmtp_tls = \"tls\"\nsmtp_port = 465\nsmtp_password = \"s3cret\"\n",
        )
        .unwrap();
        let settings = Settings::load(Some(&file)).unwrap();
        assert_eq!(settings.mail.transport, Some(MailTransportKind::Smtp));
        assert_eq!(settings.mail.smtp_tls, SmtpTls::Tls);
        assert_eq!(settings.mail.smtp_port, 465);
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
