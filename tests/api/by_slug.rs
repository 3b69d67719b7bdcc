//! Paths with a `{slug}` load their municipality through one loader (`api::by_slug`): an
//! unknown slug answers as it always did, 404 `not_found`, and checks that came before the
//! lookup still come first.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::support::Reply;

/// Fails the test unless the answer is a problem of `status` with `code`.
fn assert_problem(reply: &Reply, status: u16, code: &str) {
    reply.expect_status(status);
    assert_eq!(reply.problem().code, code);
}

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
    let anyone = app.anonymous();
    for path in ["", "/districts", "/cycles", "/keys"] {
        let reply = anyone.get(&format!("{NOWHERE}{path}")).await;
        assert_problem(&reply, 404, "not_found");
    }
    let reply = anyone
        .post(&format!("{NOWHERE}/residents"), &someone())
        .await;
    assert_problem(&reply, 404, "not_found");
    // `Staff<R>` uses the same loader: a platform admin passes the role check and meets 404.
    let reply = app
        .platform_admin()
        .await
        .get(&format!("{NOWHERE}/audit-log"))
        .await;
    assert_problem(&reply, 404, "not_found");
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
    let anyone = app.anonymous();
    let reply = anyone
        .get(&format!("{NOWHERE}/cycles?include=everything"))
        .await;
    assert_problem(&reply, 400, "invalid_query");
    // The address is throttled before the municipality is looked up: the unknown slug takes
    // the one attempt, and the next is 429.
    let register = || {
        anyone.exchange(
            anyone
                .request(reqwest::Method::POST, &format!("{NOWHERE}/residents"))
                .header("x-forwarded-for", "203.0.113.7")
                .json(&someone()),
        )
    };
    register().await.expect_status(404);
    assert_problem(&register().await, 429, "rate_limited");
}
