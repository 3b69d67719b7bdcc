use serde_json::json;

use kurultai::error::ApiError;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD, PLATFORM_EMAIL};
use crate::support::{Account, MunicipalityBuilder, Reply, Tokens};

#[tokio::test]
async fn platform_admin_logs_in_and_reads_me() {
    let app = spawn_app().await;
    let platform = app.platform_admin().await;
    let reply = platform.get("/api/v1/me").await;
    let me: Account = reply.json_as();
    assert_eq!(me.role, "platform_admin");
    assert_eq!(me.email.as_deref(), Some(PLATFORM_EMAIL));
    assert!(me.municipality.is_none());
    assert!(reply.json().get("password_hash").is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let wrong = app
        .attempt_login(None, PLATFORM_EMAIL, "not the right password")
        .await;
    let unknown = app
        .attempt_login(None, "nobody@kurultai.example", PASSWORD)
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let (wrong, unknown) = (wrong.problem(), unknown.problem());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.code, "invalid_credentials");
    // An unknown municipality is no different either.
    let elsewhere = app
        .attempt_login(Some("atlantis"), PLATFORM_EMAIL, PASSWORD)
        .await;
    assert_eq!(elsewhere.problem(), wrong);
}

#[tokio::test]
async fn missing_or_forged_tokens_are_refused() {
    let app = spawn_app().await;
    assert_eq!(app.anonymous().get("/api/v1/me").await.status, 401);
    // `alg: none` with a plausible payload.
    let forged = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none","typ":"JWT"}"#),
        base64_url(
            r#"{"sub":"x","role":"platform_admin","iss":"kurultai","aud":"kurultai-api","exp":4102444800}"#
        )
    );
    let response = app.session(&forged).get("/api/v1/me").await;
    assert_eq!(response.status, 401);
    assert_eq!(response.problem().code, "unauthorized");
    let response = app.session("not-a-jwt").get("/api/v1/me").await;
    assert_eq!(response.status, 401);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

async fn login_pair(app: &TestApp) -> Tokens {
    app.attempt_login(None, PLATFORM_EMAIL, PASSWORD).await.ok()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Reply {
    app.anonymous()
        .post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
}

async fn me_status(app: &TestApp, access_token: &str) -> u16 {
    app.session(access_token)
        .get("/api/v1/me")
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let first = login_pair(&app).await;
    let r1 = &first.refresh_token;

    let second: Tokens = refresh(&app, r1).await.json_as();
    let r2 = &second.refresh_token;
    assert_ne!(r1, r2);
    let access2 = &second.access_token;
    assert_eq!(me_status(&app, access2).await, 200);

    // Presenting the rotated token again: refused, and the family dies with it.
    let reuse = refresh(&app, r1).await;
    assert_eq!(reuse.status, 401);
    assert_eq!(reuse.problem().code, "refresh_token_reused");
    let successor = refresh(&app, r2).await;
    assert_eq!(successor.status, 401);
    assert_eq!(me_status(&app, access2).await, 401);

    // Another login is a separate family and still works.
    let other = login_pair(&app).await;
    assert_eq!(me_status(&app, &other.access_token).await, 200);
}

#[tokio::test]
async fn logout_revokes_access_and_refresh_tokens() {
    let app = spawn_app().await;
    app.platform_admin_token().await;
    let pair = login_pair(&app).await;
    let session = app.session(&pair.access_token);
    let response = session.logout().await;
    assert_eq!(response.status, 204);
    let me = session.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.problem().code, "session_revoked");
    let refresh = refresh(&app, &pair.refresh_token).await;
    assert_eq!(refresh.status, 401);
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
            .attempt_login(None, "someone@kurultai.example", "wrong password here")
            .await;
        assert_eq!(r.status, 401);
    }
    let throttled = app
        .attempt_login(None, "SOMEONE@kurultai.example", "wrong password here")
        .await;
    assert_eq!(throttled.status, 429);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(throttled.problem().code, "rate_limited");
    // Another identifier from the same address is still allowed.
    let other = app
        .attempt_login(None, "other@kurultai.example", "wrong password here")
        .await;
    assert_eq!(other.status, 401);
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
            .attempt_login(
                None,
                &format!("u{i}@kurultai.example"),
                "wrong password here",
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let throttled = app
        .attempt_login(None, "u9@kurultai.example", "wrong password here")
        .await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.headers.contains_key("retry-after"));
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
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("ankara"))
        .await;
    // The policy holds where a staff member sets a password: accepting the invitation.
    let email = "o@ankara.example";
    city.admin
        .post(
            "/api/v1/municipalities/ankara/staff",
            &json!({"email": email, "display_name": "O", "role": "official"}),
        )
        .await
        .expect_status(201);
    let within = std::time::Duration::from_secs(10);
    let token = crate::support::inbox::invitation_token(&app.mail_dir(), email, within).await;
    for (password, code) in [
        ("short pass", "password_too_short"),
        ("123456789012", "password_too_common"),
    ] {
        let response = app
            .anonymous()
            .post(
                "/api/v1/auth/invitation",
                &json!({"token": token, "password": password}),
            )
            .await;
        assert_eq!(response.status, 422, "{password}");
        let body = response.problem();
        assert_eq!(body.errors()[0].field, "password");
        assert_eq!(body.errors()[0].code, code, "{body:?}");
    }
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
        let r = app.login_from("203.0.113.66", "a wrong guess here").await;
        assert_eq!(r.status, 401);
        assert_eq!(r.problem().code, "invalid_credentials");
    }
    for _ in 0..20 {
        let r = app.login_from("203.0.113.66", "a wrong guess here").await;
        assert_eq!(r.status, 429);
        assert!(r.headers.contains_key("retry-after"));
    }
    // Even the right password is refused to the stranger's address now…
    assert_eq!(app.login_from("203.0.113.66", PASSWORD).await.status, 429);
    // …but not to the owner's.
    let owner = app.login_from("198.51.100.7", PASSWORD).await;
    assert_eq!(owner.status, 200);
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    use crate::support::ResidentBuilder;
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mersin").open_registration("final"))
        .await;
    let here = app
        .register_resident(&city, ResidentBuilder::adult(71))
        .await;
    let email = here.email.clone();
    let elsewhere = app.logged_in(Some("mersin"), &email, PASSWORD).await;
    let new = "a brand new passphrase of mine";

    let wrong = here
        .post(
            "/api/v1/me/password",
            &json!({"current_password": "not it at all", "new_password": new}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.json()["errors"][0]["field"], "current_password");
    assert_eq!(wrong.json()["errors"][0]["code"], "wrong_password");
    let weak = here
        .post(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.status, 422);
    assert_eq!(weak.json()["errors"][0]["field"], "new_password");

    here.post(
        "/api/v1/me/password",
        &json!({"current_password": PASSWORD, "new_password": new}),
    )
    .await
    .expect_status(204);
    assert_eq!(
        here.get("/api/v1/me").await.status,
        200,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/api/v1/me").await.status,
        401,
        "the others end"
    );
    let old = app.attempt_login(Some("mersin"), &email, PASSWORD).await;
    assert_eq!(old.status, 401);
    let renewed = app.attempt_login(Some("mersin"), &email, new).await;
    assert_eq!(renewed.status, 200);
    let anonymous = app
        .anonymous()
        .post(
            "/api/v1/me/password",
            &json!({"current_password": new, "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

/// A password change checks the current password, so it is throttled per account like a
/// login: the attempt after the burst is a 429 with `Retry-After`, whoever's session asks,
/// while another account is still served.
#[tokio::test]
async fn password_changes_are_throttled_per_account_with_retry_after() {
    use crate::support::ResidentBuilder;
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_identifier_per_minute = 1;
        s.rate_limit.login_per_identifier_burst = 3;
    })
    .await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mersin").open_registration("final"))
        .await;
    let here = app
        .register_resident(&city, ResidentBuilder::adult(72))
        .await;
    let other = app
        .register_resident(&city, ResidentBuilder::adult(73))
        .await;
    // A second session of the same account shares the account's bucket.
    let elsewhere = app.logged_in(Some("mersin"), &here.email, PASSWORD).await;
    let guess = json!({"current_password": "not it at all", "new_password": "a brand new passphrase of mine"});
    for session in [&here, &elsewhere, &here] {
        let wrong = session.post("/api/v1/me/password", &guess).await;
        assert_eq!(wrong.status, 422);
    }
    let throttled = elsewhere.post("/api/v1/me/password", &guess).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.problem().code, "rate_limited");
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Even the right password waits now: the guesser cannot tell it from a wrong one.
    let right =
        json!({"current_password": PASSWORD, "new_password": "a brand new passphrase of mine"});
    assert_eq!(here.post("/api/v1/me/password", &right).await.status, 429);
    assert_eq!(other.post("/api/v1/me/password", &guess).await.status, 422);
}
