//! Ballots from registration to published result: rules with their error codes, eligibility,
//! replacing, idempotent retries, one ballot per voter under 50 concurrent requests, the close
//! (manual and scheduled), paper batches, receipts, the tally and the results.

use serde_json::{json, Value};

use crate::helpers::{on_postgres, spawn_app, TestApp};
use crate::support::{
    approvals, audit_actions, BudgetBuilder, CastReply, City, Cycle, MunicipalityBuilder,
    OwnBallot, PaperReply, Proposal, ProposalBuilder, ReceiptStatus, ResidentBuilder, Results,
    Role, Session, TallyReply, Turnout, Voting,
};

/// A Turkish city with open registration under `revote`, and its official.
async fn open_city(app: &TestApp, slug: &str, revote: &str) -> (City, Session) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration(revote))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city, official)
}

/// "All", 1,000 in minor units, the default ballot.
fn small_budget() -> Value {
    json!({"names": {"en": "All"}, "amount_minor": 1_000})
}

#[tokio::test]
async fn a_budget_runs_from_ballots_to_published_results() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "ankara", "until_close").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(2),
            &[60_000, 50_000, 30_000],
        )
        .await;
    let (cycle, budget, p) = (&voting.cycle, &voting.budget, &voting.proposals);
    let alice = app
        .register_resident(&city, ResidentBuilder::adult(1).born("1980-01-01"))
        .await;
    let bob = app
        .register_resident(&city, ResidentBuilder::adult(2).born("1990-05-05"))
        .await;
    let cem = app
        .register_resident(&city, ResidentBuilder::adult(3).born("1970-12-31"))
        .await;
    let anyone = app.anonymous();

    let first = alice.cast(budget, approvals(&[&p[1]])).await;
    assert_eq!(first.status, 201);
    let first: CastReply = first.created();
    assert!(!first.replaced);
    let again = alice.cast(budget, approvals(&[&p[0], &p[2]])).await;
    assert_eq!(again.status, 200);
    let again: CastReply = again.ok();
    assert!(again.replaced);
    assert_ne!(again.receipt, first.receipt);
    assert_eq!(bob.cast(budget, approvals(&[&p[0]])).await.status, 201);
    assert_eq!(
        cem.cast(budget, approvals(&[&p[1], &p[2]])).await.status,
        201
    );

    let ballot = format!("/api/v1/budgets/{}/ballot", budget.id);
    let own: OwnBallot = alice.get(&ballot).await.ok();
    assert_eq!(own.revision, 2);
    assert_eq!(own.receipt, again.receipt);
    assert_eq!(own.selections.len(), 2);

    // While voting is open: turnout for staff only, no totals per proposal for anyone.
    let turnout_path = format!("/api/v1/budgets/{}/turnout", budget.id);
    let turnout: Turnout = official.get(&turnout_path).await.ok();
    assert_eq!(turnout.online, 3);
    assert_eq!(turnout.total, 3);
    assert_eq!(alice.get(&turnout_path).await.status, 403);
    let results_path = format!("/api/v1/budgets/{}/results", budget.id);
    let running = official.get(&results_path).await;
    assert_eq!(running.problem().code, "no_results");
    // The member's absence is under test: the list stays JSON.
    let listed: Value = official
        .get(&format!("/api/v1/budgets/{}/proposals", budget.id))
        .await
        .ok();
    assert!(
        listed["items"][0].get("votes").is_none(),
        "proposal lists carry no votes"
    );

    // While voting is open a receipt says only that it was recorded.
    let open: ReceiptStatus = anyone.receipt(&first.receipt).await.ok();
    assert_eq!(open.status, "recorded");
    assert_eq!(official.count(budget).await.status, 409);

    assert_eq!(official.move_cycle(cycle, "closed").await.status, 200);
    let late = bob.cast(budget, approvals(&[&p[1]])).await;
    assert_eq!(late.problem().code, "cycle_not_in_voting");
    let replaced: ReceiptStatus = anyone.receipt(&first.receipt).await.ok();
    assert_eq!(replaced.status, "replaced");
    let counted: Value = anyone.receipt(&again.receipt).await.ok();
    assert_eq!(counted["status"], "counted");
    assert!(
        counted.get("selections").is_none(),
        "a receipt never shows the ballot"
    );
    assert_eq!(anyone.receipt("0000-nonsense").await.status, 404);

    assert_eq!(official.get(&results_path).await.status, 404);
    official.tally(budget).await;
    let publish_needs_nothing_more = official.move_cycle(cycle, "published").await;
    assert_eq!(publish_needs_nothing_more.status, 200);

    // Greedy by votes: P0 (alice, bob) and P2 (alice, cem) have 2 votes, P1 (cem) 1.
    // P0 (60,000) then P2 (30,000) fit in 100,000; P1 (50,000) no longer does.
    // Publication destroys the cycle's ballot key: no ballot can be linked to its voter.
    let own = alice.get(&ballot).await;
    assert_eq!(own.problem().code, "no_ballot");
    let cycle_id = cycle.id.clone();
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

    let results: Results = anyone.get(&results_path).await.ok();
    assert_eq!(results.ballots_counted, 3);
    let mut selected = results.selected.clone();
    selected.sort();
    let mut expected = vec![p[0].id.clone(), p[2].id.clone()];
    expected.sort();
    assert_eq!(selected, expected);
    assert_eq!(results.total_cost_minor, 90_000);
    assert_eq!(results.proposals[2].proposal_id, p[1].id);
    assert_eq!(results.proposals[2].votes, 1);
    assert_eq!(results.tally["rule"], "greedy");
    assert_eq!(audit_actions(&app, "budget.tallied").await, 1);
}

#[tokio::test]
async fn each_broken_rule_has_its_code() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "izmir", "until_close").await;
    let north = city.admin.add_district(&city, "North").await;
    let south = city.admin.add_district(&city, "South").await;
    let cycle = official.create_cycle(&city).await;
    let knapsack = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "North"}, "amount_minor": 1_000,
            "district_id": north.id, "ballot": {"type": "knapsack", "max_selections": 2}}),
        )
        .await;
    let points = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Points"}, "amount_minor": 1_000,
            "ballot": {"type": "cumulative", "max_points": 5, "max_points_per_proposal": 3}}),
        )
        .await;
    let ranked = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Ranked"}, "amount_minor": 1_000,
            "ballot": {"type": "ranked", "max_selections": 2}}),
        )
        .await;
    official.move_cycle(&cycle, "submission").await;
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
        let proposal = official
            .propose(budget, ProposalBuilder::new(name).cost(cost))
            .await;
        official.approve(&proposal).await;
        ids.insert(name, proposal.id);
    }
    let voter = app
        .register_resident(
            &city,
            ResidentBuilder::adult(11)
                .born("1985-03-03")
                .district(&north),
        )
        .await;
    let early = voter
        .cast(&points, json!([{"proposal_id": ids["c1"], "points": 1}]))
        .await;
    assert_eq!(early.problem().code, "cycle_not_in_voting");
    official.move_cycle(&cycle, "review").await;
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

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
        let response = voter.cast(budget, selections.clone()).await;
        assert_eq!(response.status, 422, "{selections}");
        assert_eq!(response.problem().code, code, "{selections}");
    }
    // Nothing was stored by the refused ballots.
    assert_eq!(
        voter
            .get(&format!("/api/v1/budgets/{}/ballot", knapsack.id))
            .await
            .status,
        404
    );
    assert_eq!(
        voter
            .cast(
                &knapsack,
                json!([{"proposal_id": ids["k1"]}, {"proposal_id": ids["k3"]}])
            )
            .await
            .status,
        201
    );
    let ranked_ok = voter
        .cast(
            &ranked,
            json!([{"proposal_id": ids["r2"], "rank": 2}, {"proposal_id": ids["r1"], "rank": 1}]),
        )
        .await;
    assert_eq!(ranked_ok.status, 201);
    let own: OwnBallot = voter
        .get(&format!("/api/v1/budgets/{}/ballot", ranked.id))
        .await
        .ok();
    assert_eq!(
        own.selections[0]["proposal_id"],
        ids["r1"].as_str(),
        "stored in rank order"
    );

    // Eligibility: the district, the age on today's date, and staff.
    let southerner = app
        .register_resident(
            &city,
            ResidentBuilder::adult(12)
                .born("1985-03-03")
                .district(&south),
        )
        .await;
    let wrong = southerner
        .cast(&knapsack, json!([{"proposal_id": ids["k3"]}]))
        .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.problem().detail().contains("wrong_district"));
    let today = chrono::Utc::now().date_naive();
    let seventeen = (today - chrono::Duration::days(17 * 366)).to_string();
    let young = app
        .register_resident(
            &city,
            ResidentBuilder::adult(13).born(&seventeen).district(&north),
        )
        .await;
    let too_young = young
        .cast(&points, json!([{"proposal_id": ids["c1"], "points": 1}]))
        .await;
    assert_eq!(too_young.problem().code, "not_eligible");
    let staff = official
        .cast(&points, json!([{"proposal_id": ids["c1"], "points": 1}]))
        .await;
    assert_eq!(staff.problem().code, "not_eligible");
}

#[tokio::test]
async fn a_retried_request_gets_the_first_answer() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "bursa", "until_close").await;
    let voting = app
        .open_voting(&city, &official, small_budget(), &[100, 200])
        .await;
    let p = &voting.proposals;
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(21))
        .await;
    let ballot = format!("/api/v1/budgets/{}/ballot", voting.budget.id);
    // The header is what is under test: these requests are built by hand.
    let put = |key: &'static str, selections: Value| {
        voter.exchange(
            voter
                .request(reqwest::Method::PUT, &ballot)
                .header("Idempotency-Key", key)
                .json(&json!({ "selections": selections })),
        )
    };
    let first = put("k-1", approvals(&[&p[0]])).await;
    assert_eq!(first.status, 201);
    let retry = put("k-1", approvals(&[&p[0]])).await;
    assert_eq!(
        retry.status, 201,
        "the retry answers like the first request"
    );
    assert_eq!(retry.text(), first.text());
    let own: OwnBallot = voter.get(&ballot).await.ok();
    assert_eq!(own.revision, 1, "the retry did not vote again");
    let misuse = put("k-1", approvals(&[&p[1]])).await;
    assert_eq!(misuse.problem().code, "idempotency_key_reused");
}

/// Retries of one request that race each other (a proxy resending a `PUT` whose instance
/// died, on top of the client's own retry) all get the first answer, and the ballot is
/// replaced once. On PostgreSQL a second connection holds `receipts` locked, so every retry
/// has looked for a stored reply and found none before the first one commits; a retry that
/// then waits on the first one's ballot row must not replace the ballot a second time, nor
/// overwrite the stored reply. (On SQLite the write lock serialises them from the start.)
#[tokio::test]
async fn concurrent_retries_of_one_replacement_record_it_once() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "samsun", "until_close").await;
    let voting = app
        .open_voting(&city, &official, small_budget(), &[100, 200])
        .await;
    let p = &voting.proposals;
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(22))
        .await;
    assert_eq!(
        voter.cast(&voting.budget, approvals(&[&p[0]])).await.status,
        201
    );
    let ballot = format!("/api/v1/budgets/{}/ballot", voting.budget.id);
    let stall = on_postgres().then(|| hold_receipts(&app.database_url));
    let retries = (0..8).map(|_| {
        voter.exchange(
            voter
                .request(reqwest::Method::PUT, &ballot)
                .header("Idempotency-Key", "replace-1")
                .json(&json!({ "selections": approvals(&[&p[1]]) })),
        )
    });
    let answers = futures_util::future::join_all(retries).await;
    if let Some(stall) = stall {
        stall.join().unwrap();
    }
    let first = &answers[0];
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(
            answer.text(),
            first.text(),
            "every retry gets the first answer"
        );
    }
    let own: OwnBallot = voter.get(&ballot).await.ok();
    assert_eq!(own.revision, 2, "the replacement was recorded once");
    assert_eq!(counted_rows(&app, &voting.budget.id).await, (1, 1));
}

/// Holds `receipts` locked from a second PostgreSQL connection for a second, so that ballots
/// sent meanwhile pile up inside their transactions.
fn hold_receipts(url: &str) -> std::thread::JoinHandle<()> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let url = url.to_string();
    let (held, is_held) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.batch_execute("BEGIN; LOCK TABLE receipts IN EXCLUSIVE MODE;")
            .unwrap();
        held.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_secs(1));
        conn.batch_execute("ROLLBACK").unwrap();
    });
    is_held.recv().unwrap();
    holder
}

/// The ballot checks the session inside its own transaction, in the same query as the budget,
/// not through the `Caller` extractor: a logged-out token is refused there too, nothing is
/// stored, and an unknown budget answers 401 to a dead session (before anything about the
/// budget) and 404 to a live one.
#[tokio::test]
async fn a_ballot_with_a_revoked_session_is_refused() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "konya", "until_close").await;
    let voting = app
        .open_voting(&city, &official, small_budget(), &[100, 200])
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(31))
        .await;
    let live = app
        .register_resident(&city, ResidentBuilder::adult(32))
        .await;
    let nowhere = uuid::Uuid::new_v4().to_string();
    let unknown = live.cast(&nowhere, approvals(&[&p[0]])).await;
    assert_eq!(unknown.status, 404);
    let logout = voter.logout().await;
    assert_eq!(logout.status, 204);
    let refused = voter.cast(budget, approvals(&[&p[0]])).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.problem().code, "session_revoked");
    assert_eq!(counted_rows(&app, &budget.id).await, (0, 0));
    let unknown = voter.cast(&nowhere, approvals(&[&p[0]])).await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.problem().code, "session_revoked");
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
    let (city, official) = open_city(&app, "konya", revote).await;
    let voting = app
        .open_voting(&city, &official, small_budget(), &[100, 200])
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(31))
        .await;
    let requests = (0..50).map(|i| {
        let choice = if i % 2 == 0 { &p[0] } else { &p[1] };
        voter.cast(budget, approvals(&[choice]))
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status.as_u16())
        .collect();
    statuses.sort_unstable();
    let (ballots, current_receipts) = counted_rows(&app, &budget.id).await;
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
    let (city, official) = open_city(&app, "mersin", "until_close").await;
    let close = chrono::Utc::now() + chrono::Duration::seconds(4);
    let Voting {
        cycle,
        budget,
        proposals,
    } = app
        .open_voting_closing_at(&city, &official, small_budget(), &[100], close)
        .await;
    let p = &proposals[0];
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(41))
        .await;
    assert_eq!(voter.cast(&budget, approvals(&[p])).await.status, 201);

    let wait = (close - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(50)).await;
    let late = voter.cast(&budget, approvals(&[p])).await;
    assert_eq!(late.status, 409);
    assert_eq!(late.problem().code, "cycle_not_in_voting");
    let view: Cycle = app
        .anonymous()
        .get(&format!("/api/v1/cycles/{}", cycle.id))
        .await
        .ok();
    assert_eq!(view.status, "closed", "readers see the close at once");

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
    assert_eq!(official.count(&budget).await.status, 200);
}

#[tokio::test]
async fn paper_batches_are_all_or_nothing_and_counted() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "samsun", "until_close").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(1).amount(1_000),
            &[600, 500],
        )
        .await;
    let (budget, p) = (&voting.budget, voting.proposal_ids());
    let paper = format!("/api/v1/budgets/{}/paper-ballots", budget.id);
    let batch = |ballots: Value| json!({"polling_station": "School 7", "ballots": ballots});
    let bad = official
        .post(&paper,
            &batch(json!([{"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[0]}, {"proposal_id": p[1]}]}])))
        .await;
    assert_eq!(bad.status, 422);
    let body = bad.problem();
    assert_eq!(body.errors()[0].field, "ballots[1]");
    assert_eq!(body.errors()[0].code, "too_many_selections");

    official.move_cycle(&voting.cycle, "closed").await;
    let good = official
        .post(&paper,
            &batch(json!([{"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[1]}]}, {"selections": [{"proposal_id": p[0]}]}])))
        .await;
    assert_eq!(good.status, 201, "after the close, before the count");
    assert_eq!(good.created::<PaperReply>().accepted, 3);
    let tally: TallyReply = official.count(budget).await.json_as();
    assert_eq!(
        tally.ballots_counted, 3,
        "the refused batch left nothing behind"
    );
    let results: Results = official
        .get(&format!("/api/v1/budgets/{}/results", budget.id))
        .await
        .ok();
    assert_eq!(results.selected, [p[1].clone()]);
    assert_eq!(audit_actions(&app, "paper_ballots.entered").await, 1);
}

#[tokio::test]
async fn a_deleted_account_leaves_its_ballot_counted_and_cannot_vote_again() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "adana", "until_close").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(1).amount(1_000),
            &[600, 500],
        )
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(51))
        .await;
    let cast: CastReply = voter.cast(budget, approvals(&[&p[1]])).await.json_as();
    let deleted = voter.delete_account().await;
    assert!(deleted.status.is_success(), "{}", deleted.status);
    assert_eq!(
        voter
            .get(&format!("/api/v1/budgets/{}/ballot", budget.id))
            .await
            .status,
        401
    );

    // The same person registers again: their ballot is still theirs, replaced, not doubled.
    let again = app
        .register_resident(&city, ResidentBuilder::adult(51))
        .await;
    let second = again.cast(budget, approvals(&[&p[0]])).await;
    assert_eq!(
        second.status, 200,
        "the person's earlier ballot is replaced"
    );
    assert_eq!(counted_rows(&app, &budget.id).await, (1, 1));

    official.move_cycle(&voting.cycle, "closed").await;
    let first: ReceiptStatus = app.anonymous().receipt(&cast.receipt).await.json_as();
    assert_eq!(first.status, "replaced");
    let tally: TallyReply = official.count(budget).await.json_as();
    assert_eq!(tally.ballots_counted, 1);
}

#[tokio::test]
async fn a_deleted_accounts_ballot_stays_in_the_count() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "antalya", "until_close").await;
    let voting = app
        .open_voting(&city, &official, small_budget(), &[600])
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(61))
        .await;
    assert_eq!(voter.cast(budget, approvals(&[&p[0]])).await.status, 201);
    let deleted = voter.delete_account().await;
    assert!(deleted.status.is_success());
    official.move_cycle(&voting.cycle, "closed").await;
    let tally: TallyReply = official.count(budget).await.json_as();
    assert_eq!(
        tally.ballots_counted, 1,
        "deleting the account kept the ballot"
    );
}

#[tokio::test]
async fn residents_propose_during_submission_up_to_the_limit() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "sivas", "until_close").await;
    let limit = city
        .admin
        .patch(
            "/api/v1/municipalities/sivas/settings",
            &json!({"max_proposals_per_resident": 2}),
        )
        .await;
    assert_eq!(limit.status, 200);
    let cycle = official.create_cycle(&city).await;
    let budget = official.create_budget(&cycle, small_budget()).await;
    let proposals = format!("/api/v1/budgets/{}/proposals", budget.id);
    let author = app
        .register_resident(&city, ResidentBuilder::adult(71))
        .await;
    let body =
        |t: &str| json!({"titles": {"en": t}, "descriptions": {"en": "d"}, "cost_minor": 100});
    let early = author.post(&proposals, &body("early")).await;
    assert_eq!(
        early.status, 404,
        "a draft cycle does not exist for residents"
    );
    official.move_cycle(&cycle, "submission").await;
    let first = author.post(&proposals, &body("one")).await;
    assert_eq!(first.status, 201);
    let first: Proposal = first.created();
    assert!(first.mine);
    let own = format!("/api/v1/proposals/{}", first.id);
    let edit = author.patch(&own, &json!({"cost_minor": 150})).await;
    assert_eq!(edit.status, 200);
    let second: Proposal = author.post(&proposals, &body("two")).await.json_as();
    let withdrawn: Proposal = author
        .post(
            &format!("/api/v1/proposals/{}/withdraw", second.id),
            &json!({}),
        )
        .await
        .json_as();
    assert_eq!(withdrawn.status, "withdrawn");
    let third = author.post(&proposals, &body("three")).await;
    assert_eq!(
        third.problem().code,
        "proposal_limit_reached",
        "withdrawing does not give a slot back"
    );

    let other = app
        .register_resident(&city, ResidentBuilder::adult(72))
        .await;
    let foreign = other.patch(&own, &json!({"cost_minor": 1})).await;
    assert_eq!(
        foreign.status, 404,
        "someone else's submitted proposal is not visible"
    );
    official.move_cycle(&cycle, "review").await;
    let late = author.patch(&own, &json!({"cost_minor": 120})).await;
    assert_eq!(late.problem().code, "cycle_not_accepting_proposals");
}

/// Issue 15, finding 1: a cumulative ballot whose points wrapped an i64 sum to the allowed
/// total was accepted (201) and decided the count. Every such ballot is now a 422, on its
/// true total; the honest ballot next to it still counts.
#[tokio::test]
async fn points_that_would_wrap_the_total_are_refused() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "izmir", "until_close").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::with_ballot(json!({"type": "cumulative", "max_points": 10}))
                .name("Points")
                .amount(1_000),
            &[100, 100, 100],
        )
        .await;
    let (budget, p) = (&voting.budget, voting.proposal_ids());
    let attacker = app
        .register_resident(&city, ResidentBuilder::adult(15).born("1985-03-03"))
        .await;
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
        let response = attacker.cast(budget, Value::Array(selections)).await;
        assert_eq!(response.status, 422, "{points:?}");
        assert_eq!(response.problem().code, code, "{points:?}");
    }
    // Points beyond i64 are not a number the API takes: a 4xx problem, never a 500.
    let response = attacker
        .cast(
            budget,
            json!([{"proposal_id": p[0], "points": 9223372036854775808u64}]),
        )
        .await;
    assert!(response.status.is_client_error(), "{}", response.status);
    let honest = attacker
        .cast(budget, json!([{"proposal_id": p[0], "points": 10}]))
        .await;
    assert_eq!(honest.status, 201);
}

/// `GET /budgets/{id}/eligibility` as `who` sees it.
async fn standing(who: &Session, budget: &str) -> Value {
    who.get(&format!("/api/v1/budgets/{budget}/eligibility"))
        .await
        .ok()
}

/// The reason a standing gives (null when the caller can vote).
fn reason(standing: &Value) -> &Value {
    &standing["reason"]
}

#[tokio::test]
async fn eligibility_says_before_the_ballot_why_a_resident_may_not_vote() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let city = app
        .create_municipality(
            MunicipalityBuilder::turkish("kadikoy")
                .registration("review")
                .setting("revote_policy", "final"),
        )
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let north = city.admin.add_district(&city, "North").await;
    let south = city.admin.add_district(&city, "South").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(1).district(&north),
            &[100],
        )
        .await;
    let budget = voting.budget.id.as_str();
    let later = official.create_cycle(&city).await;
    let later_budget = official.create_budget(&later, small_budget()).await;
    official.advance(&later, "submission").await;

    // Seventeen since the 1st of this month: eighteen on the 1st of this month next year.
    let today = chrono::Utc::now().date_naive();
    let born = chrono::NaiveDate::from_ymd_opt(today.year() - 17, today.month(), 1).unwrap();
    let of_age = chrono::NaiveDate::from_ymd_opt(today.year() + 1, today.month(), 1).unwrap();
    let young_body = ResidentBuilder::adult(44)
        .born(&born.to_string())
        .district(&north);
    let registered: Value = app
        .anonymous()
        .post(
            "/api/v1/municipalities/kadikoy/residents",
            &young_body.body("kadikoy"),
        )
        .await
        .json();
    assert_eq!(registered["votes_from"], json!(of_age.to_string()));
    let young = app
        .logged_in(
            Some("kadikoy"),
            &young_body.email("kadikoy"),
            crate::helpers::PASSWORD,
        )
        .await;
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(41).district(&north))
        .await;
    let southerner = app
        .register_resident(&city, ResidentBuilder::adult(42).district(&south))
        .await;
    let waiting = app
        .register_resident(&city, ResidentBuilder::adult(43).district(&north))
        .await;
    for who in [&voter.session, &southerner.session, &young] {
        let id = who.get("/api/v1/me/profile").await.json()["id"].clone();
        official
            .post(
                &format!(
                    "/api/v1/municipalities/kadikoy/residents/{}/verify",
                    id.as_str().unwrap()
                ),
                &json!(null),
            )
            .await
            .expect_status(200);
    }

    let pending = standing(&waiting, budget).await;
    assert_eq!(reason(&pending), "not_verified");
    assert_eq!(pending["registration"], "pending");
    assert_eq!(pending["eligible"], false);
    assert_eq!(
        reason(&standing(&southerner, budget).await),
        "wrong_district"
    );
    let too_young = standing(&young, budget).await;
    assert_eq!(reason(&too_young), "too_young");
    assert_eq!(too_young["votes_from"], json!(of_age.to_string()));
    let profile = young.get("/api/v1/me/profile").await.json();
    assert_eq!(profile["votes_from"], json!(of_age.to_string()));
    let staff = standing(&official, budget).await;
    assert_eq!(reason(&staff), "not_registered");
    assert_eq!(staff["registration"], Value::Null);

    // Eligible: may vote now here, and in the later cycle once its voting opens.
    let before = standing(&voter, budget).await;
    assert_eq!(before["can_vote"], true);
    assert_eq!(reason(&before), &Value::Null);
    assert_eq!(before["voted"], false);
    assert!(voter.get("/api/v1/me/profile").await.json()["votes_from"].is_null());
    let not_open = standing(&voter, &later_budget.id).await;
    assert_eq!(reason(&not_open), "voting_not_open");
    assert_eq!(not_open["eligible"], true);
    assert_eq!(not_open["can_vote"], false);

    // The reasons are the cast's own.
    for (who, why) in [
        (&southerner.session, "wrong_district"),
        (&young, "too_young"),
    ] {
        let refused = who.cast(budget, approvals(&voting.proposals)).await;
        assert_eq!(refused.problem().code, "not_eligible");
        assert!(refused.problem().detail().starts_with(why));
    }

    // Voted, under a final policy: the receipt, and no second ballot.
    let cast: CastReply = voter
        .cast(budget, approvals(&voting.proposals))
        .await
        .created();
    let after = standing(&voter, budget).await;
    assert_eq!(after["voted"], true);
    assert_eq!(after["receipt"], json!(cast.receipt));
    assert_eq!(reason(&after), "already_voted");
    assert_eq!(after["may_change"], false);
    assert_eq!(after["can_vote"], false);

    // Only for a signed-in caller of this municipality.
    let path = format!("/api/v1/budgets/{budget}/eligibility");
    assert_eq!(app.anonymous().get(&path).await.status, 401);
    let elsewhere = app
        .create_municipality(MunicipalityBuilder::turkish("moda").open_registration("final"))
        .await;
    let stranger = app
        .register_resident(&elsewhere, ResidentBuilder::adult(45))
        .await;
    assert_eq!(stranger.get(&path).await.status, 404);
}

#[tokio::test]
async fn after_voting_a_resident_may_change_their_ballot_where_the_policy_allows() {
    let app = spawn_app().await;
    let (city, official) = open_city(&app, "uskudar", "until_close").await;
    let voting = app
        .open_voting(&city, &official, BudgetBuilder::approval(1), &[100])
        .await;
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(51))
        .await;
    let cast: CastReply = voter
        .cast(&voting.budget, approvals(&voting.proposals))
        .await
        .created();
    let after = standing(&voter, &voting.budget.id).await;
    assert_eq!(after["voted"], true);
    assert_eq!(after["may_change"], true);
    assert_eq!(after["can_vote"], true);
    assert_eq!(after["receipt"], json!(cast.receipt));
    assert!(after["cast_at"].is_string());
    // Once voting closes, nobody can vote or change it.
    official.advance(&voting.cycle, "closed").await;
    let closed = standing(&voter, &voting.budget.id).await;
    assert_eq!(reason(&closed), "voting_not_open");
    assert_eq!(closed["may_change"], false);
}
