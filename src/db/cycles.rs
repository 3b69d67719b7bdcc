//! Rows of `cycles`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::cycles;
use super::DbConn;
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{CycleId, MunicipalityId};
use crate::domain::Texts;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cycles, treat_none_as_null = true)]
pub struct CycleRow {
    pub id: CycleId,
    pub municipality_id: MunicipalityId,
    /// Language tag → name (a JSON object in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub names: Texts,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: CycleStatus,
    pub submission_opens_at: Option<NaiveDateTime>,
    pub voting_opens_at: Option<NaiveDateTime>,
    /// When voting closes by itself (UTC), if scheduled.
    pub voting_closes_at: Option<NaiveDateTime>,
    pub voting_opened_at: Option<NaiveDateTime>,
    pub voting_closed_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    /// Key of the voters' ballot slots (see `service::ballots`); `None` before voting and
    /// after publication or cancellation.
    pub ballot_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &CycleRow) -> QueryResult<()> {
    diesel::insert_into(cycles::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &CycleId) -> QueryResult<CycleRow> {
    cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .first(conn)
}

/// The cycle, read so that no ballot can commit under its current status until this
/// transaction ends: `FOR UPDATE` on PostgreSQL waits for every ballot transaction holding the
/// row `FOR SHARE` ([`super::budgets::find_for_ballot_locked`]), and ballots that come later
/// wait for this one. On SQLite the write transaction already holds the one write lock.
/// Every close reads its clock only after this.
pub fn find_for_update(conn: &mut DbConn, id: &CycleId) -> QueryResult<CycleRow> {
    match conn {
        DbConn::Postgresql(pg) => cycles::table
            .find(id)
            .select(CycleRow::as_select())
            .for_update()
            .first(pg),
        DbConn::Sqlite(sqlite) => cycles::table
            .find(id)
            .select(CycleRow::as_select())
            .first(sqlite),
    }
}

/// The municipality's cycles, newest first; drafts only when `with_drafts`.
pub fn of_municipality(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    with_drafts: bool,
) -> QueryResult<Vec<CycleRow>> {
    let mut query = cycles::table
        .filter(cycles::municipality_id.eq(municipality_id))
        .select(CycleRow::as_select())
        .order((cycles::created_at.desc(), cycles::id.asc()))
        .into_boxed();
    if !with_drafts {
        query = query.filter(cycles::status.ne(CycleStatus::Draft.as_str()));
    }
    query.load(conn)
}

pub fn update(conn: &mut DbConn, row: &CycleRow) -> QueryResult<()> {
    diesel::update(cycles::table.find(&row.id))
        .set(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Moves the cycle from `from` to `to` only if it is still in `from`; false if another
/// transaction moved it first.
pub fn move_status(
    conn: &mut DbConn,
    id: &CycleId,
    from: CycleStatus,
    to: CycleStatus,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        cycles::table
            .find(id)
            .filter(cycles::status.eq(from.as_str())),
    )
    .set((cycles::status.eq(to.as_str()), cycles::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The key of the PostgreSQL advisory lock held by the instance sweeping overdue closes
/// (any constant no other lock uses: "KRLT" in ASCII).
pub const SWEEP_LOCK: i64 = 0x4b52_4c54;

/// Takes the sweep of overdue closes for this transaction, if no other instance holds it
/// (`pg_try_advisory_xact_lock`, released at commit): false means another instance is sweeping
/// now. On SQLite the one writer already serialises sweeps, so it is always taken.
pub fn try_take_sweep(conn: &mut DbConn) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Bool};
    match conn {
        DbConn::Postgresql(pg) => diesel::select(
            diesel::dsl::sql::<Bool>("pg_try_advisory_xact_lock(")
                .bind::<BigInt, _>(SWEEP_LOCK)
                .sql(")"),
        )
        .get_result(pg),
        DbConn::Sqlite(_) => Ok(true),
    }
}

/// Cycles in voting whose scheduled close has passed.
pub fn overdue_closes(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<CycleRow>> {
    cycles::table
        .filter(cycles::status.eq(CycleStatus::Voting.as_str()))
        .filter(cycles::voting_closes_at.le(now))
        .select(CycleRow::as_select())
        .load(conn)
}
