//! Ballots from registration to published result: rules with their error codes, eligibility,
//! replacing, idempotent retries, one ballot per voter under 50 concurrent requests, the close
//! (manual and scheduled), paper batches, receipts, the tally and the results.

use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app, TestApp};
use crate::support::{
    approve, audit_actions, district, move_to, new_budget, new_cycle, open_city, propose, resident,
    vote, voting_budget,
};

fn approvals(ids: &[&String]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"proposal_id": id})).collect())
}

#[tokio::test]
async fn a_budget_runs_from_ballots_to_published_results() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "ankara", "until_close").await;
    let (cycle, budget, p) = voting_budget(
        &app,
        "ankara",
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 100_000, "ballot": {"type": "approval", "max_selections": 2}}),
        &[60_000, 50_000, 30_000],
    )
    .await;
    let alice = resident(&app, "ankara", 1, "1980-01-01", None).await;
    let bob = resident(&app, "ankara", 2, "1990-05-05", None).await;
    let cem = resident(&app, "ankara", 3, "1970-12-31", None).await;

    let first = vote(&app, &budget, &alice, approvals(&[&p[1]])).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["replaced"], false);
    let again = vote(&app, &budget, &alice, approvals(&[&p[0], &p[2]])).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["replaced"], true);
    assert_ne!(again["receipt"], first["receipt"]);
    assert_eq!(
        vote(&app, &budget, &bob, approvals(&[&p[0]]))
            .await
            .status(),
        201
    );
    assert_eq!(
        vote(&app, &budget, &cem, approvals(&[&p[1], &p[2]]))
            .await
            .status(),
        201
    );

    let own: Value = app
        .get(&format!("/api/v1/budgets/{budget}/ballot"), Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["revision"], 2);
    assert_eq!(own["receipt"], again["receipt"]);
    assert_eq!(own["selections"].as_array().unwrap().len(), 2);

    // While voting is open: turnout for staff only, no totals per proposal for anyone.
    let turnout: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/turnout"),
            Some(&official),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(turnout["online"], 3);
    assert_eq!(turnout["total"], 3);
    assert_eq!(
        app.get(&format!("/api/v1/budgets/{budget}/turnout"), Some(&alice))
            .await
            .status(),
        403
    );
    let running = app
        .get(
            &format!("/api/v1/budgets/{budget}/results"),
            Some(&official),
        )
        .await;
    assert_eq!(problem(running).await["code"], "no_results");
    let listed: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&official),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"][0].get("votes").is_none(),
        "proposal lists carry no votes"
    );

    // While voting is open a receipt says only that it was recorded.
    let receipt = |code: &Value| format!("/api/v1/receipts/{}", code.as_str().unwrap());
    let open: Value = app
        .get(&receipt(&first["receipt"]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["status"], "recorded");
    assert_eq!(
        app.post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({})
        )
        .await
        .status(),
        409
    );

    assert_eq!(
        move_to(&app, &cycle, &official, "closed").await.status(),
        200
    );
    let late = vote(&app, &budget, &bob, approvals(&[&p[1]])).await;
    assert_eq!(problem(late).await["code"], "cycle_not_in_voting");
    let replaced: Value = app
        .get(&receipt(&first["receipt"]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replaced["status"], "replaced");
    let counted: Value = app
        .get(&receipt(&again["receipt"]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counted["status"], "counted");
    assert!(
        counted.get("selections").is_none(),
        "a receipt never shows the ballot"
    );
    assert_eq!(
        app.get("/api/v1/receipts/0000-nonsense", None)
            .await
            .status(),
        404
    );

    assert_eq!(
        app.get(
            &format!("/api/v1/budgets/{budget}/results"),
            Some(&official)
        )
        .await
        .status(),
        404
    );
    let tally = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(tally.status(), 200, "{}", tally.text().await.unwrap());
    let publish_needs_nothing_more = move_to(&app, &cycle, &official, "published").await;
    assert_eq!(publish_needs_nothing_more.status(), 200);

    // Greedy by votes: P0 (alice, bob) and P2 (alice, cem) have 2 votes, P1 (cem) 1.
    // P0 (60,000) then P2 (30,000) fit in 100,000; P1 (50,000) no longer does.
    // Publication destroys the cycle's ballot key: no ballot can be linked to its voter.
    let own = app
        .get(&format!("/api/v1/budgets/{budget}/ballot"), Some(&alice))
        .await;
    assert_eq!(problem(own).await["code"], "no_ballot");
    let cycle_id = cycle.clone();
    let key: Option<String> = app
        .db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::cycles;
            cycles::table
                .find(&cycle_id)
                .select(cycles::ballot_key)
                .first(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(key, None);

    let results: Value = app
        .get(&format!("/api/v1/budgets/{budget}/results"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["ballots_counted"], 3);
    let mut selected: Vec<&str> = results["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    selected.sort();
    let mut expected = vec![p[0].as_str(), p[2].as_str()];
    expected.sort();
    assert_eq!(selected, expected);
    assert_eq!(results["total_cost_minor"], 90_000);
    assert_eq!(results["proposals"][2]["proposal_id"], p[1].as_str());
    assert_eq!(results["proposals"][2]["votes"], 1);
    assert_eq!(results["tally"]["rule"], "greedy");
    assert_eq!(audit_actions(&app, "budget.tallied").await, 1);
}

#[tokio::test]
async fn each_broken_rule_has_its_code() {
    let app = spawn_app().await;
    let (admin, official) = open_city(&app, "izmir", "until_close").await;
    let north = district(&app, "izmir", &admin, "North").await;
    let south = district(&app, "izmir", &admin, "South").await;
    let cycle = new_cycle(&app, "izmir", &official).await;
    let knapsack = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "North"}, "amount_minor": 1_000,
        "district_id": north, "ballot": {"type": "knapsack", "max_selections": 2}}),
    )
    .await;
    let knapsack = knapsack["id"].as_str().unwrap().to_string();
    let points = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "Points"}, "amount_minor": 1_000,
        "ballot": {"type": "cumulative", "max_points": 5, "max_points_per_proposal": 3}}),
    )
    .await;
    let points = points["id"].as_str().unwrap().to_string();
    let ranked = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "Ranked"}, "amount_minor": 1_000,
        "ballot": {"type": "ranked", "max_selections": 2}}),
    )
    .await;
    let ranked = ranked["id"].as_str().unwrap().to_string();
    move_to(&app, &cycle, &official, "submission").await;
    let mut ids = std::collections::HashMap::new();
    for (budget, name, cost) in [
        (&knapsack, "k1", 600),
        (&knapsack, "k2", 500),
        (&knapsack, "k3", 100),
        (&points, "c1", 10),
        (&points, "c2", 10),
        (&ranked, "r1", 10),
        (&ranked, "r2", 10),
        (&ranked, "r3", 10),
    ] {
        let id = propose(&app, budget, &official, name, cost, "x").await;
        approve(&app, &id, &official).await;
        ids.insert(name, id);
    }
    let voter = resident(&app, "izmir", 11, "1985-03-03", Some(&north)).await;
    let early = vote(
        &app,
        &points,
        &voter,
        json!([{"proposal_id": ids["c1"], "points": 1}]),
    )
    .await;
    assert_eq!(problem(early).await["code"], "cycle_not_in_voting");
    move_to(&app, &cycle, &official, "review").await;
    assert_eq!(
        move_to(&app, &cycle, &official, "voting").await.status(),
        200
    );

    let cases = [
        (
            &knapsack,
            json!([{"proposal_id": ids["k1"]}, {"proposal_id": ids["k2"]}]),
            "over_budget",
        ),
        (
            &knapsack,
            json!([{"proposal_id": ids["k1"]}, {"proposal_id": ids["k3"]}, {"proposal_id": ids["k2"]}]),
            "too_many_selections",
        ),
        (
            &knapsack,
            json!([{"proposal_id": ids["k3"]}, {"proposal_id": ids["k3"]}]),
            "duplicate_selection",
        ),
        (
            &knapsack,
            json!([{"proposal_id": ids["c1"]}]),
            "proposal_not_on_ballot",
        ),
        (
            &knapsack,
            json!([{"proposal_id": ids["k3"], "points": 2}]),
            "invalid_selection",
        ),
        (
            &points,
            json!([{"proposal_id": ids["c1"], "points": 4}]),
            "points_exceeded",
        ),
        (
            &points,
            json!([{"proposal_id": ids["c1"], "points": 3}, {"proposal_id": ids["c2"], "points": 3}]),
            "points_total_exceeded",
        ),
        (
            &points,
            json!([{"proposal_id": ids["c1"], "points": 0}]),
            "invalid_points",
        ),
        (
            &ranked,
            json!([{"proposal_id": ids["r1"], "rank": 1}, {"proposal_id": ids["r2"], "rank": 3}]),
            "invalid_ranks",
        ),
        (
            &ranked,
            json!([{"proposal_id": ids["r1"]}, {"proposal_id": ids["r2"]}, {"proposal_id": ids["r3"]}]),
            "too_many_selections",
        ),
    ];
    for (budget, selections, code) in cases {
        let response = vote(&app, budget, &voter, selections.clone()).await;
        assert_eq!(response.status(), 422, "{selections}");
        assert_eq!(problem(response).await["code"], code, "{selections}");
    }
    // Nothing was stored by the refused ballots.
    assert_eq!(
        app.get(&format!("/api/v1/budgets/{knapsack}/ballot"), Some(&voter))
            .await
            .status(),
        404
    );
    assert_eq!(
        vote(
            &app,
            &knapsack,
            &voter,
            json!([{"proposal_id": ids["k1"]}, {"proposal_id": ids["k3"]}])
        )
        .await
        .status(),
        201
    );
    let ranked_ok = vote(
        &app,
        &ranked,
        &voter,
        json!([{"proposal_id": ids["r2"], "rank": 2}, {"proposal_id": ids["r1"], "rank": 1}]),
    )
    .await;
    assert_eq!(ranked_ok.status(), 201);
    let own: Value = app
        .get(&format!("/api/v1/budgets/{ranked}/ballot"), Some(&voter))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        own["selections"][0]["proposal_id"],
        ids["r1"].as_str(),
        "stored in rank order"
    );

    // Eligibility: the district, the age on today's date, and staff.
    let southerner = resident(&app, "izmir", 12, "1985-03-03", Some(&south)).await;
    let wrong = vote(
        &app,
        &knapsack,
        &southerner,
        json!([{"proposal_id": ids["k3"]}]),
    )
    .await;
    assert_eq!(wrong.status(), 403);
    assert!(problem(wrong).await["detail"]
        .as_str()
        .unwrap()
        .contains("wrong_district"));
    let today = chrono::Utc::now().date_naive();
    let young = resident(
        &app,
        "izmir",
        13,
        &(today - chrono::Duration::days(17 * 366)).to_string(),
        Some(&north),
    )
    .await;
    let too_young = vote(
        &app,
        &points,
        &young,
        json!([{"proposal_id": ids["c1"], "points": 1}]),
    )
    .await;
    assert_eq!(problem(too_young).await["code"], "not_eligible");
    let staff = vote(
        &app,
        &points,
        &official,
        json!([{"proposal_id": ids["c1"], "points": 1}]),
    )
    .await;
    assert_eq!(problem(staff).await["code"], "not_eligible");
}

#[tokio::test]
async fn a_retried_request_gets_the_first_answer() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "bursa", "until_close").await;
    let (_, budget, p) = voting_budget(
        &app,
        "bursa",
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        &[100, 200],
    )
    .await;
    let voter = resident(&app, "bursa", 21, "1980-01-01", None).await;
    let put = |key: &'static str, selections: Value| {
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/budgets/{budget}/ballot"),
            Some(&voter),
        )
        .header("Idempotency-Key", key)
        .json(&json!({ "selections": selections }))
        .send()
    };
    let first = put("k-1", approvals(&[&p[0]])).await.unwrap();
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let retry = put("k-1", approvals(&[&p[0]])).await.unwrap();
    assert_eq!(
        retry.status(),
        201,
        "the retry answers like the first request"
    );
    assert_eq!(retry.text().await.unwrap(), first);
    let own: Value = app
        .get(&format!("/api/v1/budgets/{budget}/ballot"), Some(&voter))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["revision"], 1, "the retry did not vote again");
    let misuse = put("k-1", approvals(&[&p[1]])).await.unwrap();
    assert_eq!(problem(misuse).await["code"], "idempotency_key_reused");
}

/// The ballot checks the session inside its own transaction, in the same query as the budget,
/// not through the `Caller` extractor: a logged-out token is refused there too, nothing is
/// stored, and an unknown budget answers 401 to a dead session (before anything about the
/// budget) and 404 to a live one.
#[tokio::test]
async fn a_ballot_with_a_revoked_session_is_refused() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "konya", "until_close").await;
    let (_, budget, p) = voting_budget(
        &app,
        "konya",
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        &[100, 200],
    )
    .await;
    let voter = resident(&app, "konya", 31, "1980-01-01", None).await;
    let live = resident(&app, "konya", 32, "1980-01-01", None).await;
    let nowhere = uuid::Uuid::new_v4().to_string();
    let unknown = vote(&app, &nowhere, &live, approvals(&[&p[0]])).await;
    assert_eq!(unknown.status(), 404);
    let logout = app
        .request(reqwest::Method::POST, "/api/v1/auth/logout", Some(&voter))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let refused = vote(&app, &budget, &voter, approvals(&[&p[0]])).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(problem(refused).await["code"], "session_revoked");
    assert_eq!(counted_rows(&app, &budget).await, (0, 0));
    let unknown = vote(&app, &nowhere, &voter, approvals(&[&p[0]])).await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(problem(unknown).await["code"], "session_revoked");
}

async fn counted_rows(app: &TestApp, budget: &str) -> (i64, i64) {
    let budget = budget.to_string();
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::{ballots, receipts};
            let ballots = ballots::table
                .filter(ballots::budget_id.eq(&budget))
                .count()
                .get_result::<i64>(conn)?;
            let current = receipts::table
                .filter(receipts::budget_id.eq(&budget))
                .filter(receipts::superseded_at.is_null())
                .count()
                .get_result::<i64>(conn)?;
            Ok::<_, kurultai::db::DbError>((ballots, current))
        })
        .await
        .unwrap()
}

async fn fifty_at_once(revote: &str) -> Vec<u16> {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "konya", revote).await;
    let (_, budget, p) = voting_budget(
        &app,
        "konya",
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        &[100, 200],
    )
    .await;
    let voter = resident(&app, "konya", 31, "1980-01-01", None).await;
    let requests = (0..50).map(|i| {
        let choice = if i % 2 == 0 { &p[0] } else { &p[1] };
        vote(&app, &budget, &voter, approvals(&[choice]))
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort_unstable();
    let (ballots, current_receipts) = counted_rows(&app, &budget).await;
    assert_eq!(ballots, 1, "one ballot per voter per budget");
    assert_eq!(current_receipts, 1, "one receipt is the counted one");
    statuses
}

#[tokio::test]
async fn fifty_concurrent_ballots_of_one_voter_leave_one_when_final() {
    let statuses = fifty_at_once("final").await;
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        49,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn fifty_concurrent_ballots_of_one_voter_leave_one_when_replaceable() {
    let statuses = fifty_at_once("until_close").await;
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        49,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn no_ballot_is_taken_after_the_scheduled_close() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "mersin", "until_close").await;
    let cycle = new_cycle(&app, "mersin", &official).await;
    let close = chrono::Utc::now() + chrono::Duration::seconds(4);
    let set = app
        .patch(&format!("/api/v1/cycles/{cycle}"), Some(&official),
            &json!({"voting_closes_at": close.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)}))
        .await;
    assert_eq!(set.status(), 200);
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap().to_string();
    move_to(&app, &cycle, &official, "submission").await;
    let p = propose(&app, &budget, &official, "P", 100, "x").await;
    approve(&app, &p, &official).await;
    move_to(&app, &cycle, &official, "review").await;
    assert_eq!(
        move_to(&app, &cycle, &official, "voting").await.status(),
        200
    );
    let voter = resident(&app, "mersin", 41, "1980-01-01", None).await;
    assert_eq!(
        vote(&app, &budget, &voter, approvals(&[&p])).await.status(),
        201
    );

    let wait = (close - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(50)).await;
    let late = vote(&app, &budget, &voter, approvals(&[&p])).await;
    assert_eq!(late.status(), 409);
    assert_eq!(problem(late).await["code"], "cycle_not_in_voting");
    let view: Value = app
        .get(&format!("/api/v1/cycles/{cycle}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status"], "closed", "readers see the close at once");

    // The scheduler writes the close down with the system as actor.
    let mut recorded = 0;
    for _ in 0..40 {
        recorded = audit_actions(&app, "cycle.transition").await;
        if recorded == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        recorded, 4,
        "submission, review, voting, and the scheduled close"
    );
    let tally = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(tally.status(), 200);
}

#[tokio::test]
async fn paper_batches_are_all_or_nothing_and_counted() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "samsun", "until_close").await;
    let (cycle, budget, p) = voting_budget(&app, "samsun", &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000, "ballot": {"type": "approval", "max_selections": 1}}),
        &[600, 500]).await;
    let batch = |ballots: Value| json!({"polling_station": "School 7", "ballots": ballots});
    let bad = app
        .post(&format!("/api/v1/budgets/{budget}/paper-ballots"), Some(&official),
            &batch(json!([{"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[0]}, {"proposal_id": p[1]}]}])))
        .await;
    assert_eq!(bad.status(), 422);
    let body = problem(bad).await;
    assert_eq!(body["errors"][0]["field"], "ballots[1]");
    assert_eq!(body["errors"][0]["code"], "too_many_selections");

    move_to(&app, &cycle, &official, "closed").await;
    let good = app
        .post(&format!("/api/v1/budgets/{budget}/paper-ballots"), Some(&official),
            &batch(json!([{"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[0]}]}])))
        .await;
    assert_eq!(good.status(), 201, "after the close, before the count");
    assert_eq!(good.json::<Value>().await.unwrap()["accepted"], 3);
    let tally = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(
        tally.json::<Value>().await.unwrap()["ballots_counted"],
        3,
        "the refused batch left nothing behind"
    );
    let results: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/results"),
            Some(&official),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["selected"], json!([p[1]]));
    assert_eq!(audit_actions(&app, "paper_ballots.entered").await, 1);
}

#[tokio::test]
async fn a_deleted_account_leaves_its_ballot_counted_and_cannot_vote_again() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "adana", "until_close").await;
    let (cycle, budget, p) = voting_budget(&app, "adana", &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000, "ballot": {"type": "approval", "max_selections": 1}}),
        &[600, 500]).await;
    let voter = resident(&app, "adana", 51, "1980-01-01", None).await;
    let cast: Value = vote(&app, &budget, &voter, approvals(&[&p[1]]))
        .await
        .json()
        .await
        .unwrap();
    let deleted = app
        .request(reqwest::Method::DELETE, "/api/v1/me", Some(&voter))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(
        app.get(&format!("/api/v1/budgets/{budget}/ballot"), Some(&voter))
            .await
            .status(),
        401
    );

    // The same person registers again: their ballot is still theirs, replaced, not doubled.
    let again = resident(&app, "adana", 51, "1980-01-01", None).await;
    let second = vote(&app, &budget, &again, approvals(&[&p[0]])).await;
    assert_eq!(
        second.status(),
        200,
        "the person's earlier ballot is replaced"
    );
    assert_eq!(counted_rows(&app, &budget).await, (1, 1));

    move_to(&app, &cycle, &official, "closed").await;
    let first: Value = app
        .get(
            &format!("/api/v1/receipts/{}", cast["receipt"].as_str().unwrap()),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "replaced");
    let tally: Value = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tally["ballots_counted"], 1);
}

#[tokio::test]
async fn a_deleted_accounts_ballot_stays_in_the_count() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "antalya", "until_close").await;
    let (cycle, budget, p) = voting_budget(
        &app,
        "antalya",
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        &[600],
    )
    .await;
    let voter = resident(&app, "antalya", 61, "1980-01-01", None).await;
    assert_eq!(
        vote(&app, &budget, &voter, approvals(&[&p[0]]))
            .await
            .status(),
        201
    );
    let deleted = app
        .request(reqwest::Method::DELETE, "/api/v1/me", Some(&voter))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    move_to(&app, &cycle, &official, "closed").await;
    let tally: Value = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tally["ballots_counted"], 1,
        "deleting the account kept the ballot"
    );
}

#[tokio::test]
async fn residents_propose_during_submission_up_to_the_limit() {
    let app = spawn_app().await;
    let (admin, official) = open_city(&app, "sivas", "until_close").await;
    let limit = app
        .patch(
            "/api/v1/municipalities/sivas/settings",
            Some(&admin),
            &json!({"max_proposals_per_resident": 2}),
        )
        .await;
    assert_eq!(limit.status(), 200);
    let cycle = new_cycle(&app, "sivas", &official).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap().to_string();
    let author = resident(&app, "sivas", 71, "1980-01-01", None).await;
    let body =
        |t: &str| json!({"titles": {"en": t}, "descriptions": {"en": "d"}, "cost_minor": 100});
    let early = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&author),
            &body("early"),
        )
        .await;
    assert_eq!(
        early.status(),
        404,
        "a draft cycle does not exist for residents"
    );
    move_to(&app, &cycle, &official, "submission").await;
    let first = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&author),
            &body("one"),
        )
        .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["mine"], true);
    let id = first["id"].as_str().unwrap();
    let edit = app
        .patch(
            &format!("/api/v1/proposals/{id}"),
            Some(&author),
            &json!({"cost_minor": 150}),
        )
        .await;
    assert_eq!(edit.status(), 200);
    let second = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&author),
            &body("two"),
        )
        .await;
    let second: Value = second.json().await.unwrap();
    let withdrawn = app
        .post(
            &format!(
                "/api/v1/proposals/{}/withdraw",
                second["id"].as_str().unwrap()
            ),
            Some(&author),
            &json!({}),
        )
        .await;
    assert_eq!(
        withdrawn.json::<Value>().await.unwrap()["status"],
        "withdrawn"
    );
    let third = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&author),
            &body("three"),
        )
        .await;
    assert_eq!(
        problem(third).await["code"],
        "proposal_limit_reached",
        "withdrawing does not give a slot back"
    );

    let other = resident(&app, "sivas", 72, "1980-01-01", None).await;
    let foreign = app
        .patch(
            &format!("/api/v1/proposals/{id}"),
            Some(&other),
            &json!({"cost_minor": 1}),
        )
        .await;
    assert_eq!(
        foreign.status(),
        404,
        "someone else's submitted proposal is not visible"
    );
    move_to(&app, &cycle, &official, "review").await;
    let late = app
        .patch(
            &format!("/api/v1/proposals/{id}"),
            Some(&author),
            &json!({"cost_minor": 120}),
        )
        .await;
    assert_eq!(problem(late).await["code"], "cycle_not_accepting_proposals");
}

/// Issue 15, finding 1: a cumulative ballot whose points wrapped an i64 sum to the allowed
/// total was accepted (201) and decided the count. Every such ballot is now a 422, on its
/// true total; the honest ballot next to it still counts.
#[tokio::test]
async fn points_that_would_wrap_the_total_are_refused() {
    let app = spawn_app().await;
    let (_, official) = open_city(&app, "izmir", "until_close").await;
    let (_, budget, p) = voting_budget(
        &app,
        "izmir",
        &official,
        json!({"names": {"en": "Points"}, "amount_minor": 1_000,
               "ballot": {"type": "cumulative", "max_points": 10}}),
        &[100, 100, 100],
    )
    .await;
    let attacker = resident(&app, "izmir", 15, "1985-03-03", None).await;
    let max = i64::MAX;
    for (points, code) in [
        ([max, max, 12], "points_total_exceeded"),
        ([max, 1, 0], "invalid_points"),
        ([max, max, max], "points_total_exceeded"),
        ([i64::MIN, 5, 5], "invalid_points"),
    ] {
        let selections: Vec<Value> = p
            .iter()
            .zip(points)
            .map(|(id, pts)| json!({"proposal_id": id, "points": pts}))
            .collect();
        let response = vote(&app, &budget, &attacker, Value::Array(selections)).await;
        assert_eq!(response.status(), 422, "{points:?}");
        assert_eq!(problem(response).await["code"], code, "{points:?}");
    }
    // Points beyond i64 are not a number the API takes: a 4xx problem, never a 500.
    let response = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/budgets/{budget}/ballot"),
            Some(&attacker),
            &json!({"selections": [{"proposal_id": p[0], "points": 9223372036854775808u64}]}),
        )
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let honest = vote(
        &app,
        &budget,
        &attacker,
        json!([{"proposal_id": p[0], "points": 10}]),
    )
    .await;
    assert_eq!(honest.status(), 201);
}
