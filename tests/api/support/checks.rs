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
