//! The acceptance test in a real browser: a city runs a whole participatory budget
//! from the web client alone (see tests/browser/whole_cycle.test.mjs).
//!
//! Nothing is staged over the API but the platform admin's account, which the app's bootstrap
//! (`kurultai admin create-platform-admin`) makes before any page exists. Afterwards the API is
//! asked whether what the pages did is what is stored, and the auditor's command is run on the
//! archive the page downloaded.

use serde_json::Value;

use crate::browser::{browser_available, run_in_browser, run_the_verify_command_shown};
use crate::helpers::{PASSWORD, PLATFORM_EMAIL};
use crate::support::Results;

#[tokio::test]
async fn browser_whole_cycle_runs_from_the_web_client_alone() {
    if !browser_available() {
        return;
    }
    // The first admin is invited: the link arrives through a real SMTP server.
    let Some((app, smtp)) = crate::browser::app_with_mail().await else {
        return;
    };
    app.platform_admin_token().await;
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("KURULTAI_SLUG", "shymkent".to_string()),
        ("KURULTAI_PLATFORM_EMAIL", PLATFORM_EMAIL.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        crate::browser::maildir_env(&smtp),
        ("KURULTAI_OUT_DIR", dir.path().display().to_string()),
    ];
    run_in_browser(&app, "whole_cycle.test.mjs", env).await;

    // What the pages did is what is stored: the cycle published, every ballot counted.
    let ids: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cycle.json")).unwrap())
            .unwrap();
    let anyone = app.anonymous();
    let cycle = anyone
        .get(&format!(
            "/api/v1/cycles/{}",
            ids["cycle"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(cycle["status"], "published", "{cycle}");
    for (budget, ballots) in [("parks", 3), ("yards", 2)] {
        let results: Results = anyone
            .get(&format!(
                "/api/v1/budgets/{}/results",
                ids[budget].as_str().unwrap()
            ))
            .await
            .ok();
        assert_eq!(results.ballots_counted, ballots, "{budget}");
        assert!(!results.selected.is_empty(), "{budget} funds something");
        // The rejected fountain never reached a ballot.
        assert!(
            results
                .proposals
                .iter()
                .all(|p| p.title != "Фонтан в центре"),
            "{budget}"
        );
    }

    // The auditor's command, run as shown on the archive as downloaded.
    run_the_verify_command_shown(dir.path());
}
