//! The web client in a real browser: proposals (see browser.rs for how these run). An admin
//! defines the categories, a resident writes, edits, withdraws and follows a proposal, an
//! official adds one, edits one and revisits a decision.

use serde_json::json;

use crate::browser::{browser_available, open_city, run_in_browser};
use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::ResidentBuilder;

/// A cycle in submission with one budget, and a verified resident.
async fn stage(app: &TestApp, slug: &str) -> Vec<(&'static str, String)> {
    let (city, official) = open_city(app, slug).await;
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Neighbourhood"}, "amount_minor": 100_000}),
        )
        .await;
    official.advance(&cycle, "submission").await;
    let resident = ResidentBuilder::adult(1);
    let email = resident.email(slug);
    app.register_resident(&city, resident).await;
    vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_RESIDENT", email),
        ("KURULTAI_OFFICIAL", format!("official@{slug}.example")),
        ("KURULTAI_ADMIN", format!("admin@{slug}.example")),
        ("KURULTAI_BUDGET", budget.id),
        ("KURULTAI_CYCLE", cycle.id),
    ]
}

#[tokio::test]
async fn browser_proposals_residents_propose_and_officials_decide() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let env = stage(&app, "bursa").await;
    run_in_browser(&app, "proposals.test.mjs", env).await;
}
