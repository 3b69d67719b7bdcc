//! The kit's own promise: an answer a test did not expect fails it with the request, the
//! status and the body, so the failure reads without a debugger.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::model::{Budget, Problem};
use crate::helpers::spawn_app;

/// The message `f` panics with.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it should fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[tokio::test]
async fn an_unexpected_answer_names_the_request_status_and_body() {
    let app = spawn_app().await;
    let reply = app
        .anonymous()
        .get("/api/v1/municipalities/nowhere/cycles")
        .await;

    let message = panic_message(|| {
        reply.created::<Budget>();
    });
    assert!(
        message.contains("GET /api/v1/municipalities/nowhere/cycles answered 404"),
        "{message}"
    );
    let problem: Problem = reply.problem();
    assert!(message.contains(&problem.code), "{message}");

    let message = panic_message(|| {
        reply.json_as::<Budget>();
    });
    assert!(message.contains("does not decode as"), "{message}");
    assert!(message.contains("404"), "{message}");
}

/// The conformance check is not vacuous: it finds the operation behind a concrete path and
/// refuses a missing required member, a null the type does not allow, and a value outside an
/// `enum`; it keeps out of what the document does not declare.
#[test]
fn answers_are_held_to_the_document() {
    use super::conformance::mismatches;
    let json = "application/json";
    assert_eq!(
        mismatches("GET", "/healthz", 200, json, br#"{"status":"ok"}"#),
        Vec::<String>::new()
    );
    let wrong = mismatches("GET", "/healthz", 200, json, br#"{"status":"fine"}"#);
    assert!(wrong[0].contains("is not one of"), "{wrong:?}");
    let wrong = mismatches("GET", "/readyz", 200, json, br#"{"status":"ready"}"#);
    assert!(wrong[0].contains("required `database`"), "{wrong:?}");
    let receipt = br#"{"receipt":"R","budget_id":null,"status":"counted"}"#;
    let wrong = mismatches("GET", "/api/v1/receipts/R", 200, json, receipt);
    assert!(wrong[0].contains("$.budget_id: null"), "{wrong:?}");
    let problem = "application/problem+json";
    let wrong = mismatches("GET", "/api/v1/receipts/R", 404, problem, b"{}");
    assert!(wrong.iter().any(|w| w.contains("`code`")), "{wrong:?}");
    assert!(mismatches("GET", "/nothing-here", 404, problem, b"{}").is_empty());
    assert!(mismatches("GET", "/healthz", 418, json, b"{}").is_empty());
}
