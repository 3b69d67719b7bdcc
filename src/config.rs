//! Configuration: built-in defaults, then an optional TOML file, then `KURULTAI_*`
//! environment variables, then the conventional `DATABASE_URL`.
//!
//! Nested keys use a double underscore in the environment: `KURULTAI_JWT__ACCESS_TTL_MINUTES`.
//! Secrets are wrapped in [`Secret`], whose `Debug` never shows the value, so logging the
//! settings at start-up is safe.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A secret value from the configuration. `Debug` is redacted.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub access_ttl_minutes: i64,
    pub refresh_ttl_days: i64,
}

/// Login attempts allowed per minute and registrations per hour, each with a burst on top
/// (see `auth::rate_limit` for the rules).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RateLimitSettings {
    /// Login attempts from one client address, whatever the login.
    pub login_per_ip_per_minute: u32,
    pub login_per_ip_burst: u32,
    /// Login attempts at one login from one address: the tight limit on guessing.
    pub login_per_pair_per_minute: u32,
    pub login_per_pair_burst: u32,
    /// Login attempts at one login from all addresses together: much larger than the pair's,
    /// so that a stranger cannot use it up and lock the owner out.
    pub login_per_identifier_per_minute: u32,
    pub login_per_identifier_burst: u32,
    /// Registrations from one client address.
    pub registration_per_ip_per_hour: u32,
    pub registration_per_ip_burst: u32,
    /// Registrations with one national ID (keyed by its hash), from anywhere.
    pub registration_per_id_per_hour: u32,
    pub registration_per_id_burst: u32,
}

/// Attempts at a typed one-time code (50 bits: safe only while guesses are few), per hour with
/// a burst on top (see `auth::rate_limit::CodeLimiter`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeLimitSettings {
    /// Attempts at one person's codes: a resident's own letter code, or a counter reset code
    /// tried with one national ID (keyed by its hash), from anywhere.
    pub per_person_per_hour: u32,
    pub per_person_burst: u32,
    /// Counter reset attempts from one client address, whatever the ID.
    pub per_ip_per_hour: u32,
    pub per_ip_burst: u32,
    /// E-mail codes sent to one resident's address: each is a message a stranger's mailbox
    /// may receive, so few, whoever asks.
    pub email_sends_per_hour: u32,
    pub email_sends_burst: u32,
}

impl Default for CodeLimitSettings {
    fn default() -> Self {
        Self {
            per_person_per_hour: 10,
            per_person_burst: 5,
            per_ip_per_hour: 30,
            per_ip_burst: 10,
            email_sends_per_hour: 4,
            email_sends_burst: 3,
        }
    }
}

// Unknown keys are tolerated: other tools share the KURULTAI_ prefix (e.g. the test suite's
// KURULTAI_PABULIB_DIR), and the environment layer cannot tell them apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub env: Environment,
    /// Public listener, `host:port`. Port 0 picks a free port (tests).
    pub bind: String,
    /// The address residents reach the service at (`https://pb.example.city`), used in the
    /// links it sends by e-mail and in the redirect an identity provider returns to. Unset:
    /// `http://` and the address the public listener bound (development and tests only).
    pub public_url: Option<String>,
    /// When set, the admin module is served only on this listener and not on `bind`.
    pub admin_bind: Option<String>,
    /// `postgres://…` for PostgreSQL; `sqlite://path`, `sqlite:path` or a bare path for SQLite.
    pub database_url: Option<String>,
    /// Where the SQLite file and development secrets live.
    pub data_dir: PathBuf,
    pub pool_size: u32,
    pub log_format: LogFormat,
    /// Request bodies above this many bytes are refused with 413.
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub jwt: JwtSettings,
    pub rate_limit: RateLimitSettings,
    /// Attempts at typed one-time codes (letter codes, counter reset codes).
    #[serde(default)]
    pub code_limits: CodeLimitSettings,
    /// How long the reply to a ballot sent with an `Idempotency-Key` is kept for retries, in
    /// hours (it goes at the close of voting anyway). Short: the row exists only so that a
    /// retry after a lost answer gets the first reply.
    pub ballot_idempotency_hours: u32,
    /// How long a request waits for a database connection before it gets 503
    /// `database_unavailable`, in milliseconds.
    pub db_checkout_timeout_ms: u64,
    /// How long `/readyz` waits for a database connection, in milliseconds (its whole answer
    /// is cut at 900 ms anyway: under a probe's usual 1 s timeout).
    pub readiness_timeout_ms: u64,
    /// Started while PostgreSQL does not answer, the service waits this many seconds in all
    /// (retrying with growing pauses, each logged) before it gives up and exits.
    pub db_startup_wait_secs: u64,
    /// Time a client has to send a request's headers (the first one, and after a keep-alive
    /// pause), in milliseconds; then 408 and the connection is closed.
    pub client_header_timeout_ms: u64,
    /// Time a client has to send a request's body once its headers arrived, in milliseconds;
    /// then 408 `request_timeout` and the connection is closed.
    pub client_body_timeout_ms: u64,
    /// How long an idle keep-alive connection stays open, in seconds.
    pub keep_alive_secs: u64,
    /// Open connections per worker thread (one worker per CPU core); past it the server stops
    /// accepting until some close.
    pub max_connections: usize,
    /// HMAC key for access tokens (at least 32 bytes; hex or plain text).
    #[serde(skip_serializing)]
    pub jwt_secret: Option<Secret>,
    /// Older token keys still accepted for verification, comma separated (key rotation).
    #[serde(skip_serializing)]
    pub jwt_previous_secrets: Option<Secret>,
    /// Pepper of the keyed hash of national IDs.
    #[serde(skip_serializing)]
    pub id_pepper: Option<Secret>,
    /// The secret every municipality's archive signing key is derived from.
    #[serde(skip_serializing)]
    pub signing_secret: Option<Secret>,
    /// How e-mail leaves the service (`[mail]`, `KURULTAI_MAIL__…`).
    pub mail: MailSettings,
    /// Password recovery by e-mail: its throttles.
    pub recovery: RecoverySettings,
}

/// How e-mail is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// An SMTP server (`smtp_host`, `smtp_port`, `smtp_tls`, credentials).
    Smtp,
    /// Each message as an `.eml` file in `<data_dir>/mail/` (development).
    File,
    /// Messages are dropped (and marked sent): a service that sends no mail.
    None,
}

/// TLS towards the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailSettings {
    /// Unset: `file` in development; in production the service refuses to start until one is
    /// chosen, so a city never runs without mail by accident.
    pub transport: Option<MailTransportKind>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    /// A PEM file with the certificate of the authority that signed the SMTP server's
    /// certificate, for a relay under a city's own CA. Unset: the public web roots (webpki).
    /// The server's name is checked either way.
    pub smtp_ca_file: Option<std::path::PathBuf>,
    pub smtp_username: Option<String>,
    #[serde(skip_serializing)]
    pub smtp_password: Option<Secret>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// One delivery attempt is cut after this many seconds (a hung server).
    pub send_timeout_secs: u64,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// The pause after the first failed attempt, in seconds; it doubles with each one after.
    pub retry_base_secs: u64,
    /// How often the outbox is looked at when nothing wakes it, in milliseconds.
    pub poll_ms: u64,
    /// Sent and failed messages (recipient, kind, times, no body) are forgotten after this
    /// many hours.
    pub keep_hours: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: None,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_ca_file: None,
            smtp_username: None,
            smtp_password: None,
            from: "Kurultai <no-reply@localhost>".into(),
            send_timeout_secs: 15,
            max_attempts: 8,
            retry_base_secs: 30,
            poll_ms: 5_000,
            keep_hours: 24 * 7,
        }
    }
}

/// Password-recovery requests: per client address and per e-mail address (its keyed hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoverySettings {
    pub per_ip_per_hour: u32,
    pub per_ip_burst: u32,
    pub per_email_per_hour: u32,
    pub per_email_burst: u32,
    /// How long a recovery link stays good, in seconds (short: a mailbox is read by more
    /// than its owner over the years).
    pub link_lifetime_secs: u64,
}

impl Default for RecoverySettings {
    fn default() -> Self {
        Self {
            per_ip_per_hour: 20,
            per_ip_burst: 10,
            per_email_per_hour: 3,
            per_email_burst: 3,
            link_lifetime_secs: 30 * 60,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            admin_bind: None,
            database_url: None,
            data_dir: PathBuf::from("data"),
            pool_size: 8,
            log_format: LogFormat::Pretty,
            max_body_bytes: 256 * 1024,
            trust_forwarded_for: false,
            jwt: JwtSettings {
                issuer: "kurultai".into(),
                audience: "kurultai-api".into(),
                access_ttl_minutes: 15,
                refresh_ttl_days: 30,
            },
            rate_limit: RateLimitSettings {
                login_per_ip_per_minute: 30,
                login_per_ip_burst: 30,
                login_per_pair_per_minute: 5,
                login_per_pair_burst: 10,
                login_per_identifier_per_minute: 30,
                login_per_identifier_burst: 100,
                registration_per_ip_per_hour: 10,
                registration_per_ip_burst: 10,
                registration_per_id_per_hour: 3,
                registration_per_id_burst: 3,
            },
            code_limits: CodeLimitSettings::default(),
            ballot_idempotency_hours: 3,
            db_checkout_timeout_ms: 2_000,
            readiness_timeout_ms: 800,
            db_startup_wait_secs: 60,
            client_header_timeout_ms: 5_000,
            client_body_timeout_ms: 15_000,
            keep_alive_secs: 5,
            max_connections: 10_000,
            jwt_secret: None,
            jwt_previous_secrets: None,
            id_pepper: None,
            signing_secret: None,
            mail: MailSettings::default(),
            recovery: RecoverySettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
}

impl Settings {
    /// Loads the layered configuration. `file` defaults to `$KURULTAI_CONFIG`, then to
    /// `kurultai.toml` in the working directory when that exists.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let defaults = config::Config::try_from(&Settings::default())?;
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("KURULTAI_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("kurultai.toml"));
        let mut settings: Settings = config::Config::builder()
            .add_source(defaults)
            .add_source(config::File::from(file).required(false))
            .add_source(
                config::Environment::with_prefix("KURULTAI")
                    .prefix_separator("_")
                    .separator("__")
                    .ignore_empty(true),
            )
            .build()?
            .try_deserialize()?;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.is_empty() {
                settings.database_url = Some(url);
            }
        }
        Ok(settings)
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("kurultai.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_without_any_file_or_environment() {
        let settings = Settings::load(Some(Path::new("/nonexistent/kurultai.toml"))).unwrap();
        assert_eq!(settings.rate_limit.login_per_pair_per_minute, 5);
        assert!(settings.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let settings = Settings {
            jwt_secret: Some(Secret::new("very-secret-value")),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("very-secret-value"));
    }
}
