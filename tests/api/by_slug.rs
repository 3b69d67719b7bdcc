//! Paths with a `{slug}` load their municipality through one loader (`api::by_slug`): an
//! unknown slug answers as it always did, 404 `not_found`, and checks that came before the
//! lookup still come first.

use serde_json::json;

use crate::helpers::{problem, spawn_app, spawn_app_with};

const NOWHERE: &str = "/api/v1/municipalities/nowhere";

fn someone() -> serde_json::Value {
    json!({
        "national_id": "10000000146",
        "full_name": "Ayşe Yılmaz",
        "birth_date": "1990-01-01",
        "password": "a long enough passphrase 7",
    })
}

#[tokio::test]
async fn an_unknown_slug_is_not_found_on_every_path_that_names_one() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    for path in ["", "/districts", "/cycles", "/keys"] {
        let path = format!("{NOWHERE}{path}");
        let response = app.get(&path, None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(problem(response).await["code"], "not_found", "{path}");
    }
    let response = app
        .post(&format!("{NOWHERE}/residents"), None, &someone())
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(problem(response).await["code"], "not_found");
    // `Staff<R>` uses the same loader: a platform admin passes the role check and meets 404.
    let response = app
        .get(&format!("{NOWHERE}/audit-log"), Some(&platform))
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(problem(response).await["code"], "not_found");
}

#[tokio::test]
async fn what_was_checked_before_the_lookup_still_answers_first() {
    let app = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.rate_limit.registration_per_ip_per_hour = 1;
        s.rate_limit.registration_per_ip_burst = 1;
    })
    .await;
    // A bad `include` is 400 even where the slug is unknown.
    let response = app
        .get(&format!("{NOWHERE}/cycles?include=everything"), None)
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(problem(response).await["code"], "invalid_query");
    // The address is throttled before the municipality is looked up: the unknown slug takes
    // the one attempt, and the next is 429.
    let register = || {
        app.request(reqwest::Method::POST, &format!("{NOWHERE}/residents"), None)
            .header("x-forwarded-for", "203.0.113.7")
            .json(&someone())
            .send()
    };
    let first = register().await.unwrap();
    assert_eq!(first.status(), 404);
    let second = register().await.unwrap();
    assert_eq!(second.status(), 429);
    assert_eq!(problem(second).await["code"], "rate_limited");
}
