//! A real OpenID provider for the tests: npm's `oidc-provider`, run by `tests/oidc/provider.mjs`
//! on a free port, with one client registered for the app's callback. Killed on drop.
//!
//! Without node or the package installed (`npm ci` in tests/oidc) the tests that need it skip
//! with a message, unless `KURULTAI_OIDC_TESTS=require` (CI) makes that a failure.
//!
//! [`OidcProvider::authorize`] plays the browser's part at the provider: it follows the
//! authorization URL with `login_hint` (the script finishes the login for that account itself)
//! until the provider sends the browser to our callback.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Url;
use serde_json::{json, Value};

use crate::helpers::TestApp;

pub const CLIENT_ID: &str = "kurultai-test";
pub const CLIENT_SECRET: &str = "the-client-secret-9f2c41d7";

/// The provider process and how to reach it.
pub struct OidcProvider {
    child: Child,
    pub issuer: String,
    http: reqwest::Client,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn directory() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

fn required() -> bool {
    std::env::var("KURULTAI_OIDC_TESTS").is_ok_and(|v| v == "require")
}

fn skip(why: &str) -> Option<OidcProvider> {
    assert!(
        !required(),
        "KURULTAI_OIDC_TESTS=require, but the OpenID provider cannot run: {why}"
    );
    eprintln!("skipped: the OpenID provider cannot run ({why}); `npm ci` in tests/oidc");
    None
}

/// A client that never follows redirects: the tests read each one.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl OidcProvider {
    /// Starts a provider whose client's redirect URI is `app`'s callback; `None` (the test
    /// skips) when node or the package is missing and it is not required.
    pub async fn start(app: &TestApp) -> Option<OidcProvider> {
        let dir = directory();
        if !dir.join("node_modules/oidc-provider").is_dir() {
            return skip("tests/oidc/node_modules/oidc-provider is missing");
        }
        let redirect = format!("{}/api/v1/auth/oidc/callback", app.address);
        let spawned = Command::new("node")
            .arg("provider.mjs")
            .args([&redirect, CLIENT_ID, CLIENT_SECRET])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return skip(&format!("node: {e}")),
        };
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await
            .unwrap()
            .unwrap_or_default();
        let Some(port) = line.trim().strip_prefix("listening ") else {
            let _ = child.kill();
            panic!("the OpenID provider did not start: {line:?}");
        };
        let provider = OidcProvider {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            http: no_redirects(),
        };
        provider.wait_for_discovery().await;
        Some(provider)
    }

    async fn wait_for_discovery(&self) {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        for _ in 0..100 {
            if let Ok(r) = self.http.get(&url).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the OpenID provider's discovery never answered");
    }

    async fn control(&self, path: &str, body: Value) {
        let r = self
            .http
            .post(format!("{}/control/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204, "control/{path}");
    }

    /// An account at the provider, signed in by `login_hint = login`, with these claims.
    pub async fn add_account(&self, login: &str, claims: Value) {
        self.control("account", json!({"login": login, "claims": claims}))
            .await;
    }

    /// How the provider signs the ID tokens it issues next (`normal`, `forged`, `audience`,
    /// `expired`, `nonce`, `rotated`).
    pub async fn set_mode(&self, mode: &str) {
        self.control("mode", json!({ "mode": mode })).await;
    }

    /// The browser's part at the provider: from the authorization URL, as `login`, to the
    /// address the provider sends the browser back to (our callback, with code and state).
    pub async fn authorize(&self, authorization_url: &str, login: &str) -> String {
        let mut url = Url::parse(authorization_url).unwrap();
        url.query_pairs_mut().append_pair("login_hint", login);
        assert!(
            url.as_str().starts_with(&self.issuer),
            "the authorization URL is the provider's: {url}"
        );
        let mut cookies: BTreeMap<String, String> = BTreeMap::new();
        for _ in 0..10 {
            let cookie = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = self
                .http
                .get(url.clone())
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap();
            for set in response.headers().get_all("set-cookie") {
                let pair = set.to_str().unwrap().split(';').next().unwrap();
                if let Some((k, v)) = pair.split_once('=') {
                    cookies.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
            let status = response.status();
            let Some(location) = response.headers().get("location") else {
                panic!(
                    "the provider stopped at {url} with {status}: {}",
                    response.text().await.unwrap_or_default()
                );
            };
            let next = url.join(location.to_str().unwrap()).unwrap();
            if !next.as_str().starts_with(&self.issuer) {
                return next.to_string();
            }
            url = next;
        }
        panic!("too many redirects at the provider");
    }
}

/// The claims of a test person at the provider.
pub fn person(national_id: &str, name: &str, birthdate: &str) -> Value {
    json!({"national_id": national_id, "name": name, "birthdate": birthdate})
}

/// Where the callback sent the browser: the web client's page and its query.
#[derive(Debug)]
pub struct Landing {
    /// The fragment's route, e.g. `/m/<slug>/signed-in`.
    pub route: String,
    pub query: BTreeMap<String, String>,
}

impl Landing {
    pub fn code(&self) -> Option<&str> {
        self.query.get("code").map(String::as_str)
    }

    pub fn error(&self) -> Option<&str> {
        self.query.get("error").map(String::as_str)
    }
}

/// Sends the provider's redirect to our callback and reads where it sends the browser.
pub async fn land(app: &TestApp, callback_url: &str) -> Landing {
    assert!(
        callback_url.starts_with(&format!("{}/api/v1/auth/oidc/callback", app.address)),
        "the provider sent the browser to {callback_url}"
    );
    let response = no_redirects().get(callback_url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303, "the callback redirects");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let fragment = location
        .strip_prefix(&format!("{}/#", app.address))
        .unwrap_or_else(|| panic!("the callback sent the browser to {location}"));
    let (route, query) = fragment.split_once('?').unwrap_or((fragment, ""));
    Landing {
        route: route.to_string(),
        query: url_query(query),
    }
}

fn url_query(query: &str) -> BTreeMap<String, String> {
    Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
