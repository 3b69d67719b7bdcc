//! Ballot secrecy in storage: with the whole database in hand (and not the server's pepper), no
//! chain of stored values leads from a ballot or a receipt to an account, a resident, a
//! session, a refresh token or an idempotency row — neither while voting runs nor after
//! publication.
//!
//! # How the audit reads the database
//! Every table and every column is listed from the database itself (`sqlite_master` and
//! `pragma_table_info`, or `information_schema`), never from a hand-kept list, so a column
//! added later is audited too. Each row becomes a node. A cell gives the row its whole value
//! and, when the cell is JSON, every string inside it (a receipt code inside a stored reply is
//! found that way).
//!
//! # When two rows are linked
//! * **Equal identifying values.** A value identifies something when it occurs in at most
//!   [`MAX_SHARE`] rows of the whole database and is not a small word: at least eight
//!   characters, not a number, not a time stamp. A person's account id sits in their account,
//!   their resident row and a session or two; a ballot's id in the ballot and its receipts. A
//!   budget id, a municipality id, a proposal id that many ballots select, a status word, a
//!   boolean, a small integer or a time floored to the day are shared by many rows and say
//!   nothing about a person. The cycle below is built so that such shared values are shared
//!   by more than [`MAX_SHARE`] rows (14 online voters, a paper batch of 8, popular proposals).
//! * **Near time stamps.** Two time stamps (columns, or RFC 3339 strings inside JSON) within
//!   [`NEAR`] of each other, each identifying by the rule above (its exact value in at most
//!   [`MAX_SHARE`] rows). The whole test runs within a minute, so any exact instant stored on a
//!   ballot or a receipt is near every login of the test: that is the attack of matching
//!   `cast_at` to the latest earlier `sessions.created_at`. A day shared by every ballot is
//!   not. (A run that crosses midnight UTC splits the day into two groups and could report a
//!   link through a small group; that is the only time-dependent case.)
//!
//! The audit then walks every chain from each ballot and receipt row through any rows (audit
//! entries, tallies, anything) and fails, printing the chain, when one reaches a row of
//! [`PERSONAL`]. It also checks row order where the test can see it: ballot ids are uuid v4,
//! and SQLite returns ballots in id order, not in the order they were cast. (PostgreSQL's heap
//! keeps insertion order, which SQL does not show; that limit is documented, not tested.)

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, NaiveDateTime};
use kurultai::db::DbConn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{
    approvals, tckn, BudgetBuilder, CastReply, City, Id, MunicipalityBuilder, ResidentBuilder,
    Role, Session,
};

/// A value in more rows than this is shared, not identifying.
const MAX_SHARE: usize = 5;
/// Time stamps closer than this are treated as the same moment.
const NEAR: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// Where a chain from a ballot must never arrive.
const PERSONAL: [&str; 5] = [
    "accounts",
    "residents",
    "sessions",
    "refresh_tokens",
    "idempotency_keys",
];
/// Where chains start.
const SECRET: [&str; 2] = ["ballots", "receipts"];

/// One stored row: its table and its cells (column, text; `None` for NULL).
struct Row {
    table: String,
    cells: Vec<(String, Option<String>)>,
}

const SEP: &str = "\u{1f}";
const NULL: &str = "\u{1e}";

fn names(conn: &mut DbConn, sql: &str) -> Vec<String> {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let loaded: Vec<Name> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c),
        DbConn::Postgresql(c) => diesel::sql_query(sql).load(c),
    }
    .unwrap();
    loaded.into_iter().map(|n| n.name).collect()
}

/// Every row of every table, each column as text.
fn every_row(conn: &mut DbConn) -> Vec<Row> {
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let tables = if sqlite {
        names(
            conn,
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        )
    } else {
        names(
            conn,
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
    };
    let mut rows = Vec::new();
    for table in tables {
        let columns = if sqlite {
            names(
                conn,
                &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            )
        } else {
            names(
                conn,
                &format!(
                    "SELECT column_name::text AS name FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{table}' \
                     ORDER BY ordinal_position"
                ),
            )
        };
        // One text per row, so that the cells of a row stay together.
        let joined = columns
            .iter()
            .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '{NULL}')"))
            .collect::<Vec<_>>()
            .join(&format!(" || '{SEP}' || "));
        for line in names(conn, &format!("SELECT {joined} AS name FROM \"{table}\"")) {
            let cells = columns
                .iter()
                .cloned()
                .zip(line.split(SEP).map(|v| (v != NULL).then(|| v.to_string())))
                .collect();
            rows.push(Row {
                table: table.clone(),
                cells,
            });
        }
    }
    rows
}

fn parse_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.naive_utc())
        })
}

/// The values a cell holds: itself, and every string inside it if it is JSON.
fn values_of(cell: &str, out: &mut Vec<String>) {
    out.push(cell.to_string());
    if let Ok(json @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(cell) {
        strings_in(&json, out);
    }
}

fn strings_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => values_of(s, out),
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

fn is_word(value: &str) -> bool {
    value.trim().chars().count() < 8
        || value.trim().parse::<f64>().is_ok()
        || matches!(value, "true" | "false")
}

/// What the chains from ballots and receipts reach: the tables, and the first chain that
/// arrives at a personal row, described, if any.
fn find_link(rows: &[Row]) -> (HashSet<String>, Option<String>) {
    // value → rows holding it; instants → rows holding them.
    let mut holders: HashMap<String, HashSet<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        for (_, cell) in &row.cells {
            let mut values = Vec::new();
            if let Some(cell) = cell {
                values_of(cell, &mut values);
            }
            for v in values {
                holders.entry(v).or_default().insert(i);
            }
        }
    }
    let identifying = |v: &str| holders.get(v).is_some_and(|h| h.len() <= MAX_SHARE);
    let mut edges: Vec<Vec<(usize, String)>> = vec![Vec::new(); rows.len()];
    let mut instants: Vec<(NaiveDateTime, usize, String)> = Vec::new();
    for (value, rows_holding) in &holders {
        if !identifying(value) {
            continue;
        }
        if let Some(t) = parse_time(value) {
            for &r in rows_holding {
                instants.push((t, r, value.clone()));
            }
            continue;
        }
        if is_word(value) {
            continue;
        }
        for &a in rows_holding {
            for &b in rows_holding {
                if a != b {
                    edges[a].push((b, format!("the value {value:?}")));
                }
            }
        }
    }
    instants.sort();
    for (i, (t, a, va)) in instants.iter().enumerate() {
        for (u, b, vb) in &instants[i + 1..] {
            if *u - *t > NEAR {
                break;
            }
            if a != b {
                let why = format!("the times {va} and {vb}");
                edges[*a].push((*b, why.clone()));
                edges[*b].push((*a, why));
            }
        }
    }
    // Breadth first from every secret row.
    let mut came_from: BTreeMap<usize, (usize, String)> = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut queue = VecDeque::new();
    for (i, row) in rows.iter().enumerate() {
        if SECRET.contains(&row.table.as_str()) {
            seen.insert(i);
            queue.push_back(i);
        }
    }
    let mut reached = HashSet::new();
    while let Some(at) = queue.pop_front() {
        reached.insert(rows[at].table.clone());
        if PERSONAL.contains(&rows[at].table.as_str()) {
            let mut chain = vec![describe(&rows[at])];
            let mut step = at;
            while let Some((from, why)) = came_from.get(&step) {
                chain.push(format!("{} --[{why}]-->", describe(&rows[*from])));
                step = *from;
            }
            chain.reverse();
            return (reached, Some(chain.join("\n  ")));
        }
        for (next, why) in &edges[at] {
            if seen.insert(*next) {
                came_from.insert(*next, (at, why.clone()));
                queue.push_back(*next);
            }
        }
    }
    (reached, None)
}

fn describe(row: &Row) -> String {
    let cells: Vec<String> = row
        .cells
        .iter()
        .map(|(c, v)| format!("{c}={}", v.as_deref().unwrap_or("NULL")))
        .collect();
    format!("{}({})", row.table, cells.join(", "))
}

/// Audits the database; returns how many stored ballot replies it holds.
fn audit(app: &TestApp, moment: &str) -> usize {
    let mut conn = app.db.blocking_conn().unwrap();
    let rows = every_row(&mut conn);
    for table in SECRET.iter().chain(["accounts", "sessions"].iter()) {
        assert!(
            rows.iter().any(|r| r.table == *table),
            "{moment}: no {table} rows: the audit would prove nothing"
        );
    }
    let (reached, chain) = find_link(&rows);
    if let Some(chain) = chain {
        panic!("{moment}: a ballot or receipt links to a person:\n  {chain}");
    }
    // The walk does follow links: a receipt names its ballot.
    assert!(reached.contains("receipts") && reached.contains("ballots"));
    random_order(&rows, !crate::helpers::on_postgres());
    rows.iter()
        .filter(|r| r.table == "idempotency_keys")
        .count()
}

/// Ballot ids are random (uuid v4: a v7 id would carry the instant), and on SQLite ballots are
/// stored in the order of those ids, not in the order they were cast (which would pair the
/// n-th ballot with the n-th login).
fn random_order(rows: &[Row], sqlite: bool) {
    let ids: Vec<&str> = rows
        .iter()
        .filter(|r| r.table == "ballots")
        .map(|r| {
            let (_, id) = r.cells.iter().find(|(c, _)| c == "id").unwrap();
            id.as_deref().unwrap()
        })
        .collect();
    for id in &ids {
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
    }
    if sqlite {
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "SQLite reads ballots in key order");
    }
}

/// Casts with an `Idempotency-Key` (as the web client does); the answer, once accepted.
async fn cast(voter: &Session, budget: &impl Id, key: &str, selections: &Value) -> CastReply {
    let response = keyed_cast(voter, budget, key, selections).await;
    assert!(response.status.is_success(), "{}", response.text());
    response.json_as()
}

async fn keyed_cast(
    voter: &Session,
    budget: &impl Id,
    key: &str,
    selections: &Value,
) -> crate::support::Reply {
    let request = voter
        .request(
            Method::PUT,
            &format!("/api/v1/budgets/{}/ballot", budget.id()),
        )
        .header("Idempotency-Key", key)
        .json(&json!({ "selections": selections }));
    voter.exchange(request).await
}

/// A Turkish city with open registration, and its official.
async fn open_city(app: &TestApp, slug: &str) -> (City, Session) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city, official)
}

#[tokio::test]
async fn no_stored_chain_links_a_ballot_to_a_person() {
    let app = spawn_app().await;
    let slug = "kayseri";
    let (city, official) = open_city(&app, slug).await;
    let north = city.admin.add_district(&city, "Kocasinan").await;
    let south = city.admin.add_district(&city, "Melikgazi").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(2).name("City").amount(1_000_000),
            &[300_000, 200_000, 100_000],
        )
        .await;
    let (cycle, budget, p) = (&voting.cycle, &voting.budget, voting.proposal_ids());
    // Every choice is popular: a proposal id says nothing about who chose it.
    let choices = [
        json!([{"proposal_id": p[0]}, {"proposal_id": p[1]}]),
        json!([{"proposal_id": p[1]}, {"proposal_id": p[2]}]),
        json!([{"proposal_id": p[0]}, {"proposal_id": p[2]}]),
    ];
    let mut voters = Vec::new();
    // Receipt codes in the order they were issued.
    let mut issued = Vec::new();
    for n in 0..14u64 {
        let (born, home) = if n % 2 == 0 {
            ("1990-03-01", &north)
        } else {
            ("1960-03-01", &south)
        };
        let voter = app
            .register_resident(
                &city,
                ResidentBuilder::adult(900 + n).born(born).district(home),
            )
            .await;
        let key = format!("web-{}", uuid::Uuid::new_v4());
        let choice = &choices[n as usize % 3];
        let first = cast(&voter, budget, &key, choice).await;
        // A retry of the same request gets the same answer.
        assert_eq!(cast(&voter, budget, &key, choice).await, first);
        issued.push(first.receipt);
        voters.push(voter);
    }
    // Three voters change their minds, each with a new key.
    for (i, voter) in voters.iter().take(3).enumerate() {
        let key = format!("web-{}", uuid::Uuid::new_v4());
        let reply = cast(voter, budget, &key, &choices[(i + 1) % 3]).await;
        assert!(reply.replaced);
    }
    // A polling station's batch.
    let paper: Vec<Value> = (0..8)
        .map(|i| json!({"selections": choices[i % 3]}))
        .collect();
    official
        .post(
            &format!("/api/v1/budgets/{}/paper-ballots", budget.id),
            &json!({"polling_station": "Polling station 17", "ballots": paper}),
        )
        .await
        .expect_status(201);
    // A voter deletes their account, registers again and votes again (a replacement).
    let response = voters[5].delete_account().await;
    assert_eq!(response.status, 204);
    let email = format!("again@{slug}.example");
    app.anonymous()
        .post(
            &format!("/api/v1/municipalities/{slug}/residents"),
            &json!({"national_id": tckn(905), "full_name": "Resident again",
                    "birth_date": "1960-03-01", "district_id": south.id, "email": email,
                    "password": PASSWORD}),
        )
        .await
        .expect_status(201);
    let again = app.logged_in(Some(slug), &email, PASSWORD).await;
    let key = format!("web-{}", uuid::Uuid::new_v4());
    let reply = cast(&again, budget, &key, &choices[0]).await;
    assert!(reply.replaced, "the same person, the same ballot");

    assert!(
        audit(&app, "during voting") >= 18,
        "every ballot sent with a key has its reply stored while voting runs"
    );

    assert_eq!(official.move_cycle(cycle, "closed").await.status, 200);
    official.tally(budget).await;
    assert_eq!(official.move_cycle(cycle, "published").await.status, 200);
    assert_eq!(
        audit(&app, "after publication"),
        0,
        "stored replies go at the close"
    );
    if crate::helpers::on_postgres() {
        // Voters 0-2 and 5 replaced their ballots: an update moves a row anyway. The others'
        // rows were written once, in the order the receipts were issued.
        let untouched: Vec<String> = (issued.iter().enumerate())
            .filter(|(n, _)| !matches!(n, 0..=2 | 5))
            .map(|(_, code)| code.clone())
            .collect();
        stored_out_of_order(&app, &untouched);
    }
}

/// On PostgreSQL a table's rows sit (and a dump lists them) in the order they were written: the
/// n-th ballot beside the n-th login. Publishing rewrites ballots and receipts in a random
/// order; ten rows keep the order they were written in by chance once in 10! runs.
fn stored_out_of_order(app: &TestApp, issued: &[String]) {
    let mut conn = app.db.blocking_conn().unwrap();
    let physical = |conn: &mut DbConn, sql: &str| names(conn, sql);
    let receipts: Vec<String> =
        physical(&mut conn, "SELECT code AS name FROM receipts ORDER BY ctid")
            .into_iter()
            .filter(|code| issued.contains(code))
            .collect();
    assert_eq!(
        receipts.len(),
        issued.len(),
        "every issued receipt is stored"
    );
    assert_ne!(
        receipts, issued,
        "receipts are stored in the order they were issued"
    );
    // Ballots, in the order of their first receipt, against the order they are stored in.
    let first_receipt = physical(
        &mut conn,
        "SELECT ballot_id || ' ' || code AS name FROM receipts",
    );
    let ballot_of = |code: &str| {
        first_receipt
            .iter()
            .find_map(|pair| pair.strip_suffix(code).map(|b| b.trim_end().to_string()))
    };
    let mut cast_order: Vec<String> = Vec::new();
    for ballot in issued.iter().filter_map(|code| ballot_of(code)) {
        if !cast_order.contains(&ballot) {
            cast_order.push(ballot);
        }
    }
    let stored: Vec<String> = physical(&mut conn, "SELECT id AS name FROM ballots ORDER BY ctid")
        .into_iter()
        .filter(|id| cast_order.contains(id))
        .collect();
    assert_eq!(stored.len(), cast_order.len());
    assert_ne!(
        stored, cast_order,
        "ballots are stored in the order they were cast"
    );
}

fn stored_replies(app: &TestApp) -> usize {
    let mut conn = app.db.blocking_conn().unwrap();
    every_row(&mut conn)
        .iter()
        .filter(|r| r.table == "idempotency_keys")
        .count()
}

/// A stored reply serves retries for a few hours, not longer: once expired (the scheduler's
/// tick forgets it) the key is new again; and cancelling voting forgets every reply at once.
#[tokio::test]
async fn stored_replies_expire_and_end_with_voting() {
    let app = spawn_app().await;
    let slug = "sinop";
    let (city, official) = open_city(&app, slug).await;
    let voting = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
            &[100, 200],
        )
        .await;
    let (cycle, budget, p) = (&voting.cycle, &voting.budget, &voting.proposals);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(950))
        .await;
    let first = approvals(&p[..1]);
    let other = approvals(&p[1..]);
    cast(&voter, budget, "k-1", &first).await;
    assert_eq!(stored_replies(&app), 1);
    // Within the hours the key is bound to its request.
    let reused = keyed_cast(&voter, budget, "k-1", &other).await;
    assert_eq!(reused.status, 422);

    // Four hours on (the default keeps a reply 3 hours, rounded up to the hour).
    let later = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(5);
    let forgotten = app
        .db
        .write(move |conn| {
            kurultai::db::ballots::forget_expired_replies(conn, later)
                .map_err(kurultai::error::ApiError::from)
        })
        .await
        .unwrap();
    assert_eq!(forgotten, 1);
    let reply = cast(&voter, budget, "k-1", &other).await;
    assert!(reply.replaced, "an expired key starts a new request");

    cast(&voter, budget, "k-2", &first).await;
    assert_eq!(stored_replies(&app), 2);
    assert_eq!(official.move_cycle(cycle, "cancelled").await.status, 200);
    assert_eq!(stored_replies(&app), 0, "cancelling voting forgets them");
}

/// The scheduled close forgets the cycle's stored replies too (the scheduler's tick writes
/// the close down and drops them in the same transaction).
#[tokio::test]
async fn the_scheduled_close_forgets_stored_replies() {
    let app = spawn_app().await;
    let slug = "ordu";
    let (city, official) = open_city(&app, slug).await;
    let close = chrono::Utc::now() + chrono::TimeDelta::seconds(4);
    let voting = app
        .open_voting_closing_at(
            &city,
            &official,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
            &[100],
            close,
        )
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals[0]);
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(960))
        .await;
    cast(&voter, budget, "k-1", &approvals(&[p])).await;
    assert_eq!(stored_replies(&app), 1);
    // The close passes; the scheduler ticks every 5 s.
    let mut left = 1;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        left = stored_replies(&app);
        if left == 0 {
            break;
        }
    }
    assert!(chrono::Utc::now() > close);
    assert_eq!(left, 0, "the scheduled close forgot the stored reply");
}
