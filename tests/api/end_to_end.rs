//! One whole participatory budget over HTTP, on whichever database the tests run on: configure
//! the municipality, register residents and verify them, submit and vet proposals, open
//! voting, vote online (with a replacement) and on paper, close, count, publish — and check
//! that the published result is what `kurultai tally` computes from the same ballots written
//! as a Pabulib file.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{
    tckn, Cycle, District, MunicipalityBuilder, Proposal, ResidentView, Results, Role, Session,
    TallyReply,
};

/// Registers a resident under the `review` policy; returns (resident id, their session).
async fn register(app: &TestApp, n: u64, district: &str) -> (String, Session) {
    let email = format!("r{n}@eskisehir.example");
    let resident: ResidentView = app
        .anonymous()
        .post(
            "/api/v1/municipalities/eskisehir/residents",
            &json!({"national_id": tckn(n), "full_name": format!("Resident {n}"), "birth_date": "1984-06-15",
                    "district_id": district, "email": email, "password": PASSWORD, "language": "tr"}),
        )
        .await
        .created();
    let session = app.logged_in(Some("eskisehir"), &email, PASSWORD).await;
    (resident.id, session)
}

#[tokio::test]
async fn a_whole_cycle_over_http_matches_the_command_line_tally() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("eskisehir"))
        .await;
    let admin = &city.admin;
    admin
        .patch(
            "/api/v1/municipalities/eskisehir/settings",
            &json!({"names": {"tr": "Eskişehir", "en": "Eskisehir"}, "languages": ["tr", "en"], "default_language": "tr", "registration_policy": "review",
                    "revote_policy": "until_close", "max_proposals_per_resident": 3}),
        )
        .await
        .expect_status(200);
    let district: District = admin
        .post(
            "/api/v1/municipalities/eskisehir/districts",
            &json!({"names": {"tr": "Odunpazarı", "en": "Odunpazari"}}),
        )
        .await
        .created();
    let official = app.staff_login(&city, Role::Official).await;

    // Six residents register; an official verifies five and rejects one.
    let mut voters = Vec::new();
    for n in 0..6u64 {
        let (id, voter) = register(&app, 900 + n, &district.id).await;
        let (path, body) = if n == 5 {
            ("reject", json!({"reason": "Not a resident of Eskişehir"}))
        } else {
            ("verify", json!({}))
        };
        official
            .post(
                &format!("/api/v1/municipalities/eskisehir/residents/{id}/{path}"),
                &body,
            )
            .await
            .expect_status(200);
        voters.push(voter);
    }

    // A cycle with an Equal Shares budget; residents and the official propose, the official vets.
    let cycle: Cycle = official
        .post(
            "/api/v1/municipalities/eskisehir/cycles",
            &json!({"names": {"tr": "Halk Bütçesi 2027", "en": "People's Budget 2027"}}),
        )
        .await
        .created();
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"tr": "Kent geneli"}, "amount_minor": 1_000_000,
                   "ballot": {"type": "approval", "min_selections": 1, "max_selections": 3},
                   "rule": {"kind": "equal_shares", "completion": "add1_greedy", "tie_break": "pabutools"}}),
        )
        .await;
    let proposals_path = format!("/api/v1/budgets/{}/proposals", budget.id);
    official.advance(&cycle, "submission").await;
    let costs = [400_000_i64, 350_000, 250_000, 200_000, 150_000, 90_000];
    let mut proposals = Vec::new();
    for (i, cost) in costs.iter().enumerate() {
        let author = if i < 3 { &voters[i] } else { &official };
        let body = json!({"titles": {"tr": format!("Proje {i}"), "en": format!("Project {i}")},
                          "descriptions": {"tr": "Açıklama"}, "cost_minor": cost, "category": "park"});
        let created: Proposal = author.post(&proposals_path, &body).await.created();
        proposals.push(created.id);
    }
    let rejected: Proposal = voters[3]
        .post(&proposals_path,
            &json!({"titles": {"tr": "Uzay üssü"}, "descriptions": {"tr": "?"}, "cost_minor": 900_000}))
        .await
        .created();
    official.advance(&cycle, "review").await;
    for id in &proposals {
        official.approve(id).await;
    }
    official
        .review(
            &rejected,
            &json!({"decision": "reject", "reason": "Out of scope"}),
        )
        .await
        .expect_status(200);
    official.advance(&cycle, "voting").await;

    // Online ballots (voter 0 replaces theirs; voter 5 was rejected) and a paper batch.
    let pick = |idx: &[usize]| {
        Value::Array(
            idx.iter()
                .map(|&i| json!({"proposal_id": proposals[i]}))
                .collect(),
        )
    };
    let online: [&[usize]; 5] = [&[0, 1], &[0, 3, 5], &[1, 2], &[2, 3, 4], &[0, 4]];
    voters[0].cast(&budget, pick(&[5])).await.expect_status(201);
    for (voter, choice) in voters.iter().zip(online) {
        let response = voter.cast(&budget, pick(choice)).await;
        assert!(response.status.is_success(), "{}", response.text());
    }
    let refused = voters[5].cast(&budget, pick(&[0])).await;
    assert_eq!(refused.problem().code, "not_eligible");
    let paper: [&[usize]; 3] = [&[1, 3], &[2], &[0, 2, 5]];
    let batch: Vec<Value> = paper
        .iter()
        .map(|c| json!({"selections": pick(c)}))
        .collect();
    official
        .post(
            &format!("/api/v1/budgets/{}/paper-ballots", budget.id),
            &json!({"polling_station": "Okul 3", "ballots": batch}),
        )
        .await
        .expect_status(201);

    official.advance(&cycle, "closed").await;
    let counted: TallyReply = official.tally(&budget).await;
    assert_eq!(counted.ballots_counted, 8);
    official.advance(&cycle, "published").await;
    let results = app
        .anonymous()
        .get(&format!("/api/v1/budgets/{}/results?lang=en", budget.id))
        .await;
    let results: Results = results.ok();
    let title = &results.proposals[0].title;
    assert!(
        title.starts_with("Project"),
        "titles in the asked language: {title}"
    );

    // The same ballots as a Pabulib file, counted by the command line.
    let all: Vec<&[usize]> = online.iter().chain(paper.iter()).copied().collect();
    let pb = pabulib_file(&proposals, &costs, &all);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eskisehir.pb");
    std::fs::write(&path, pb).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"))
        .args([
            "tally",
            path.to_str().unwrap(),
            "--rule",
            "equal_shares",
            "--completion",
            "add1_greedy",
            "--tie-break",
            "pabutools",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    // The command line's output is compared whole: it stays JSON.
    let from_cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(
        json!(results.selected),
        from_cli["selected"],
        "the service and the command line agree, in funding order"
    );
    assert_eq!(
        results.tally["trace"], from_cli["trace"],
        "and so does the trace"
    );
    assert_eq!(
        results.tally, from_cli,
        "the stored result is the engine's, byte for byte, whichever database stored the ballots"
    );
    assert!(!results.selected.is_empty());
}

/// A minimal Pabulib file; money in main units (the service counts in minor units with two
/// decimals, so one main unit is the same Add1 step in both).
fn pabulib_file(proposals: &[String], costs: &[i64], ballots: &[&[usize]]) -> String {
    let mut out = String::from("META\nkey;value\ndescription;end-to-end test\ncountry;Türkiye\nunit;Eskişehir\ninstance;2027\n");
    let total: i64 = 1_000_000;
    out += &format!(
        "num_projects;{}\nnum_votes;{}\nbudget;{}\nvote_type;approval\nrule;equal_shares\n",
        proposals.len(),
        ballots.len(),
        total / 100
    );
    out += "min_length;1\nmax_length;3\n";
    let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
    for b in ballots {
        for &p in *b {
            *votes.entry(p).or_default() += 1;
        }
    }
    out += "PROJECTS\nproject_id;cost;votes;name\n";
    for (i, id) in proposals.iter().enumerate() {
        out += &format!(
            "{id};{};{};Project {i}\n",
            costs[i] / 100,
            votes.get(&i).copied().unwrap_or(0)
        );
    }
    out += "VOTES\nvoter_id;vote\n";
    for (v, b) in ballots.iter().enumerate() {
        let ids: Vec<&str> = b.iter().map(|&p| proposals[p].as_str()).collect();
        out += &format!("{};{}\n", v + 1, ids.join(","));
    }
    out
}
