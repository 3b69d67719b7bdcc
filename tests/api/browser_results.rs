//! The web client in a real browser: results (see browser.rs for how these run).
//!
//! Two published cycles: an Equal Shares budget whose completion raised each voter's share
//! (so the money left with the voters exceeds the budget) and where a proposal with six votes
//! loses to ones with three, a knapsack budget that a tie decided, and an Equal Shares round
//! that was a tie.

use std::path::Path;

use serde_json::{json, Value};

use crate::browser::{browser_available, open_city, run_in_browser, run_the_verify_command_shown};
use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{
    approvals, AuditPage, Budget, City, ProposalBuilder, ResidentBuilder, Role, Session,
};

/// A published cycle named `name` with one budget (`rule`) whose proposals are `titles` with
/// their costs, and `ballots`: each voter's chosen proposals by index.
async fn published(
    app: &TestApp,
    city: &City,
    official: &Session,
    rule: Value,
    proposals: &[(&str, i64)],
    ballots: &[&[usize]],
    first_voter: u64,
) -> Budget {
    let cycle = official.create_cycle(city).await;
    let budget = official.create_budget(&cycle, rule).await;
    official.advance(&cycle, "submission").await;
    let mut made = Vec::new();
    for (title, cost) in proposals {
        let proposal = official
            .propose(&budget, ProposalBuilder::new(title).cost(*cost))
            .await;
        official.approve(&proposal).await;
        made.push(proposal);
    }
    official.advance(&cycle, "review").await;
    official.advance(&cycle, "voting").await;
    for (n, choice) in ballots.iter().enumerate() {
        let voter = app
            .register_resident(city, ResidentBuilder::adult(first_voter + n as u64))
            .await;
        let chosen: Vec<_> = choice.iter().map(|&i| &made[i]).collect();
        assert_eq!(voter.cast(&budget, approvals(&chosen)).await.status, 201);
    }
    official.advance(&cycle, "closed").await;
    official.tally(&budget).await;
    official.advance(&cycle, "published").await;
    budget
}

async fn stage(app: &TestApp, slug: &str, verify_dir: &Path) -> Vec<(&'static str, String)> {
    let (city, official) = open_city(app, slug).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    // Six voters want the stadium (150 a supporter, more than a share of 100 each); three want
    // each of the cheaper ones, which are funded. The street art (250, one supporter) keeps the
    // first outcome from being exhaustive, so the completion raises the share per voter.
    let shares = published(
        app,
        &city,
        &official,
        json!({"names": {"en": "City parks"}, "amount_minor": 100_000,
               "ballot": {"type": "approval"},
               "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
        &[
            ("Stadium roof", 90_000),
            ("Bike lanes", 30_000),
            ("Library garden", 20_000),
            ("Bus shelters", 20_000),
            ("Street art", 25_000),
        ],
        &[
            &[0, 1],
            &[0, 2],
            &[0, 2],
            &[0, 2],
            &[0, 3],
            &[0, 3],
            &[1],
            &[1],
            &[1, 4],
            &[1, 3],
        ],
        1,
    )
    .await;
    // Two proposals with two votes each; only one of them fits, and the tie decides which.
    let knapsack = published(
        app,
        &city,
        &official,
        json!({"names": {"en": "School repairs"}, "amount_minor": 100_000,
               "ballot": {"type": "knapsack"},
               "rule": {"kind": "greedy", "tie_break": "pabutools"}}),
        &[
            ("Gym floor", 60_000),
            ("Roof insulation", 60_000),
            ("Water fountains", 30_000),
        ],
        &[&[0], &[0, 2], &[1], &[1]],
        20,
    )
    .await;
    // Two playgrounds at the same price per supporter: Equal Shares' first round is a tie.
    let playgrounds = published(
        app,
        &city,
        &official,
        json!({"names": {"en": "Playgrounds"}, "amount_minor": 100_000,
               "ballot": {"type": "approval"},
               "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
        &[("Swings", 40_000), ("Slides", 40_000)],
        &[&[0], &[1], &[0], &[1]],
        40,
    )
    .await;
    // More than one page (100) of audit entries, so "Show more" has something to show once.
    for _ in 0..70 {
        official.create_cycle(&city).await;
    }
    let log: AuditPage = auditor
        .get(&format!(
            "/api/v1/municipalities/{slug}/audit-log?limit=500"
        ))
        .await
        .ok();
    let count = log.entries.len();
    assert!(
        log.next_after.is_none() && count > 100 && count < 200,
        "{count} entries"
    );
    let moves = log
        .entries
        .iter()
        .filter(|e| e.action == "cycle.transition")
        .count();
    vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_AUDIT_COUNT", log.entries.len().to_string()),
        ("KURULTAI_AUDIT_MOVES", moves.to_string()),
        ("KURULTAI_SHARES_CYCLE", shares.cycle_id.clone()),
        ("KURULTAI_VERIFY_DIR", verify_dir.display().to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_AUDITOR", format!("auditor@{slug}.example")),
        ("KURULTAI_SHARES_BUDGET", shares.id),
        ("KURULTAI_KNAPSACK_BUDGET", knapsack.id),
        ("KURULTAI_TIED_BUDGET", playgrounds.id),
    ]
}

#[tokio::test]
async fn results_explain_themselves_on_a_phone_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let env = stage(&app, "bursa", dir.path()).await;
    run_in_browser(&app, "results.test.mjs", env).await;

    // The auditor's page gave the archive and the command: run that command, as shown, on the
    // archive as downloaded, with this build's `kurultai`.
    run_the_verify_command_shown(dir.path());
}
