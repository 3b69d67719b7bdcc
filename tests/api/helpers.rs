//! Starts the real application on `127.0.0.1:0` with a fresh database for each test: a
//! SQLite file in a temporary directory, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` names a server.

use diesel::{Connection, PgConnection, RunQueryDsl};
use kurultai::config::{RateLimitSettings, Secret, Settings};
use kurultai::db::Db;
use kurultai::startup::Application;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};

pub const PLATFORM_EMAIL: &str = "root@kurultai.example";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub admin_address: Option<String>,
    pub client: Client,
    pub db: Db,
    /// The app's database, for the command-line tools.
    pub database_url: String,
    /// The platform admin's token, once created: many fixtures need it, the account exists once.
    platform_token: tokio::sync::OnceCell<String>,
    /// What it was started with, so that another instance can share its database and secrets.
    settings: Settings,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(fresh_database(dir.path())),
        pool_size: 4,
        jwt_secret: Some(Secret::new(random_hex())),
        id_pepper: Some(Secret::new(random_hex())),
        signing_secret: Some(Secret::new(random_hex())),
        // Generous limits: only the tests about throttling lower them.
        rate_limit: RateLimitSettings {
            login_per_ip_per_minute: 10_000,
            login_per_ip_burst: 10_000,
            login_per_pair_per_minute: 10_000,
            login_per_pair_burst: 10_000,
            login_per_identifier_per_minute: 10_000,
            login_per_identifier_burst: 10_000,
            registration_per_ip_per_hour: 10_000,
            registration_per_ip_burst: 10_000,
            registration_per_id_per_hour: 10_000,
            registration_per_id_burst: 10_000,
        },
        ..Settings::default()
    };
    tweak(&mut settings);
    start(settings, dir).await
}

async fn start(settings: Settings, dir: tempfile::TempDir) -> TestApp {
    let database_url = settings.database_url();
    let app = Application::build(settings.clone())
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin_address = app.admin_port().map(|p| format!("http://127.0.0.1:{p}"));
    let db = app.state().db.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        admin_address,
        client: Client::new(),
        db,
        database_url,
        platform_token: tokio::sync::OnceCell::new(),
        settings,
        _dir: dir,
    }
}

impl TestApp {
    /// Another instance of the same service: the same settings, database and secrets, its own
    /// port and pool (as a second process behind a load balancer would be).
    pub async fn another_instance(&self) -> TestApp {
        let settings = Settings {
            bind: "127.0.0.1:0".into(),
            ..self.settings.clone()
        };
        let dir = tempfile::tempdir().expect("temporary directory");
        start(settings, dir).await
    }
}

pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("kurultai_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&server).expect("TEST_DATABASE_URL answers");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("create the test database");
            replace_database_name(&server, &name)
        }
        _ => format!("sqlite://{}", dir.join("kurultai.db").display()),
    }
}

fn replace_database_name(url: &str, name: &str) -> String {
    let (without_query, query) = match url.split_once('?') {
        Some((base, q)) => (base, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let base = match without_query[scheme_end..].find('/') {
        Some(i) => &without_query[..scheme_end + i],
        None => without_query,
    };
    format!("{base}/{name}{query}")
}

fn random_hex() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        self.request(method, path, token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    // The string-level requests stay for tests that want them, even when none does today.
    #[allow(dead_code)]
    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    /// Creates the platform admin the way `kurultai admin create-platform-admin` does and
    /// logs in, on first use; returns the access token.
    pub async fn platform_admin_token(&self) -> String {
        self.platform_token
            .get_or_init(|| async {
                kurultai::service::accounts::create_platform_admin(
                    &self.db,
                    PLATFORM_EMAIL,
                    "Root",
                    PASSWORD.to_string(),
                )
                .await
                .expect("platform admin created");
                self.login(None, PLATFORM_EMAIL, PASSWORD).await
            })
            .await
            .clone()
    }

    pub async fn login_response(
        &self,
        municipality: Option<&str>,
        login: &str,
        password: &str,
    ) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"municipality": municipality, "login": login, "password": password}),
        )
        .await
    }

    /// Where this app's mail can be read: the test SMTP server's Maildir when it sends over SMTP
    /// (`support::smtp`), else the `file` transport's directory (development's default).
    pub fn mail_dir(&self) -> std::path::PathBuf {
        match self.settings.mail.transport {
            Some(kurultai::config::MailTransportKind::Smtp) => {
                let port = self.settings.mail.smtp_port;
                crate::support::smtp::maildir_on(port).unwrap_or_else(|| {
                    panic!("this app mails to port {port}, where no test SMTP server was set up")
                })
            }
            _ => self.settings.data_dir.join("mail"),
        }
    }

    /// Sets `email`'s first password to PASSWORD the way its holder does: reads the invitation
    /// the app e-mailed (at most 10 s) and accepts it with the link's token.
    pub async fn accept_invitation(&self, email: &str) {
        let dir = self.mail_dir();
        let within = std::time::Duration::from_secs(10);
        let token = crate::support::inbox::invitation_token(&dir, email, within).await;
        let response = self
            .post(
                "/api/v1/auth/invitation",
                None,
                &json!({"token": token, "password": PASSWORD}),
            )
            .await;
        assert_eq!(
            response.status(),
            204,
            "accepting the invitation of {email}"
        );
    }

    pub async fn login(&self, municipality: Option<&str>, login: &str, password: &str) -> String {
        let response = self.login_response(municipality, login, password).await;
        assert_eq!(response.status(), 200, "login of {login} should succeed");
        let tokens: crate::support::Tokens = response.json().await.unwrap();
        tokens.access_token
    }

    /// Creates a municipality of `country` with its first admin `admin@<slug>.example`, who
    /// accepts the e-mailed invitation; returns the admin's access token.
    pub async fn municipality(&self, platform_token: &str, slug: &str, country: &str) -> String {
        let admin_email = format!("admin@{slug}.example");
        let response = self
            .post(
                "/api/v1/municipalities",
                Some(platform_token),
                &json!({
                    "slug": slug,
                    "country": country,
                    "names": {"en": format!("City of {slug}")},
                    "default_language": "en",
                    "languages": ["en"],
                    "admin": {"email": admin_email, "display_name": "First admin"}
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        self.accept_invitation(&admin_email).await;
        self.login(Some(slug), &admin_email, PASSWORD).await
    }

    /// Invites a staff account through the API, accepts the e-mailed invitation and logs in.
    pub async fn staff(&self, admin_token: &str, slug: &str, role: &str) -> String {
        let email = format!("{role}@{slug}.example");
        let response = self
            .post(
                &format!("/api/v1/municipalities/{slug}/staff"),
                Some(admin_token),
                &json!({"email": email, "display_name": role, "role": role}),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        self.accept_invitation(&email).await;
        self.login(Some(slug), &email, PASSWORD).await
    }
}
