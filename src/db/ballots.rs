//! Rows of `ballots` and `receipts`, and the idempotent replies of `idempotency_keys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{ballots, idempotency_keys, receipts};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ballots)]
pub struct BallotRow {
    pub id: String,
    pub budget_id: String,
    /// Keyed hash of (budget, person); `None` for paper ballots.
    pub voter_key: Option<String>,
    /// `online` or `paper`.
    pub channel: String,
    pub polling_station: Option<String>,
    /// JSON list of selections as cast.
    pub selections: String,
    pub cast_at: NaiveDateTime,
    pub revision: i32,
    /// The voter's district when this version was cast; `None` for paper ballots and voters
    /// without a district. For participation statistics only.
    pub voter_district_id: Option<String>,
    /// The voter's age band then ([`crate::domain::settings::age_band`]); `None` for paper.
    pub voter_age_band: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub code: String,
    pub budget_id: String,
    pub ballot_id: String,
    pub issued_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &BallotRow) -> QueryResult<()> {
    diesel::insert_into(ballots::table)
        .values(row)
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
    budget_id: &str,
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
pub fn replace(conn: &mut DbConn, id: &str, new: &BallotRow) -> QueryResult<()> {
    diesel::update(ballots::table.find(id))
        .set((
            ballots::selections.eq(&new.selections),
            ballots::cast_at.eq(new.cast_at),
            ballots::revision.eq(ballots::revision + 1),
            ballots::voter_district_id.eq(&new.voter_district_id),
            ballots::voter_age_band.eq(&new.voter_age_band),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A page of a budget's counted ballots, those after `after` in id order (the order the
/// tally reads them in).
pub fn of_budget_after(
    conn: &mut DbConn,
    budget_id: &str,
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
    budget_id: &str,
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
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<BallotRow>> {
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
    ballot_id: &str,
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

pub fn current_receipt(conn: &mut DbConn, ballot_id: &str) -> QueryResult<Option<ReceiptRow>> {
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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotentReply {
    pub account_id: String,
    pub idempotency_key: String,
    /// SHA-256 of what was asked, so a reused key with another request is refused.
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
    pub created_at: NaiveDateTime,
}

pub fn stored_reply(
    conn: &mut DbConn,
    account_id: &str,
    key: &str,
) -> QueryResult<Option<IdempotentReply>> {
    idempotency_keys::table
        .find((account_id, key))
        .select(IdempotentReply::as_select())
        .first(conn)
        .optional()
}

pub fn store_reply(conn: &mut DbConn, reply: &IdempotentReply) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(reply)
        .execute(conn)
        .map(|_| ())
}

/// (online, paper) ballots of a budget.
pub fn count_by_channel(conn: &mut DbConn, budget_id: &str) -> QueryResult<(i64, i64)> {
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
    budget_id: &str,
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

/// What participation statistics know of a ballot: channel, the voter's district and age
/// band when it was cast, and when.
pub type BallotFacts = (
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

/// A page of the budget's ballots' facts (id first), after `after` in id order.
pub fn facts_after(
    conn: &mut DbConn,
    budget_id: &str,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<BallotFacts>> {
    ballots::table
        .filter(ballots::budget_id.eq(budget_id))
        .filter(ballots::id.gt(after))
        .order(ballots::id.asc())
        .limit(limit)
        .select((
            ballots::id,
            ballots::channel,
            ballots::voter_district_id,
            ballots::voter_age_band,
            ballots::cast_at,
        ))
        .load(conn)
}
