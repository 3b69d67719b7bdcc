//! Every way a request can be wrong gets problem+json with a stable code, never a 500, a
//! stack trace or SQL.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::support::{MunicipalityBuilder, Reply};

fn assert_problem(reply: &Reply, status: u16, code: &str) {
    reply.expect_status(status);
    let problem = reply.problem();
    assert_eq!(problem.code, code, "{}", problem.body);
    assert_eq!(problem.status, status);
    let text = problem.body.to_string().to_lowercase();
    for leak in [
        "select ",
        "insert ",
        "diesel",
        "panicked",
        "backtrace",
        "sqlite",
        "postgres",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let reply = anyone
        .exchange(
            anyone
                .request(Method::POST, "/api/v1/auth/login")
                .header("content-type", "application/json")
                .body("{\"login\": "),
        )
        .await;
    assert_problem(&reply, 400, "malformed_json");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let reply = anyone
        .exchange(
            anyone
                .request(Method::POST, "/api/v1/auth/login")
                .header("content-type", "text/plain")
                .body("login=me"),
        )
        .await;
    assert_problem(&reply, 415, "unsupported_media_type");
}

#[tokio::test]
async fn unknown_and_missing_fields_are_422() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let unknown = anyone
        .post(
            "/api/v1/auth/login",
            &json!({"login": "a@b.example", "password": "x", "admin": true}),
        )
        .await;
    assert_problem(&unknown, 422, "unknown_field");
    let missing = anyone
        .post("/api/v1/auth/login", &json!({"login": "a@b.example"}))
        .await;
    assert_problem(&missing, 422, "missing_field");
    let wrong_type = anyone
        .post("/api/v1/auth/login", &json!({"login": 5, "password": "x"}))
        .await;
    assert_problem(&wrong_type, 422, "invalid_body");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"login\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(300 * 1024)
    );
    let anyone = app.anonymous();
    let reply = anyone
        .exchange(
            anyone
                .request(Method::POST, "/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(huge),
        )
        .await;
    assert_problem(&reply, 413, "payload_too_large");
}

#[tokio::test]
async fn invalid_uuids_in_paths_are_400() {
    let app = spawn_app().await;
    app.create_municipality(MunicipalityBuilder::turkish("konya"))
        .await;
    let reply = app
        .platform_admin()
        .await
        .delete("/api/v1/municipalities/konya/districts/not-a-uuid")
        .await;
    assert_problem(&reply, 400, "invalid_path_parameter");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    assert_problem(&anyone.get("/nothing-here").await, 404, "not_found");
    let reply = anyone.send(Method::PUT, "/api/v1/auth/login", None).await;
    assert_problem(&reply, 405, "method_not_allowed");
    let reply = anyone.delete("/api/v1/municipalities").await;
    assert_problem(&reply, 405, "method_not_allowed");
}

#[tokio::test]
async fn malformed_query_is_400() {
    let app = spawn_app().await;
    let reply = app
        .anonymous()
        .get("/api/v1/municipalities?limit=lots")
        .await;
    assert_problem(&reply, 400, "invalid_query");
}
