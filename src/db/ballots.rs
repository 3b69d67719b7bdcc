//! Rows of `ballots` and `receipts`, the idempotent replies of `idempotency_keys`, and the
//! participation counters of `participation`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{ballots, idempotency_keys, participation, receipts};
use super::DbConn;
use crate::domain::ids::{BallotId, BudgetId, CycleId, DistrictId};
use crate::domain::selection::Selections;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ballots)]
pub struct BallotRow {
    pub id: BallotId,
    pub budget_id: BudgetId,
    /// Keyed hash of (budget, person); `None` for paper ballots.
    pub voter_key: Option<String>,
    /// `online` or `paper`.
    pub channel: String,
    pub polling_station: Option<String>,
    /// As cast (a JSON list in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub selections: Selections,
    /// The UTC day it was cast (midnight): an exact instant would pair the ballot with the
    /// voter's login ([`crate::service::ballots::stored_day`]).
    pub cast_at: NaiveDateTime,
    pub revision: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub code: String,
    pub budget_id: BudgetId,
    pub ballot_id: BallotId,
    /// Days, like the ballot's `cast_at`.
    pub issued_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &BallotRow) -> QueryResult<()> {
    diesel::insert_into(ballots::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Inserts many ballots (paper batches). One statement each: diesel's multi-row insert is not
/// available through the connection type that spans both backends, and inside the batch's
/// single transaction the round trips are cheap.
pub fn insert_many(conn: &mut DbConn, rows: &[BallotRow]) -> QueryResult<()> {
    rows.iter().try_for_each(|row| insert(conn, row))
}

pub fn of_voter(
    conn: &mut DbConn,
    budget_id: &BudgetId,
    voter_key: &str,
) -> QueryResult<Option<BallotRow>> {
    ballots::table
        .filter(ballots::budget_id.eq(budget_id))
        .filter(ballots::voter_key.eq(voter_key))
        .select(BallotRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces a ballot's content. `revision` is bumped in SQL so that concurrent replacements,
/// which PostgreSQL serialises on the row lock, each count.
pub fn replace(conn: &mut DbConn, id: &BallotId, new: &BallotRow) -> QueryResult<()> {
    diesel::update(ballots::table.find(id))
        .set((
            ballots::selections.eq(String::from(new.selections.clone())),
            ballots::cast_at.eq(new.cast_at),
            ballots::revision.eq(ballots::revision + 1),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A page of a budget's counted ballots, those after `after` in id order (the order the
/// tally reads them in).
pub fn of_budget_after(
    conn: &mut DbConn,
    budget_id: &BudgetId,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<BallotRow>> {
    ballots::table
        .filter(ballots::budget_id.eq(budget_id))
        .filter(ballots::id.gt(after))
        .select(BallotRow::as_select())
        .order(ballots::id.asc())
        .limit(limit)
        .load(conn)
}

/// A page of the ids of a budget's counted ballots, those after `after` in id order (what an
/// export shuffles before reading the ballots page by page).
pub fn ids_of_budget_after(
    conn: &mut DbConn,
    budget_id: &BudgetId,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    ballots::table
        .filter(ballots::budget_id.eq(budget_id))
        .filter(ballots::id.gt(after))
        .select(ballots::id)
        .order(ballots::id.asc())
        .limit(limit)
        .load(conn)
}

/// The ballots with these ids, in no particular order.
pub fn by_ids(conn: &mut DbConn, ids: &[BallotId]) -> QueryResult<Vec<BallotRow>> {
    ballots::table
        .filter(ballots::id.eq_any(ids))
        .select(BallotRow::as_select())
        .load(conn)
}

pub fn insert_receipt(conn: &mut DbConn, row: &ReceiptRow) -> QueryResult<()> {
    diesel::insert_into(receipts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Marks the ballot's current receipt as replaced.
pub fn supersede_receipts(
    conn: &mut DbConn,
    ballot_id: &BallotId,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        receipts::table
            .filter(receipts::ballot_id.eq(ballot_id))
            .filter(receipts::superseded_at.is_null()),
    )
    .set(receipts::superseded_at.eq(at))
    .execute(conn)
    .map(|_| ())
}

pub fn current_receipt(conn: &mut DbConn, ballot_id: &BallotId) -> QueryResult<Option<ReceiptRow>> {
    receipts::table
        .filter(receipts::ballot_id.eq(ballot_id))
        .filter(receipts::superseded_at.is_null())
        .select(ReceiptRow::as_select())
        .first(conn)
        .optional()
}

pub fn receipt(conn: &mut DbConn, code: &str) -> QueryResult<ReceiptRow> {
    receipts::table
        .find(code)
        .select(ReceiptRow::as_select())
        .first(conn)
}

/// The first reply to a ballot sent with an `Idempotency-Key`, kept so that a retry gets it
/// again. Names nobody: the row's key is a keyed hash of the voter's key in the budget and the
/// client's key, and the reply (with its receipt) is sealed under a key derived from the
/// pepper and the cycle's ballot key ([`crate::service::ballots`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotentReply {
    pub key_mac: String,
    /// Its rows all go when the cycle's voting closes.
    pub cycle_id: CycleId,
    /// hex(nonce ‖ ciphertext) of the request's hash, the status and the body.
    pub sealed_reply: String,
    /// Rounded up to the hour, so it says no more than the hour of the ballot.
    pub expires_at: NaiveDateTime,
}

/// The stored reply under this key, unless it has expired.
pub fn stored_reply(
    conn: &mut DbConn,
    key_mac: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<IdempotentReply>> {
    idempotency_keys::table
        .find(key_mac)
        .filter(idempotency_keys::expires_at.gt(now))
        .select(IdempotentReply::as_select())
        .first(conn)
        .optional()
}

/// Stores a reply, replacing an expired one under the same key. A live one is never
/// replaced: a concurrent retry that got past the lookup before the first request committed
/// then fails on the key (a unique violation, so the retry runs again and replays the stored
/// reply) instead of recording the ballot a second time.
pub fn store_reply(
    conn: &mut DbConn,
    reply: &IdempotentReply,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find(&reply.key_mac)
            .filter(idempotency_keys::expires_at.le(now)),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(reply)
        .execute(conn)
        .map(|_| ())
}

/// Forgets the cycle's stored replies (its voting is over).
pub fn forget_replies_of_cycle(conn: &mut DbConn, cycle_id: &CycleId) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::cycle_id.eq(cycle_id)))
        .execute(conn)
}

/// Forgets the replies that expired by `now`.
pub fn forget_expired_replies(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now)))
        .execute(conn)
}

/// (online, paper) ballots of a budget.
pub fn count_by_channel(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<(i64, i64)> {
    let count = |conn: &mut DbConn, channel: &str| {
        ballots::table
            .filter(ballots::budget_id.eq(budget_id))
            .filter(ballots::channel.eq(channel))
            .count()
            .get_result::<i64>(conn)
    };
    Ok((count(conn, "online")?, count(conn, "paper")?))
}

/// A page of the receipt codes of the budget's counted ballots (each ballot's current
/// receipt; paper ballots have none): those after `after` in the database's order.
pub fn counted_receipts_after(
    conn: &mut DbConn,
    budget_id: &BudgetId,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    receipts::table
        .filter(receipts::budget_id.eq(budget_id))
        .filter(receipts::superseded_at.is_null())
        .filter(receipts::code.gt(after))
        .order(receipts::code.asc())
        .limit(limit)
        .select(receipts::code)
        .load(conn)
}

/// One counter of `participation`: who took part, coarsely, with no ballot id, time or order
/// that matches a ballot. The district and age band are the voter's at their first ballot in
/// the budget (`""` when unknown: paper, no district); the day is the municipality's calendar
/// day then. Each key is spread over [`SHARDS`] rows so that ballots do not queue on one row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = participation)]
pub struct Participation {
    pub budget_id: BudgetId,
    pub channel: String,
    pub district_id: DistrictId,
    pub age_band: String,
    pub day: String,
    pub shard: i32,
    pub ballots: i64,
}

/// Rows per counter key. In a pgbench of one ballot insert plus this upsert per transaction
/// (32 clients, one key, PostgreSQL 15 on 2 busy cores): one row 2,143 tps, 8 shards 4,252 to
/// 5,238, 32 shards 6,295, no counter 10,401 to 11,675.
pub const SHARDS: i32 = 32;

/// Adds `row.ballots` to its counter: insert, or add on conflict, one statement on both
/// backends (the multi-backend connection has no upsert, so each backend runs it itself).
pub fn count_participation(conn: &mut DbConn, row: &Participation) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let upsert = diesel::insert_into(participation::table)
        .values(row)
        .on_conflict((
            participation::budget_id,
            participation::channel,
            participation::district_id,
            participation::age_band,
            participation::day,
            participation::shard,
        ))
        .do_update()
        .set(participation::ballots.eq(participation::ballots + excluded(participation::ballots)));
    match conn {
        DbConn::Sqlite(c) => upsert.execute(c),
        DbConn::Postgresql(c) => upsert.execute(c),
    }
    .map(|_| ())
}

/// The budget's counters, shards not yet added up.
pub fn participation_of(
    conn: &mut DbConn,
    budget_id: &BudgetId,
) -> QueryResult<Vec<Participation>> {
    participation::table
        .filter(participation::budget_id.eq(budget_id))
        .select(Participation::as_select())
        .load(conn)
}

/// Rewrites a budget's ballots and receipts in a random order (PostgreSQL). A heap keeps rows
/// in the order they were inserted, and a dump lists them in that order: the order of first
/// ballots could be laid beside the order of logins. Done when the cycle is published, with
/// the ballot key's destruction, so what remains says nothing of who voted when. SQLite keeps
/// both tables in key order (`WITHOUT ROWID`, random ids), so there is nothing to do there.
pub fn shuffle_storage(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<()> {
    use diesel::sql_types::Text;
    let DbConn::Postgresql(pg) = conn else {
        return Ok(());
    };
    // (A utility statement such as `CREATE TABLE … AS` takes no parameters.)
    for table in ["ballots", "receipts"] {
        diesel::sql_query(format!("CREATE TEMP TABLE shuffled_{table} (LIKE {table})"))
            .execute(pg)?;
    }
    // Receipts point at ballots: kept aside and put back after them.
    let steps = [
        "INSERT INTO shuffled_ballots SELECT * FROM ballots WHERE budget_id = $1",
        "INSERT INTO shuffled_receipts SELECT * FROM receipts WHERE budget_id = $1",
        "DELETE FROM receipts WHERE budget_id = $1",
        "DELETE FROM ballots WHERE budget_id = $1",
        "INSERT INTO ballots SELECT * FROM shuffled_ballots WHERE budget_id = $1 ORDER BY random()",
        "INSERT INTO receipts SELECT * FROM shuffled_receipts WHERE budget_id = $1 ORDER BY random()",
    ];
    for step in steps {
        diesel::sql_query(step)
            .bind::<Text, _>(budget_id)
            .execute(pg)?;
    }
    diesel::sql_query("DROP TABLE shuffled_ballots, shuffled_receipts").execute(pg)?;
    Ok(())
}
