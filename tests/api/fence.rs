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
use serde_json::{json, Value};

use crate::helpers::{on_postgres, spawn_app_with, TestApp};
use crate::support::{approve, move_to, new_budget, new_cycle, open_city, propose, resident, vote};

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

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a time: {value}"))
        .parse()
        .unwrap()
}

async fn sleep_until(instant: DateTime<Utc>) {
    let wait = (instant - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

async fn receipt_status(app: &TestApp, code: &str) -> String {
    let response = app.get(&format!("/api/v1/receipts/{code}"), None).await;
    assert_eq!(response.status(), 200);
    json_of(response).await["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A cycle in submission with one approval budget, closing four seconds from now when the
/// close is scheduled: (cycle, scheduled instant, budget).
async fn budget_in_submission(
    app: &TestApp,
    slug: &str,
    official: &str,
    close: Close,
) -> (String, DateTime<Utc>, String) {
    let cycle = new_cycle(app, slug, official).await;
    let scheduled = Utc::now() + chrono::Duration::seconds(4);
    if close == Close::Scheduled {
        let body = json!({"voting_closes_at": scheduled.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
        let set = app
            .patch(&format!("/api/v1/cycles/{cycle}"), Some(official), &body)
            .await;
        assert_eq!(set.status(), 200);
    }
    let budget = new_budget(
        app,
        &cycle,
        official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000, "ballot": {"type": "approval", "max_selections": 1}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        move_to(app, &cycle, official, "submission").await.status(),
        200
    );
    (cycle, scheduled, budget)
}

/// Five honest ballots for P0, a late voter whose ballot stalls just before the close, the
/// count asked just after it; then everything must agree.
async fn stalled_ballot_is_counted_or_refused(close: Close, late: Late) {
    let app = spawn_app_with(|s| {
        s.signing_secret = Some(kurultai::config::Secret::new(SIGNING_SECRET));
    })
    .await;
    let (_, official) = open_city(&app, "antalya", "until_close").await;
    let mut voters = Vec::new();
    for n in 0..6 {
        voters.push(resident(&app, "antalya", 700 + n, "1980-01-01", None).await);
    }
    let late_voter = voters.pop().unwrap();

    // Registration is done: the scheduled close can be near.
    let (cycle, scheduled, budget) = budget_in_submission(&app, "antalya", &official, close).await;
    let p0 = propose(&app, &budget, &official, "P0", 300, "x").await;
    approve(&app, &p0, &official).await;
    let p1 = propose(&app, &budget, &official, "P1", 300, "x").await;
    approve(&app, &p1, &official).await;
    assert_eq!(
        move_to(&app, &cycle, &official, "review").await.status(),
        200
    );
    assert_eq!(
        move_to(&app, &cycle, &official, "voting").await.status(),
        200
    );

    let choose = |p: &str| json!([{"proposal_id": p}]);
    let mut replies = Vec::new();
    for voter in &voters {
        let response = vote(&app, &budget, voter, choose(&p0)).await;
        assert_eq!(response.status(), 201);
        replies.push(json_of(response).await);
    }
    let earlier = match late {
        Late::Replacement => {
            let response = vote(&app, &budget, &late_voter, choose(&p0)).await;
            assert_eq!(response.status(), 201);
            Some(json_of(response).await)
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
        let (app_address, token, body) = (app.address.clone(), late_voter.clone(), choose(&p1));
        let budget = budget.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .put(format!("{app_address}/api/v1/budgets/{budget}/ballot"))
                .bearer_auth(token)
                .json(&json!({ "selections": body }))
                .send()
                .await
                .unwrap()
        })
    };
    sleep_until(close_at).await;
    if close == Close::Manual {
        let closed = move_to(&app, &cycle, &official, "closed").await;
        assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap());
    }
    // While the ballot may still be committing: what the earlier receipt says must be final.
    let window_receipt = earlier.as_ref().map(|e| {
        let (app_address, code) = (
            app.address.clone(),
            e["receipt"].as_str().unwrap().to_string(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let r: Value = reqwest::get(format!("{app_address}/api/v1/receipts/{code}"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["status"].as_str().unwrap().to_string()
        })
    });
    sleep_until(close_at + chrono::Duration::milliseconds(500)).await;
    let counted = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(counted.status(), 200, "{}", counted.text().await.unwrap());
    let counted = json_of(counted).await;
    let stalled = stalled.await.unwrap();
    holder.join().unwrap();
    let window_receipt = match window_receipt {
        Some(task) => Some(task.await.unwrap()),
        None => None,
    };

    // The stalled ballot was accepted (on PostgreSQL it had passed the close check before it
    // stalled, so it must be), or refused as too late.
    let status = stalled.status().as_u16();
    let accepted = match status {
        200 | 201 => true,
        409 => false,
        other => panic!(
            "the stalled ballot got {other}: {}",
            stalled.text().await.unwrap()
        ),
    };
    if on_postgres() || close == Close::Manual {
        assert!(
            accepted,
            "the ballot passed the check before the close, then stalled"
        );
    }
    let late_reply = if accepted {
        Some(json_of(stalled).await)
    } else {
        assert_eq!(json_of(stalled).await["code"], "cycle_not_in_voting");
        None
    };
    replies.extend(earlier.clone());
    replies.extend(late_reply.clone());

    // The count holds every accepted ballot of every voter.
    let voters_counted = 5 + usize::from(late == Late::Replacement || accepted);
    assert_eq!(
        counted["ballots_counted"], voters_counted as i64,
        "{counted}"
    );

    // The recorded close is no earlier than any accepted ballot, and a scheduled close no
    // earlier than its instant.
    let cycle_view = json_of(
        app.get(&format!("/api/v1/cycles/{cycle}"), Some(&official))
            .await,
    )
    .await;
    assert_eq!(cycle_view["status"], "closed");
    let closed_at = at(&cycle_view["voting_closed_at"]);
    for reply in &replies {
        assert!(
            at(&reply["cast_at"]) <= closed_at,
            "{reply} cast after the close {closed_at}"
        );
    }
    if close == Close::Scheduled {
        assert!(closed_at >= scheduled);
        for reply in &replies {
            assert!(
                at(&reply["cast_at"]) < scheduled,
                "{reply} cast after {scheduled}"
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
    let results = json_of(
        app.get(
            &format!("/api/v1/budgets/{budget}/results"),
            Some(&official),
        )
        .await,
    )
    .await;
    let votes = |p: &str| {
        results["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["proposal_id"] == p)
            .unwrap()["votes"]
            .as_u64()
            .unwrap() as usize
    };
    assert_eq!(votes(&p0), 5 + late_on_p0, "{results}");
    assert_eq!(votes(&p1), late_on_p1, "{results}");

    // The receipts: every current one reads as counted, a replaced one as replaced — and what
    // the earlier receipt said during the window is what it says now.
    for reply in replies
        .iter()
        .filter(|r| Some(*r) != earlier.as_ref() || !accepted)
    {
        let code = reply["receipt"].as_str().unwrap();
        assert_eq!(receipt_status(&app, code).await, "counted", "{reply}");
    }
    if let Some(earlier) = &earlier {
        let now = receipt_status(&app, earlier["receipt"].as_str().unwrap()).await;
        assert_eq!(now, if accepted { "replaced" } else { "counted" });
        assert_eq!(
            window_receipt.as_deref(),
            Some(now.as_str()),
            "said during the window"
        );
    }

    // The .pb export and the signed archive hold the same count, and `kurultai verify`
    // accepts the archive; then the cycle publishes.
    let pb = app
        .get(
            &format!("/api/v1/budgets/{budget}/export.pb"),
            Some(&official),
        )
        .await;
    assert_eq!(pb.status(), 200);
    let pb = pb.text().await.unwrap();
    assert!(
        pb.contains(&format!("num_votes;{voters_counted}\n")),
        "{pb}"
    );
    let archive = app
        .get(&format!("/api/v1/cycles/{cycle}/export"), Some(&official))
        .await;
    assert_eq!(archive.status(), 200);
    let archive = archive.bytes().await.unwrap();
    let receipts = receipts_in(&archive, &budget);
    for reply in &replies {
        let code = reply["receipt"].as_str().unwrap().to_string();
        let current = Some(reply) != earlier.as_ref() || !accepted;
        assert_eq!(receipts.contains(&code), current, "{reply} in {receipts:?}");
    }
    assert_eq!(receipts.len(), voters_counted);
    let key = published_key(&app).await;
    let (ok, report) = verify(&archive, &key);
    assert!(ok, "{report}");
    assert_eq!(
        move_to(&app, &cycle, &official, "published").await.status(),
        200
    );
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
    let keys = json_of(app.get("/api/v1/municipalities/antalya/keys", None).await).await;
    keys["keys"][0]["public_key"].as_str().unwrap().to_string()
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
    let (_, official) = open_city(&app, "alanya", "until_close").await;
    let mut voters = Vec::new();
    for n in 0..10 {
        voters.push(resident(&app, "alanya", 800 + n, "1980-01-01", None).await);
    }
    let (cycle, scheduled, budget) = budget_in_submission(&app, "alanya", &official, close).await;
    let mut proposals = Vec::new();
    for name in ["P0", "P1"] {
        let p = propose(&app, &budget, &official, name, 300, "x").await;
        approve(&app, &p, &official).await;
        proposals.push(p);
    }
    assert_eq!(
        move_to(&app, &cycle, &official, "review").await.status(),
        200
    );
    assert_eq!(
        move_to(&app, &cycle, &official, "voting").await.status(),
        200
    );

    let storms = voters.iter().map(|token| {
        let (address, token, proposals) = (app.address.clone(), token.clone(), proposals.clone());
        let budget = budget.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut accepted = Vec::new();
            let mut refused = false;
            // Bounded: stops at the first refusal, or after 4,000 ballots.
            for i in 0..4_000 {
                let body = json!({"selections": [{"proposal_id": proposals[i % 2]}]});
                let response = client
                    .put(format!("{address}/api/v1/budgets/{budget}/ballot"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 | 201 => accepted.push(response.json::<Value>().await.unwrap()),
                    409 => {
                        let problem: Value = response.json().await.unwrap();
                        assert_eq!(problem["code"], "cycle_not_in_voting");
                        refused = true;
                        break;
                    }
                    other => panic!("{other}: {}", response.text().await.unwrap()),
                }
            }
            assert!(refused, "the storm went on until the close");
            accepted
        })
    });
    let storms: Vec<_> = storms.collect();
    if close == Close::Manual {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let closed = move_to(&app, &cycle, &official, "closed").await;
        assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap());
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
    let counted = app
        .post(
            &format!("/api/v1/budgets/{budget}/tally"),
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(counted.status(), 200, "{}", counted.text().await.unwrap());
    assert_eq!(json_of(counted).await["ballots_counted"], 10);

    let cycle_view = json_of(
        app.get(&format!("/api/v1/cycles/{cycle}"), Some(&official))
            .await,
    )
    .await;
    let closed_at = at(&cycle_view["voting_closed_at"]);
    let late: Vec<&Value> = all
        .iter()
        .filter(|r| at(&r["cast_at"]) > closed_at)
        .collect();
    assert!(
        late.is_empty(),
        "{} of {} cast after the close {closed_at}: {late:?}",
        late.len(),
        all.len()
    );
    if close == Close::Scheduled {
        assert!(closed_at >= scheduled);
        let late: Vec<&Value> = all
            .iter()
            .filter(|r| at(&r["cast_at"]) >= scheduled)
            .collect();
        assert!(
            late.is_empty(),
            "{} cast at or after {scheduled}: {late:?}",
            late.len()
        );
    }
    for reply in &last {
        let code = reply["receipt"].as_str().unwrap();
        assert_eq!(receipt_status(&app, code).await, "counted", "{reply}");
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
