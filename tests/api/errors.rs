//! Every way a request can be wrong gets problem+json with a stable code, never a 500, a
//! stack trace or SQL.

use reqwest::Method;

use crate::helpers::{problem, spawn_app};

async fn assert_problem(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status(), status);
    let body = problem(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    let text = body.to_string().to_lowercase();
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
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"login\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed_json").await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "text/plain")
        .body("login=me")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn unknown_and_missing_fields_are_422() {
    let app = spawn_app().await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"login": "a@b.example", "password": "x", "admin": true}),
        )
        .await;
    assert_problem(unknown, 422, "unknown_field").await;
    let missing = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"login": "a@b.example"}),
        )
        .await;
    assert_problem(missing, 422, "missing_field").await;
    let wrong_type = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"login": 5, "password": "x"}),
        )
        .await;
    assert_problem(wrong_type, 422, "invalid_body").await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"login\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(300 * 1024)
    );
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn invalid_uuids_in_paths_are_400() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    app.municipality(&platform, "konya", "TR").await;
    let response = app
        .request(
            Method::DELETE,
            "/api/v1/municipalities/konya/districts/not-a-uuid",
            Some(&platform),
        )
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_path_parameter").await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    assert_problem(app.get("/nothing-here", None).await, 404, "not_found").await;
    let response = app
        .request(Method::PUT, "/api/v1/auth/login", None)
        .send()
        .await
        .unwrap();
    assert_problem(response, 405, "method_not_allowed").await;
    let response = app
        .request(Method::DELETE, "/api/v1/municipalities", None)
        .send()
        .await
        .unwrap();
    assert_problem(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn malformed_query_is_400() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/municipalities?limit=lots", None).await;
    assert_problem(response, 400, "invalid_query").await;
}
