//! `GET /budgets/{id}/export.pb`: who may download it and when, what the file says (read back
//! with our reader, recounted by `kurultai tally` with the options its comment names), the
//! anonymous shuffled voter ids, the audit record — and, when `KURULTAI_PABUTOOLS` names a
//! Python with `pabutools` and `pabulib-checker` (`1` means `python3`), the reference tools:
//! the checker accepts the file and pabutools, running the same rule, selects the same
//! projects. Without them that part says it skipped.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, PASSWORD, PLATFORM_EMAIL};
use crate::support::{
    approvals, audit_actions, audit_details, City, Id, MunicipalityBuilder, Problem,
    ProposalBuilder, ResidentBuilder, Results, Role, Session,
};

fn export_path(budget: &str) -> String {
    format!("/api/v1/budgets/{budget}/export.pb")
}

async fn export(who: &Session, budget: &str) -> String {
    let response = who.get(&export_path(budget)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers["content-type"],
        "text/plain; charset=utf-8"
    );
    let disposition = response.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"izmir-") && disposition.ends_with(".pb"),
        "{disposition}"
    );
    response.text()
}

async fn refused(who: &Session, budget: &str, status: u16) -> Problem {
    let response = who.get(&export_path(budget)).await;
    assert_eq!(response.status, status);
    response.problem()
}

/// İzmir with open registration, its official and its auditor.
async fn izmir(app: &TestApp) -> (City, Session, Session) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("izmir").open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    (city, official, auditor)
}

/// The stored result, as the official reads it.
async fn results(official: &Session, budget: &impl Id) -> Results {
    official
        .get(&format!("/api/v1/budgets/{}/results", budget.id()))
        .await
        .json_as()
}

#[tokio::test]
async fn a_counted_budget_exports_as_a_pabulib_file_that_recounts_to_the_stored_result() {
    let app = crate::helpers::spawn_app().await;
    let (city, official, auditor) = izmir(&app).await;
    let platform = app.logged_in(None, PLATFORM_EMAIL, PASSWORD).await;
    let other_admin = app.municipality(platform.token(), "bursa", "TR").await;
    let other_official = app.session(&app.staff(&other_admin, "bursa", "official").await);
    let konak = city.admin.add_district(&city, "Konak").await;
    let costs = [400_000, 350_000, 250_000, 200_000, 150_000, 90_050];
    let voting = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": "Konak budget"}, "district_id": konak.id, "amount_minor": 1_000_000,
                   "ballot": {"type": "approval", "min_selections": 1, "max_selections": 3},
                   "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
            &costs,
        )
        .await;
    let (cycle, budget, p) = (&voting.cycle, &voting.budget.id, voting.proposal_ids());

    // Thirteen distinct ballots, so that each line of the file names its ballot: three online
    // (the first replaced once), then a paper batch of ten. `cast` is the casting order.
    let cast: Vec<Vec<usize>> = vec![
        vec![0, 1],
        vec![0, 3, 5],
        vec![1, 2],
        vec![2, 3, 4],
        vec![0, 4],
        vec![1, 3],
        vec![2],
        vec![0, 2, 5],
        vec![3],
        vec![4, 5],
        vec![0],
        vec![1, 4, 5],
        vec![2, 4],
    ];
    let pick = |idx: &[usize]| approvals(&idx.iter().map(|&i| &p[i]).collect::<Vec<_>>());
    for (n, choice) in cast.iter().take(3).enumerate() {
        let voter = app
            .register_resident(
                &city,
                ResidentBuilder::adult(700 + n as u64).district(&konak),
            )
            .await;
        if n == 0 {
            assert_eq!(voter.cast(budget, pick(&[5])).await.status, 201);
        }
        assert!(voter.cast(budget, pick(choice)).await.status.is_success());
    }
    let batch: Vec<Value> = cast[3..]
        .iter()
        .map(|c| json!({"selections": pick(c)}))
        .collect();
    official
        .post(
            &format!("/api/v1/budgets/{budget}/paper-ballots"),
            &json!({"polling_station": "Okul 7", "ballots": batch}),
        )
        .await
        .expect_status(201);

    // Not before the close, and not before the count.
    let early = refused(&official, budget, 409).await;
    assert_eq!(early.code, "cycle_not_closed");
    assert_eq!(official.move_cycle(cycle, "closed").await.status, 200);
    let uncounted = refused(&auditor, budget, 409).await;
    assert_eq!(uncounted.code, "not_tallied");
    official.tally(budget).await;

    // Only this municipality's auditors and officials.
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(799).district(&konak))
        .await;
    refused(&voter, budget, 403).await;
    refused(&city.admin, budget, 403).await;
    refused(&other_official, budget, 404).await;
    refused(&app.anonymous(), budget, 401).await;
    assert_eq!(audit_actions(&app, "budget.exported").await, 0);

    let text = export(&auditor, budget).await;
    let results = results(&official, budget).await;
    let stored: BTreeSet<String> = results.selected.iter().cloned().collect();
    assert!(!stored.is_empty());

    // META, read back with our reader.
    let file = kurultai::pabulib::read_str(&text).expect("the export reads back");
    for key in kurultai::pabulib::writer::REQUIRED_META {
        assert!(file.meta(key).is_some(), "META {key} is missing");
    }
    let meta = |k: &str| file.meta(k).unwrap_or_default().to_string();
    assert_eq!(meta("country"), "Türkiye");
    assert_eq!(meta("unit"), "City of izmir");
    assert_eq!(meta("district"), "Konak");
    assert_eq!(meta("num_projects"), "6");
    assert_eq!(meta("num_votes"), "13");
    assert_eq!(meta("budget"), "10000", "main units, not kuruş");
    assert_eq!(meta("vote_type"), "approval");
    assert_eq!(meta("min_length"), "1");
    assert_eq!(meta("max_length"), "3");
    assert_eq!(meta("rule"), "equalshares/add1");
    assert_eq!(meta("currency"), "TRY");
    assert_eq!(meta("language"), "en");
    for key in ["date_begin", "date_end"] {
        let date = meta(key);
        assert!(
            chrono::NaiveDate::parse_from_str(&date, "%d.%m.%Y").is_ok(),
            "{key} {date}"
        );
    }
    let comment = meta("comment");
    let options = comment
        .split("`kurultai tally FILE ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("the comment names the recount: {comment}"));
    assert_eq!(
        options,
        "--rule equal_shares --completion add1 --tie-break pabutools"
    );

    // PROJECTS: the frozen ballot, costs in main units, `votes` and `selected` as stored.
    let t = &file.projects;
    let col = |name: &str| t.column(name).unwrap();
    let mut in_file = BTreeSet::new();
    for row in &t.rows {
        let id = t.cell(row, col("project_id")).to_string();
        let i = p
            .iter()
            .position(|x| *x == id)
            .expect("a proposal of the budget");
        let line = results
            .proposals
            .iter()
            .find(|l| l.proposal_id == id)
            .unwrap();
        assert_eq!(t.cell(row, col("votes")), line.votes.to_string());
        assert_eq!(t.cell(row, col("name")), format!("P{i}"));
        let cost = kurultai::tally::Decimal::parse(t.cell(row, col("cost"))).unwrap();
        assert_eq!(cost.at_scale(2), Some(costs[i].into()), "main units");
        if t.cell(row, col("selected")) == "1" {
            in_file.insert(id);
        } else {
            assert_eq!(t.cell(row, col("selected")), "0");
        }
    }
    assert_eq!(t.rows.len(), 6);
    assert_eq!(in_file, stored, "`selected` is the stored result");

    // VOTES: every counted ballot once, ids 1..N, in an order that is not the casting order.
    let v = &file.votes;
    assert_eq!(
        v.columns,
        ["voter_id", "vote", "voting_method"],
        "nothing else about voters"
    );
    let by_content: HashMap<BTreeSet<String>, usize> = cast
        .iter()
        .enumerate()
        .map(|(n, c)| (c.iter().map(|&i| p[i].clone()).collect(), n))
        .collect();
    let mut order = Vec::new();
    for (n, row) in v.rows.iter().enumerate() {
        assert_eq!(v.cell(row, 0), (n + 1).to_string());
        let content: BTreeSet<String> = v.cell(row, 1).split(',').map(String::from).collect();
        let position = by_content[&content];
        let method = if position < 3 { "internet" } else { "paper" };
        assert_eq!(v.cell(row, 2), method);
        order.push(position);
    }
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..13).collect::<Vec<_>>(), "each ballot once");
    // A random permutation of 13 is the identity with probability 1/13! (≈ 1.6e-10).
    assert_ne!(order, sorted, "voter ids do not follow the casting order");

    // `kurultai tally` with the options the comment gives selects what the service stored.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.pb");
    std::fs::write(&path, &text).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"))
        .arg("tally")
        .arg(&path)
        .args(options.split(' '))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let recount: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(
        recount["selected"],
        json!(results.selected),
        "same projects, in the same order"
    );

    // The export is in the audit log with the digest of what was served; a second export
    // (the official's) is recorded too, and shuffles afresh.
    let records = audit_details(&app, "budget.exported").await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["sha256"],
        hex::encode(Sha256::digest(text.as_bytes()))
    );
    assert_eq!(records[0]["ballots"], 13);
    let again = export(&official, budget).await;
    assert_eq!(audit_actions(&app, "budget.exported").await, 2);
    let reread = kurultai::pabulib::read_str(&again).unwrap();
    assert_eq!(reread.projects, file.projects);
    assert_eq!(reread.votes.rows.len(), 13);

    reference_tools(&path, &stored, "equal_shares", "add1");

    // Still exportable once published.
    assert_eq!(official.move_cycle(cycle, "published").await.status, 200);
    export(&auditor, budget).await;
}

/// pabulib-checker accepts the file; pabutools with the same rule selects `stored`.
fn reference_tools(
    path: &std::path::Path,
    stored: &BTreeSet<String>,
    rule: &str,
    completion: &str,
) {
    let python = match std::env::var("KURULTAI_PABUTOOLS") {
        Ok(v) if v == "1" => "python3".to_string(),
        Ok(v) if !v.is_empty() => v,
        _ => {
            eprintln!("SKIPPED pabutools and pabulib-checker on the export: set KURULTAI_PABUTOOLS to a python with both (or 1)");
            return;
        }
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_export.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(path)
        .args(["--rule", rule, "--completion", completion])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The checker prints progress first; the report is the last line.
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    eprintln!("reference tools on the export: {report}");
    assert_eq!(
        report["checker_errors"],
        Value::Null,
        "pabulib-checker: {report}"
    );
    let selected: BTreeSet<String> = report["selected"]
        .as_array()
        .expect("pabutools ran the rule")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(&selected, stored, "pabutools selects the stored projects");
}

/// Knapsack, ranked and cumulative budgets of one cycle: each export reads back with its vote
/// type and limits, recounts with `kurultai tally` to the stored result, and (in CI) passes
/// pabulib-checker and pabutools.
#[tokio::test]
async fn knapsack_ranked_and_cumulative_budgets_export_and_recount() {
    let app = crate::helpers::spawn_app().await;
    let (city, official, auditor) = izmir(&app).await;
    let cycle = official.create_cycle(&city).await;
    let kinds = [
        (
            json!({"type": "knapsack"}),
            json!({"kind": "greedy"}),
            "greedy",
            "none",
        ),
        (
            json!({"type": "ranked", "max_selections": 3}),
            json!({"kind": "greedy"}),
            "greedy",
            "none",
        ),
        (
            json!({"type": "cumulative", "max_points": 6, "max_points_per_proposal": 4}),
            json!({"kind": "equal_shares", "completion": "add1_greedy"}),
            "equal_shares",
            "add1_greedy",
        ),
    ];
    let mut budgets = Vec::new();
    for (i, (ballot, rule, ..)) in kinds.iter().enumerate() {
        let body = json!({"names": {"en": format!("Budget {i}")}, "amount_minor": 1_000_000,
                          "ballot": ballot, "rule": rule});
        budgets.push(official.create_budget(&cycle, body).await.id);
    }
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    let costs = [450_000, 400_000, 300_000, 250_000, 100_000];
    let mut proposals = Vec::new();
    for budget in &budgets {
        let mut ids = Vec::new();
        for (i, cost) in costs.iter().enumerate() {
            let proposal = official
                .propose(budget, ProposalBuilder::new(&format!("P{i}")).cost(*cost))
                .await;
            official.approve(&proposal).await;
            ids.push(proposal.id);
        }
        proposals.push(ids);
    }
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

    // Knapsack choices within 1,000,000; rankings of up to 3; up to 6 points, 4 on one.
    let choices: [[usize; 3]; 6] = [
        [0, 2, 4],
        [1, 3, 4],
        [0, 3, 4],
        [2, 3, 4],
        [1, 2, 4],
        [0, 2, 3],
    ];
    for (n, c) in choices.iter().enumerate() {
        let voter = app
            .register_resident(&city, ResidentBuilder::adult(800 + n as u64))
            .await;
        let ids = |b: usize| {
            c.iter()
                .map(|&i| proposals[b][i].clone())
                .collect::<Vec<_>>()
        };
        let knapsack: Value = ids(0).iter().map(|id| json!({"proposal_id": id})).collect();
        let ranked: Value = ids(1)
            .iter()
            .enumerate()
            .map(|(r, id)| json!({"proposal_id": id, "rank": r + 1}))
            .collect();
        let points: Value = ids(2)
            .iter()
            .zip([3, 2, 1])
            .map(|(id, p)| json!({"proposal_id": id, "points": p}))
            .collect();
        for (budget, selections) in budgets.iter().zip([knapsack, ranked, points]) {
            let response = voter.cast(budget, selections).await;
            assert!(response.status.is_success(), "{}", response.text());
        }
    }
    assert_eq!(official.move_cycle(&cycle, "closed").await.status, 200);

    let dir = tempfile::tempdir().unwrap();
    for (b, (budget, (_, _, rule, completion))) in budgets.iter().zip(&kinds).enumerate() {
        official.tally(budget).await;
        let text = export(&auditor, budget).await;
        let file = kurultai::pabulib::read_str(&text).expect("the export reads back");
        let meta = |k: &str| file.meta(k).map(str::to_string);
        match b {
            0 => {
                assert_eq!(meta("vote_type").as_deref(), Some("approval"));
                assert_eq!(
                    meta("max_sum_cost").as_deref(),
                    Some("10000"),
                    "the knapsack cap"
                );
            }
            1 => {
                assert_eq!(meta("vote_type").as_deref(), Some("ordinal"));
                assert_eq!(meta("max_length").as_deref(), Some("3"));
                // Pabulib's greedy ranks ordinal projects by votes; ours by points.
                assert_eq!(meta("rule").as_deref(), Some("unknown"));
            }
            _ => {
                assert_eq!(meta("vote_type").as_deref(), Some("cumulative"));
                assert_eq!(meta("max_sum_points").as_deref(), Some("6"));
                assert_eq!(meta("max_points").as_deref(), Some("4"));
                let points = file.votes.column("points").expect("a points column");
                assert!(file
                    .votes
                    .rows
                    .iter()
                    .all(|r| file.votes.cell(r, points) == "3,2,1"));
            }
        }
        assert_eq!(file.votes.rows.len(), 6);
        let results = results(&official, budget).await;
        let path = dir.path().join(format!("budget-{b}.pb"));
        std::fs::write(&path, &text).unwrap();
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"))
            .arg("tally")
            .arg(&path)
            .args(["--rule", rule, "--completion", completion, "--json"])
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let recount: Value = serde_json::from_slice(&cli.stdout).unwrap();
        assert_eq!(recount["selected"], json!(results.selected), "budget {b}");
        let stored: BTreeSet<String> = results.selected.iter().cloned().collect();
        assert!(!stored.is_empty());
        reference_tools(&path, &stored, rule, completion);
    }
}

/// The `filename` and the decoded `filename*` of a download's `Content-Disposition`.
fn saved_as(response: &crate::support::Reply) -> (String, String) {
    let disposition = response.header("content-disposition").unwrap();
    let rest = disposition
        .strip_prefix("attachment; filename=\"")
        .unwrap_or_else(|| panic!("{disposition}"));
    let (ascii, utf8) = rest
        .split_once("\"; filename*=UTF-8''")
        .unwrap_or_else(|| panic!("{disposition}"));
    let utf8 = percent_encoding::percent_decode_str(utf8)
        .decode_utf8()
        .unwrap()
        .into_owned();
    (ascii.to_string(), utf8)
}

/// Every download is named by the municipality, the cycle's or budget's name in the default
/// language (here English, though the names are Turkish words) and the day, as the web client
/// names what it saves: ASCII in `filename`, the Turkish letters in `filename*`.
#[tokio::test]
async fn downloads_are_named_by_city_name_and_day() {
    let app = crate::helpers::spawn_app().await;
    let city = app
        .create_municipality(
            MunicipalityBuilder::turkish("izmir")
                .open_registration("until_close")
                .setting("languages", json!(["en", "tr"])),
        )
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let cycle: crate::support::Cycle = official
        .post(
            "/api/v1/municipalities/izmir/cycles",
            &json!({"names": {"tr": "Kent Bütçesi", "en": "Şehir Bütçesi 2027"}}),
        )
        .await
        .created();
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"tr": "Parklar", "en": "Çocuk Parkları"}, "amount_minor": 1_000_000,
                   "ballot": {"type": "approval", "max_selections": 3}, "rule": {"kind": "greedy"}}),
        )
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    let proposal = official
        .propose(&budget, ProposalBuilder::new("Salıncak").cost(100_000))
        .await;
    official.approve(&proposal).await;
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(901))
        .await;
    let cast = voter
        .cast(&budget, json!([{"proposal_id": proposal.id}]))
        .await;
    assert!(cast.status.is_success(), "{}", cast.text());
    assert_eq!(official.move_cycle(&cycle, "closed").await.status, 200);
    official.tally(&budget).await;

    let day = chrono::Utc::now().date_naive();
    let budget_name = (
        format!("izmir-cocuk-parklar-{day}"),
        format!("izmir-çocuk-parkları-{day}"),
    );
    let cycle_name = (
        format!("izmir-sehir-butcesi-2027-{day}"),
        format!("izmir-şehir-bütçesi-2027-{day}"),
    );
    let with = |(ascii, utf8): &(String, String), ext: &str| {
        (format!("{ascii}.{ext}"), format!("{utf8}.{ext}"))
    };
    let get = |path: String| {
        let auditor = &auditor;
        async move {
            let response = auditor.get(&path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text());
            saved_as(&response)
        }
    };
    let budget_id = &budget.id;
    let cycle_id = &cycle.id;
    assert_eq!(
        get(format!("/api/v1/budgets/{budget_id}/export.pb")).await,
        with(&budget_name, "pb")
    );
    assert_eq!(
        get(format!("/api/v1/budgets/{budget_id}/results.csv")).await,
        with(&budget_name, "csv")
    );
    assert_eq!(
        get(format!("/api/v1/cycles/{cycle_id}/stats.csv")).await,
        with(&cycle_name, "csv")
    );
    assert_eq!(
        get(format!("/api/v1/cycles/{cycle_id}/export")).await,
        with(&cycle_name, "tar.gz")
    );
}
