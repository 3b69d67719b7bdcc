use reqwest::Method;
use serde_json::{json, Value};

use kurultai::error::ApiError;

use crate::helpers::{problem, spawn_app, spawn_app_with, TestApp, PASSWORD, PLATFORM_EMAIL};

#[tokio::test]
async fn platform_admin_logs_in_and_reads_me() {
    let app = spawn_app().await;
    let token = app.platform_admin_token().await;
    let me: Value = app
        .get("/api/v1/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "platform_admin");
    assert_eq!(me["email"], PLATFORM_EMAIL);
    assert!(me["municipality"].is_null());
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let wrong = app
        .login_response(None, PLATFORM_EMAIL, "not the right password")
        .await;
    let unknown = app
        .login_response(None, "nobody@kurultai.example", PASSWORD)
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (wrong, unknown) = (problem(wrong).await, problem(unknown).await);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["code"], "invalid_credentials");
    // An unknown municipality is no different either.
    let elsewhere = app
        .login_response(Some("atlantis"), PLATFORM_EMAIL, PASSWORD)
        .await;
    assert_eq!(problem(elsewhere).await, wrong);
}

#[tokio::test]
async fn missing_or_forged_tokens_are_refused() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/me", None).await.status(), 401);
    // `alg: none` with a plausible payload.
    let forged = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none","typ":"JWT"}"#),
        base64_url(
            r#"{"sub":"x","role":"platform_admin","iss":"kurultai","aud":"kurultai-api","exp":4102444800}"#
        )
    );
    let response = app.get("/api/v1/me", Some(&forged)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(problem(response).await["code"], "unauthorized");
    let response = app.get("/api/v1/me", Some("not-a-jwt")).await;
    assert_eq!(response.status(), 401);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

async fn login_pair(app: &crate::helpers::TestApp) -> Value {
    let response = app.login_response(None, PLATFORM_EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let first = login_pair(&app).await;
    let r1 = first["refresh_token"].as_str().unwrap();

    let second: Value = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": r1}))
        .await
        .json()
        .await
        .unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    let access2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(access2)).await.status(), 200);

    // Presenting the rotated token again: refused, and the family dies with it.
    let reuse = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": r1}))
        .await;
    assert_eq!(reuse.status(), 401);
    assert_eq!(problem(reuse).await["code"], "refresh_token_reused");
    let successor = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": r2}))
        .await;
    assert_eq!(successor.status(), 401);
    assert_eq!(app.get("/api/v1/me", Some(access2)).await.status(), 401);

    // Another login is a separate family and still works.
    let other = login_pair(&app).await;
    let access = other["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(access)).await.status(), 200);
}

#[tokio::test]
async fn logout_revokes_access_and_refresh_tokens() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let pair = login_pair(&app).await;
    let access = pair["access_token"].as_str().unwrap();
    let response = app
        .request(Method::POST, "/api/v1/auth/logout", Some(access))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let me = app.get("/api/v1/me", Some(access)).await;
    assert_eq!(me.status(), 401);
    assert_eq!(problem(me).await["code"], "session_revoked");
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.status(), 401);
}

#[tokio::test]
async fn login_is_throttled_per_identifier_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_identifier_per_minute = 1;
        s.rate_limit.login_per_identifier_burst = 3;
    })
    .await;
    for _ in 0..3 {
        let r = app
            .login_response(None, "someone@kurultai.example", "wrong password here")
            .await;
        assert_eq!(r.status(), 401);
    }
    let throttled = app
        .login_response(None, "SOMEONE@kurultai.example", "wrong password here")
        .await;
    assert_eq!(throttled.status(), 429);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(problem(throttled).await["code"], "rate_limited");
    // Another identifier from the same address is still allowed.
    let other = app
        .login_response(None, "other@kurultai.example", "wrong password here")
        .await;
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn login_is_throttled_per_address() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_ip_per_minute = 1;
        s.rate_limit.login_per_ip_burst = 2;
    })
    .await;
    for i in 0..2 {
        let r = app
            .login_response(
                None,
                &format!("u{i}@kurultai.example"),
                "wrong password here",
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    let throttled = app
        .login_response(None, "u9@kurultai.example", "wrong password here")
        .await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn weak_stored_hashes_are_upgraded_at_login() {
    use diesel::prelude::*;
    use kurultai::db::schema::accounts;

    let app = spawn_app().await;
    app.platform_admin_token().await;
    // Simulate an account hashed under older, weaker parameters.
    let weak = {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let params = argon2::Params::new(8192, 1, 1, None).unwrap();
        let hasher =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        hasher
            .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string()
    };
    let stored = weak.clone();
    app.db
        .write(move |conn| {
            diesel::update(accounts::table.filter(accounts::email.eq(PLATFORM_EMAIL)))
                .set(accounts::password_hash.eq(stored))
                .execute(conn)
                .map(|_| ())
                .map_err(ApiError::from)
        })
        .await
        .unwrap();
    app.login(None, PLATFORM_EMAIL, PASSWORD).await;
    let now: String = app
        .db
        .read(|conn| {
            accounts::table
                .filter(accounts::email.eq(PLATFORM_EMAIL))
                .select(accounts::password_hash)
                .first::<String>(conn)
                .map_err(ApiError::from)
        })
        .await
        .unwrap();
    assert_ne!(now, weak);
    assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
}

#[tokio::test]
async fn password_policy_refuses_short_and_common_passwords() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "ankara", "TR").await;
    for (password, code) in [
        ("short pass", "password_too_short"),
        ("123456789012", "password_too_common"),
    ] {
        let response = app
            .post(
                "/api/v1/municipalities/ankara/staff",
                Some(&admin),
                &json!({"email": "o@ankara.example", "display_name": "O", "role": "official", "password": password}),
            )
            .await;
        assert_eq!(response.status(), 422, "{password}");
        let body = problem(response).await;
        assert_eq!(body["errors"][0]["field"], "password");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
}

async fn login_from(app: &TestApp, address: &str, password: &str) -> reqwest::Response {
    app.request(reqwest::Method::POST, "/api/v1/auth/login", None)
        .header("X-Forwarded-For", address)
        .json(&json!({"login": PLATFORM_EMAIL, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Issue 15, finding 7 (OWASP: no lock-out by a stranger). A stranger's address exhausts the
/// throttle of a login; the owner, from their own address, still logs in with the right
/// password, because the tight limit is per (login, address) and the login's own, much larger
/// budget is not spent by attempts the pair's limit refused.
#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out() {
    let app = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.rate_limit.login_per_pair_per_minute = 1;
        s.rate_limit.login_per_pair_burst = 3;
        s.rate_limit.login_per_identifier_per_minute = 1;
        s.rate_limit.login_per_identifier_burst = 6;
    })
    .await;
    app.platform_admin_token().await; // the owner's account, and one login (another address)
    for _ in 0..3 {
        let r = login_from(&app, "203.0.113.66", "a wrong guess here").await;
        assert_eq!(r.status(), 401);
        assert_eq!(problem(r).await["code"], "invalid_credentials");
    }
    for _ in 0..20 {
        let r = login_from(&app, "203.0.113.66", "a wrong guess here").await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }
    // Even the right password is refused to the stranger's address now…
    assert_eq!(
        login_from(&app, "203.0.113.66", PASSWORD).await.status(),
        429
    );
    // …but not to the owner's.
    let owner = login_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(owner.status(), 200);
}
