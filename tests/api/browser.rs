//! The web client in a real browser: Debian's `chromium`, driven by `playwright-core` from
//! the node scripts in `tests/browser/`, against this test's real app and database.
//!
//! The Rust side sets the stage over the API (a municipality with a published cycle and a
//! cycle in voting with two budgets); the scripts then do what people do, by clicking and
//! typing, and check every page with axe-core. Without node, the npm packages
//! (`npm ci --prefix tests/browser`) or chromium the test says so and passes, unless
//! `KURULTAI_BROWSER_TESTS=require` (CI sets it), when their absence fails it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{
    approvals, tckn, City, MunicipalityBuilder, ProposalBuilder, ResidentBuilder, Role, Session,
};

pub(crate) fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> Option<PathBuf> {
    let named = std::env::var_os("KURULTAI_CHROMIUM").map(PathBuf::from);
    named
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from))
        .find(|p| p.exists())
}

/// What the browser tests need, or why they cannot run here.
fn prerequisites() -> Result<PathBuf, String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Err("node is not installed".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Err("run `npm ci --prefix tests/browser` first".into());
    }
    chromium().ok_or_else(|| "chromium is not installed (apt-get install chromium)".into())
}

/// A Turkish city with open registration, and its official.
pub(crate) async fn open_city(app: &TestApp, slug: &str) -> (City, Session) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city, official)
}

/// A municipality where a resident can do everything: results of a published cycle, and a
/// cycle in voting with an approval and a knapsack budget.
async fn stage(app: &TestApp, slug: &str) -> Vec<(&'static str, String)> {
    let (city, official) = open_city(app, slug).await;

    // Last year's cycle: counted and published, so its results can be looked at.
    let past = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": "Last year's parks"}, "amount_minor": 100_000,
                   "ballot": {"type": "approval", "max_selections": 2},
                   "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
            &[60_000, 50_000, 30_000],
        )
        .await;
    let p = &past.proposals;
    for (n, choice) in [(1, [0, 1]), (2, [0, 2]), (3, [1, 2]), (4, [0, 2])] {
        let voter = app
            .register_resident(&city, ResidentBuilder::adult(n))
            .await;
        let selections = approvals(&choice.map(|i| &p[i]));
        assert_eq!(voter.cast(&past.budget, selections).await.status, 201);
    }
    assert_eq!(official.move_cycle(&past.cycle, "closed").await.status, 200);
    official.tally(&past.budget).await;
    assert_eq!(
        official.move_cycle(&past.cycle, "published").await.status,
        200
    );

    // This year's cycle, in voting, with a budget of each ballot type.
    let cycle = official.create_cycle(&city).await;
    let parks = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Parks and streets"}, "amount_minor": 200_000,
                   "ballot": {"type": "approval", "max_selections": 2}}),
        )
        .await;
    let schools = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Schools"}, "amount_minor": 100_000,
                   "ballot": {"type": "knapsack"}}),
        )
        .await;
    let culture = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Culture"}, "amount_minor": 100_000,
                   "ballot": {"type": "cumulative", "max_points": 5, "max_points_per_proposal": 3}}),
        )
        .await;
    let sports = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Sports"}, "amount_minor": 100_000,
                   "ballot": {"type": "ranked", "max_selections": 2}}),
        )
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    for (budget, title, cost) in [
        (&culture, "Open-air cinema", 40_000),
        (&culture, "Folk music festival", 50_000),
        (&sports, "Football pitch lights", 60_000),
        (&sports, "Running track", 30_000),
        (&sports, "Climbing wall", 20_000),
        (&parks, "Benches by the river", 40_000),
        (&parks, "Trees on Atatürk Street", 90_000),
        (&parks, "A playground in the old town", 120_000),
        (&schools, "New library books", 30_000),
        (&schools, "Science lab equipment", 60_000),
        (&schools, "Sports hall roof", 70_000),
    ] {
        let proposal = ProposalBuilder::new(title).cost(cost).category("town");
        let proposal = official.propose(budget, proposal).await;
        official.approve(&proposal).await;
    }
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

    let national_id = tckn(777);
    let last = national_id.chars().last().unwrap().to_digit(10).unwrap();
    let mistyped = format!("{}{}", &national_id[..10], (last + 1) % 10);
    vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_NATIONAL_ID", national_id),
        ("KURULTAI_MISTYPED_ID", mistyped),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_RESULTS_BUDGET", past.budget.id),
    ]
}

/// Runs `script` (in `tests/browser/`) with node's test runner against `app`, with `env`.
pub(crate) async fn run_in_browser(app: &TestApp, script: &str, env: Vec<(&'static str, String)>) {
    let chromium = chromium().expect("checked by prerequisites()");
    let address = app.address.clone();
    let script = script.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
            .arg(script)
            .current_dir(browser_dir())
            .env("KURULTAI_URL", address)
            .env("KURULTAI_CHROMIUM", chromium)
            .envs(env)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "the browser tests failed:\n{stdout}\n{stderr}"
    );
}

/// An app whose mail reaches a real SMTP server, and that server; `None` when aiosmtpd is
/// missing and the mail tests may skip (`KURULTAI_SMTP_TESTS=require` makes that fail).
pub(crate) async fn app_with_mail() -> Option<(TestApp, crate::support::smtp::SmtpServer)> {
    let smtp = crate::support::smtp::SmtpServer::start()?;
    let app = crate::helpers::spawn_app_with(crate::support::smtp::smtp_on(smtp.port)).await;
    Some((app, smtp))
}

/// The environment that lets a node script read the mail (tests/browser/mail.mjs).
pub(crate) fn maildir_env(smtp: &crate::support::smtp::SmtpServer) -> (&'static str, String) {
    ("KURULTAI_MAILDIR", smtp.maildir().display().to_string())
}

/// Runs the `kurultai verify ...` command an auditor's page showed (saved by the script as
/// `command.txt` in `dir`, next to the archive it downloaded) exactly as shown, with this build's
/// `kurultai`, and requires it to succeed.
pub(crate) fn run_the_verify_command_shown(dir: &Path) {
    let command = std::fs::read_to_string(dir.join("command.txt")).unwrap();
    let args = command
        .strip_prefix("kurultai ")
        .expect("the command starts with kurultai");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("\"$KURULTAI\" {args}"))
        .env("KURULTAI", env!("CARGO_BIN_EXE_kurultai"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{command}` failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the browser tests can run here; says why not (or fails when they are required).
pub(crate) fn browser_available() -> bool {
    let required = std::env::var("KURULTAI_BROWSER_TESTS").is_ok_and(|v| v == "require");
    match prerequisites() {
        Ok(_) => true,
        Err(why) if !required => {
            eprintln!(
                "SKIPPED browser tests: {why} (KURULTAI_BROWSER_TESTS=require makes this fail)"
            );
            false
        }
        Err(why) => panic!("browser tests required but cannot run: {why}"),
    }
}

#[tokio::test]
async fn a_resident_registers_votes_and_checks_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let env = stage(&app, "eskisehir").await;
    run_in_browser(&app, "resident.test.mjs", env).await;
}

/// A cycle in review whose proposals are still to be vetted, a registration waiting for an
/// official, and the staff accounts.
async fn stage_for_staff(app: &TestApp, slug: &str) -> Vec<(&'static str, String)> {
    let (city, official) = open_city(app, slug).await;
    app.staff_login(&city, Role::Auditor).await;
    city.admin
        .update_settings(&city, &json!({"registration_policy": "review"}))
        .await;
    app.anonymous()
        .post(
            &format!("/api/v1/municipalities/{slug}/residents"),
            &json!({"national_id": tckn(4242), "full_name": "Mehmet Demir", "birth_date": "1975-03-09",
                    "password": PASSWORD}),
        )
        .await
        .expect_status(201);
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Green spaces"}, "amount_minor": 100_000,
                   "ballot": {"type": "approval", "max_selections": 1},
                   "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
        )
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    for (title, cost) in [
        ("Community garden", 40_000),
        ("Fountain repair", 50_000),
        ("Dog park", 30_000),
    ] {
        let proposal = ProposalBuilder::new(title).cost(cost).category("parks");
        official.propose(&budget, proposal).await;
    }
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_OFFICIAL", format!("official@{slug}.example")),
        ("KURULTAI_ADMIN", format!("admin@{slug}.example")),
        ("KURULTAI_AUDITOR", format!("auditor@{slug}.example")),
    ]
}

#[tokio::test]
async fn officials_run_a_cycle_and_auditors_check_it_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let env = stage_for_staff(&app, "kayseri").await;
    run_in_browser(&app, "staff.test.mjs", env).await;
}
