//! The close and the count are fenced: a ballot whose transaction stalls after it passed the
//! close check (a lock held by another connection) is either in the count or was refused, and
//! the count, the results, the receipts, the `.pb` export, the signed archive and
//! `kurultai verify` all agree; the recorded close (`voting_closed_at`) is no earlier than any
//! accepted ballot's `cast_at`. Scheduled and manual close, first ballot and replacement, on
//! both databases.
//!
//! The stall: on PostgreSQL `LOCK TABLE receipts IN EXCLUSIVE MODE` from a second connection,
//! so the ballot blocks on its receipt after its check, holding its cycle `FOR SHARE`. On
//! SQLite a second connection holds the write lock (`BEGIN IMMEDIATE`), and the ballot waits
//! for it before it reads anything (the check and the write lock are one step there).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use serde_json::json;

use crate::helpers::{on_postgres, spawn_app_with, TestApp};
use crate::support::{
    Budget, BudgetBuilder, CastReply, City, Cycle, Keys, MunicipalityBuilder, ProposalBuilder,
    ReceiptStatus, Resident, ResidentBuilder, Results, Role, Session, TallyReply,
};

const SIGNING_SECRET: &str = "6b7572756c7461692d746573742d7369676e696e672d7365637265742d2d2d2d";
/// How long the second connection holds its lock.
const STALL: Duration = Duration::from_millis(3_500);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Close {
    Scheduled,
    Manual,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Late {
    /// The stalled ballot is the voter's first.
    First,
    /// The voter voted for P0 before; the stalled ballot replaces it with P1.
    Replacement,
}

/// Holds a lock that stalls ballot transactions for [`STALL`], from a thread of its own;
/// returns once the lock is held.
fn stall_ballots(app: &TestApp) -> std::thread::JoinHandle<()> {
    let url = app.database_url.clone();
    let (held, is_held) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let statement = "BEGIN; LOCK TABLE receipts IN EXCLUSIVE MODE;";
        if on_postgres() {
            let mut conn = PgConnection::establish(&url).unwrap();
            conn.batch_execute(statement).unwrap();
            held.send(()).unwrap();
            std::thread::sleep(STALL);
            conn.batch_execute("ROLLBACK").unwrap();
        } else {
            let path = url.strip_prefix("sqlite://").unwrap();
            let mut conn = SqliteConnection::establish(path).unwrap();
            conn.batch_execute("BEGIN IMMEDIATE").unwrap();
            held.send(()).unwrap();
            std::thread::sleep(STALL);
            conn.batch_execute("ROLLBACK").unwrap();
        }
    });
    is_held.recv().unwrap();
    holder
}

fn at(value: &str) -> DateTime<Utc> {
    value
        .parse()
        .unwrap_or_else(|e| panic!("a time ({e}): {value}"))
}

/// When the cycle's voting was recorded as closed.
fn closed_at(cycle: &Cycle) -> DateTime<Utc> {
    at(cycle.voting_closed_at.as_deref().expect("a recorded close"))
}

async fn sleep_until(instant: DateTime<Utc>) {
    let wait = (instant - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
}

async fn receipt_status(app: &TestApp, code: &str) -> String {
    let receipt: ReceiptStatus = app.anonymous().receipt(code).await.ok();
    receipt.status
}

/// A Turkish city with open registration, its official, and `count` residents numbered from
/// `first`.
async fn city_with_voters(
    app: &TestApp,
    slug: &str,
    first: u64,
    count: u64,
) -> (City, Session, Vec<Resident>) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let mut voters = Vec::new();
    for n in first..first + count {
        voters.push(
            app.register_resident(&city, ResidentBuilder::adult(n))
                .await,
        );
    }
    (city, official, voters)
}

/// A cycle in submission with one approval budget, closing four seconds from now when the
/// close is scheduled: (cycle, scheduled instant, budget).
async fn budget_in_submission(
    city: &City,
    official: &Session,
    close: Close,
) -> (Cycle, DateTime<Utc>, Budget) {
    let cycle = official.create_cycle(city).await;
    let scheduled = Utc::now() + chrono::Duration::seconds(4);
    if close == Close::Scheduled {
        let body = json!({"voting_closes_at": scheduled.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
        let set = official
            .patch(&format!("/api/v1/cycles/{}", cycle.id), &body)
            .await;
        assert_eq!(set.status, 200);
    }
    let budget = official
        .create_budget(&cycle, BudgetBuilder::approval(1).amount(1_000))
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    (cycle, scheduled, budget)
}

/// Five honest ballots for P0, a late voter whose ballot stalls just before the close, the
/// count asked just after it; then everything must agree.
async fn stalled_ballot_is_counted_or_refused(close: Close, late: Late) {
    let app = spawn_app_with(|s| {
        s.signing_secret = Some(kurultai::config::Secret::new(SIGNING_SECRET));
    })
    .await;
    let (city, official, mut voters) = city_with_voters(&app, "antalya", 700, 6).await;
    let late_voter = voters.pop().unwrap();

    // Registration is done: the scheduled close can be near.
    let (cycle, scheduled, budget) = budget_in_submission(&city, &official, close).await;
    let p0 = official
        .propose(&budget, ProposalBuilder::new("P0").cost(300))
        .await;
    official.approve(&p0).await;
    let p1 = official
        .propose(&budget, ProposalBuilder::new("P1").cost(300))
        .await;
    official.approve(&p1).await;
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

    let choose = |p: &str| json!([{"proposal_id": p}]);
    let mut replies: Vec<CastReply> = Vec::new();
    for voter in &voters {
        let response = voter.cast(&budget, choose(&p0.id)).await;
        assert_eq!(response.status, 201);
        replies.push(response.created());
    }
    let earlier: Option<CastReply> = match late {
        Late::Replacement => {
            let response = late_voter.cast(&budget, choose(&p0.id)).await;
            assert_eq!(response.status, 201);
            Some(response.created())
        }
        Late::First => None,
    };

    // The stall: the lock is taken, the ballot sent, then the close (manual, or its scheduled
    // instant passes) and the count while the ballot is still stalled.
    let close_at = match close {
        Close::Scheduled => scheduled,
        Close::Manual => Utc::now() + chrono::Duration::milliseconds(1_500),
    };
    sleep_until(close_at - chrono::Duration::milliseconds(1_500)).await;
    let holder = stall_ballots(&app);
    sleep_until(close_at - chrono::Duration::milliseconds(1_200)).await;
    let stalled = {
        let (voter, body, budget) = (
            late_voter.session.clone(),
            choose(&p1.id),
            budget.id.clone(),
        );
        tokio::spawn(async move { voter.cast(&budget, body).await })
    };
    sleep_until(close_at).await;
    if close == Close::Manual {
        let closed = official.move_cycle(&cycle, "closed").await;
        closed.expect_status(200);
    }
    // While the ballot may still be committing: what the earlier receipt says must be final.
    let window_receipt = earlier.as_ref().map(|e| {
        let (anyone, code) = (app.anonymous(), e.receipt.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            anyone
                .receipt(&code)
                .await
                .json_as::<ReceiptStatus>()
                .status
        })
    });
    sleep_until(close_at + chrono::Duration::milliseconds(500)).await;
    let counted = official.count(&budget).await;
    let counted: TallyReply = counted.ok();
    let stalled = stalled.await.unwrap();
    holder.join().unwrap();
    let window_receipt = match window_receipt {
        Some(task) => Some(task.await.unwrap()),
        None => None,
    };

    // The stalled ballot was accepted (on PostgreSQL it had passed the close check before it
    // stalled, so it must be), or refused as too late.
    let status = stalled.status.as_u16();
    let accepted = match status {
        200 | 201 => true,
        409 => false,
        other => panic!("the stalled ballot got {other}: {}", stalled.text()),
    };
    if on_postgres() || close == Close::Manual {
        assert!(
            accepted,
            "the ballot passed the check before the close, then stalled"
        );
    }
    let late_reply = if accepted {
        Some(stalled.json_as::<CastReply>())
    } else {
        assert_eq!(stalled.problem().code, "cycle_not_in_voting");
        None
    };
    replies.extend(earlier.clone());
    replies.extend(late_reply.clone());

    // The count holds every accepted ballot of every voter.
    let voters_counted = 5 + usize::from(late == Late::Replacement || accepted);
    assert_eq!(
        counted.ballots_counted, voters_counted as i64,
        "{counted:?}"
    );

    // The recorded close is no earlier than any accepted ballot, and a scheduled close no
    // earlier than its instant.
    let cycle_view: Cycle = official
        .get(&format!("/api/v1/cycles/{}", cycle.id))
        .await
        .json_as();
    assert_eq!(cycle_view.status, "closed");
    let closed_at = closed_at(&cycle_view);
    for reply in &replies {
        assert!(
            at(&reply.cast_at) <= closed_at,
            "{reply:?} cast after the close {closed_at}"
        );
    }
    if close == Close::Scheduled {
        assert!(closed_at >= scheduled);
        for reply in &replies {
            assert!(
                at(&reply.cast_at) < scheduled,
                "{reply:?} cast after {scheduled}"
            );
        }
    }
    if accepted && on_postgres() {
        // The stall ended after the close instant was due: the close waited for the ballot.
        assert!(closed_at > close_at, "{closed_at} ≤ {close_at}");
    }

    // The results agree with the ballots: P1 has the late ballot's vote, P0 the others'.
    let late_on_p1 = usize::from(accepted);
    let late_on_p0 = usize::from(late == Late::Replacement && !accepted);
    let results: Results = official
        .get(&format!("/api/v1/budgets/{}/results", budget.id))
        .await
        .json_as();
    let votes = |p: &str| {
        results
            .proposals
            .iter()
            .find(|l| l.proposal_id == p)
            .unwrap()
            .votes as usize
    };
    assert_eq!(votes(&p0.id), 5 + late_on_p0, "{results:?}");
    assert_eq!(votes(&p1.id), late_on_p1, "{results:?}");

    // The receipts: every current one reads as counted, a replaced one as replaced — and what
    // the earlier receipt said during the window is what it says now.
    for reply in replies
        .iter()
        .filter(|r| Some(*r) != earlier.as_ref() || !accepted)
    {
        assert_eq!(
            receipt_status(&app, &reply.receipt).await,
            "counted",
            "{reply:?}"
        );
    }
    if let Some(earlier) = &earlier {
        let now = receipt_status(&app, &earlier.receipt).await;
        assert_eq!(now, if accepted { "replaced" } else { "counted" });
        assert_eq!(
            window_receipt.as_deref(),
            Some(now.as_str()),
            "said during the window"
        );
    }

    // The .pb export and the signed archive hold the same count, and `kurultai verify`
    // accepts the archive; then the cycle publishes.
    let pb = official
        .get(&format!("/api/v1/budgets/{}/export.pb", budget.id))
        .await;
    assert_eq!(pb.status, 200);
    let pb = pb.text();
    assert!(
        pb.contains(&format!("num_votes;{voters_counted}\n")),
        "{pb}"
    );
    let archive = official
        .get(&format!("/api/v1/cycles/{}/export", cycle.id))
        .await;
    assert_eq!(archive.status, 200);
    let receipts = receipts_in(&archive.body, &budget.id);
    for reply in &replies {
        let current = Some(reply) != earlier.as_ref() || !accepted;
        assert_eq!(
            receipts.contains(&reply.receipt),
            current,
            "{reply:?} in {receipts:?}"
        );
    }
    assert_eq!(receipts.len(), voters_counted);
    let key = published_key(&app).await;
    let (ok, report) = verify(&archive.body, &key);
    assert!(ok, "{report}");
    assert_eq!(official.move_cycle(&cycle, "published").await.status, 200);
}

/// The receipt codes the archive lists for a budget.
fn receipts_in(archive: &[u8], budget: &str) -> Vec<String> {
    use std::io::Read;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if path.ends_with(&format!("receipts/{budget}.txt")) {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            return text.lines().map(str::to_string).collect();
        }
    }
    panic!("no receipts file for {budget}");
}

async fn published_key(app: &TestApp) -> String {
    let keys: Keys = app
        .anonymous()
        .get("/api/v1/municipalities/antalya/keys")
        .await
        .json_as();
    keys.keys[0].public_key.clone()
}

fn verify(archive: &[u8], key: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.tar.gz");
    std::fs::write(&path, archive).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"))
        .arg("verify")
        .arg(&path)
        .args(["--key", key])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_first_ballot_stalled_across_a_scheduled_close_is_counted_or_refused() {
    stalled_ballot_is_counted_or_refused(Close::Scheduled, Late::First).await;
}

#[tokio::test]
async fn a_replacement_stalled_across_a_scheduled_close_is_counted_or_refused() {
    stalled_ballot_is_counted_or_refused(Close::Scheduled, Late::Replacement).await;
}

#[tokio::test]
async fn a_first_ballot_stalled_across_a_manual_close_is_counted() {
    stalled_ballot_is_counted_or_refused(Close::Manual, Late::First).await;
}

#[tokio::test]
async fn a_replacement_stalled_across_a_manual_close_is_counted() {
    stalled_ballot_is_counted_or_refused(Close::Manual, Late::Replacement).await;
}

/// Ten voters replace their ballots as fast as they can across the close; every ballot
/// accepted was cast no later than the recorded close (and, for a scheduled close, before its
/// instant), and the count holds each voter's last accepted ballot.
async fn storm_across_the_close(close: Close) {
    let app = spawn_app_with(|_| {}).await;
    let (city, official, voters) = city_with_voters(&app, "alanya", 800, 10).await;
    let (cycle, scheduled, budget) = budget_in_submission(&city, &official, close).await;
    let mut proposals = Vec::new();
    for name in ["P0", "P1"] {
        let p = official
            .propose(&budget, ProposalBuilder::new(name).cost(300))
            .await;
        official.approve(&p).await;
        proposals.push(p.id);
    }
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

    let storms = voters.iter().map(|voter| {
        let (voter, proposals) = (voter.session.clone(), proposals.clone());
        let budget = budget.id.clone();
        tokio::spawn(async move {
            let mut accepted: Vec<CastReply> = Vec::new();
            let mut refused = false;
            // Bounded: stops at the first refusal, or after 4,000 ballots.
            for i in 0..4_000 {
                let response = voter
                    .cast(&budget, json!([{"proposal_id": proposals[i % 2]}]))
                    .await;
                match response.status.as_u16() {
                    200 | 201 => accepted.push(response.json_as()),
                    409 => {
                        assert_eq!(response.problem().code, "cycle_not_in_voting");
                        refused = true;
                        break;
                    }
                    other => panic!("{other}: {}", response.text()),
                }
            }
            assert!(refused, "the storm went on until the close");
            accepted
        })
    });
    let storms: Vec<_> = storms.collect();
    if close == Close::Manual {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let closed = official.move_cycle(&cycle, "closed").await;
        closed.expect_status(200);
    }
    let mut last = Vec::new();
    let mut all = Vec::new();
    for storm in storms {
        let accepted = storm.await.unwrap();
        assert!(
            !accepted.is_empty(),
            "each voter got a ballot in before the close"
        );
        last.push(accepted.last().unwrap().clone());
        all.extend(accepted);
    }
    let counted: TallyReply = official.count(&budget).await.ok();
    assert_eq!(counted.ballots_counted, 10);

    let cycle_view: Cycle = official
        .get(&format!("/api/v1/cycles/{}", cycle.id))
        .await
        .json_as();
    let closed_at = closed_at(&cycle_view);
    let late: Vec<&CastReply> = all.iter().filter(|r| at(&r.cast_at) > closed_at).collect();
    assert!(
        late.is_empty(),
        "{} of {} cast after the close {closed_at}: {late:?}",
        late.len(),
        all.len()
    );
    if close == Close::Scheduled {
        assert!(closed_at >= scheduled);
        let late: Vec<&CastReply> = all.iter().filter(|r| at(&r.cast_at) >= scheduled).collect();
        assert!(
            late.is_empty(),
            "{} cast at or after {scheduled}: {late:?}",
            late.len()
        );
    }
    for reply in &last {
        assert_eq!(
            receipt_status(&app, &reply.receipt).await,
            "counted",
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn no_ballot_in_a_storm_is_cast_after_a_manual_close() {
    storm_across_the_close(Close::Manual).await;
}

#[tokio::test]
async fn no_ballot_in_a_storm_is_cast_after_a_scheduled_close() {
    storm_across_the_close(Close::Scheduled).await;
}
