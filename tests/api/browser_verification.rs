//! Verification in the web client, in a real browser (`tests/browser/verification.test.mjs`):
//! an admin chooses the city's verification methods and configures its identity provider
//! against the real OpenID provider of `support/oidc.rs`, so the server's discovery check runs;
//! then removes it, and the login page offers it no more.

use reqwest::Method;
use serde_json::{json, Value};

use crate::browser::{browser_available, open_city, run_in_browser};
use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::oidc::{OidcProvider, CLIENT_ID, CLIENT_SECRET};
use crate::support::{approvals, tckn};

#[tokio::test]
async fn an_admin_sets_verification_methods_and_the_identity_provider_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let Some(provider) = OidcProvider::start(&app).await else {
        return;
    };
    let slug = "konya";
    let (city, _official) = open_city(&app, slug).await;
    // Both stages log the admin in; each adds what it needs.
    let stage = |extra: Vec<(&'static str, String)>| {
        let mut env = vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_ADMIN", format!("admin@{slug}.example")),
        ];
        env.extend(extra);
        env
    };
    run_in_browser(
        &app,
        "verification.test.mjs",
        stage(vec![
            ("KURULTAI_ISSUER", provider.issuer.clone()),
            ("KURULTAI_CLIENT_ID", CLIENT_ID.to_string()),
            ("KURULTAI_CLIENT_SECRET", CLIENT_SECRET.to_string()),
        ]),
    )
    .await;

    // What the page saved is what the server holds.
    let settings: Value = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/settings"))
        .await
        .ok();
    assert_eq!(
        settings["verification_methods"],
        json!(["review", "provider", "letter_code"])
    );
    let configured: Value = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/identity-provider"))
        .await
        .ok();
    assert_eq!(configured["issuer_url"], provider.issuer.as_str());
    assert_eq!(configured["client_secret_set"], true);
    assert_eq!(configured["birth_date_claim"], "birthdate");

    // The next stage removes it through the page, and the server holds none.
    run_in_browser(
        &app,
        "verification.test.mjs",
        stage(vec![("KURULTAI_REMOVE_PROVIDER", "1".to_string())]),
    )
    .await;
    let none = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/identity-provider"))
        .await;
    none.expect_status(404);
    assert_eq!(none.problem().code, "no_identity_provider");
    let options: Value = app
        .anonymous()
        .get(&format!("/api/v1/municipalities/{slug}/sign-in-options"))
        .await
        .ok();
    assert_eq!(options["provider"], Value::Null);
    assert_eq!(
        crate::support::audit_actions(&app, "identity_provider.removed").await,
        1
    );
}

/// An official hands a resident a letter code and, later, a counter reset code; the resident
/// enters the first on their account page and sets a new password with the second on the
/// public counter page, all in a real browser. The budget counts only letter codes, so the
/// cast afterwards (over the API, with the new password) proves the letter verified them.
#[tokio::test]
async fn an_official_issues_letter_and_reset_codes_a_resident_uses_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let slug = "sivas";
    let (city, official) = open_city(&app, slug).await;
    city.admin
        .update_settings(
            &city,
            &json!({"verification_methods": ["open", "review", "letter_code"]}),
        )
        .await;
    let voting = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": "Letters only"}, "amount_minor": 100_000,
                   "ballot": {"type": "approval", "max_selections": 1},
                   "accepted_verifications": ["letter_code"]}),
            &[40_000, 50_000],
        )
        .await;
    let national_id = tckn(5151);
    app.anonymous()
        .post(
            &format!("/api/v1/municipalities/{slug}/residents"),
            &json!({"national_id": national_id, "full_name": "Ayşe Kaya", "birth_date": "1981-04-02",
                    "password": PASSWORD}),
        )
        .await
        .expect_status(201);

    run_in_browser(
        &app,
        "verification.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_OFFICIAL", format!("official@{slug}.example")),
            ("KURULTAI_NATIONAL_ID", national_id.clone()),
            ("KURULTAI_NEW_PASSWORD", NEW_PASSWORD.to_string()),
            ("KURULTAI_BUDGET", voting.budget.id.clone()),
        ],
    )
    .await;

    // The old password is gone; with the new one, the letter code lets the resident vote.
    let token = only_the_new_password_logs_in(&app, slug, &national_id).await;
    let cast = app
        .request(
            Method::PUT,
            &format!("/api/v1/budgets/{}/ballot", voting.budget.id),
            Some(&token),
        )
        .json(&json!({"selections": approvals(&voting.proposals[..1])}))
        .send()
        .await
        .unwrap();
    assert_eq!(cast.status(), 201, "{}", cast.text().await.unwrap());
}

const NEW_PASSWORD: &str = "a-fresh-counter-password-81";

/// An official changes their own password on their account page; only the new one logs in.
#[tokio::test]
async fn an_official_changes_their_own_password_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let slug = "tokat";
    open_city(&app, slug).await;
    let official = format!("official@{slug}.example");
    run_in_browser(
        &app,
        "verification.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_OFFICIAL", official.clone()),
            ("KURULTAI_STAFF_NEW_PASSWORD", NEW_PASSWORD.to_string()),
        ],
    )
    .await;
    only_the_new_password_logs_in(&app, slug, &official).await;
}

/// The test's first password no longer logs `login` in, and [`NEW_PASSWORD`] does: its token.
async fn only_the_new_password_logs_in(app: &TestApp, slug: &str, login: &str) -> String {
    let old = app.login_response(Some(slug), login, PASSWORD).await;
    assert_eq!(old.status(), 401);
    app.login(Some(slug), login, NEW_PASSWORD).await
}
