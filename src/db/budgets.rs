//! Rows of `budgets`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

use super::cycles::CycleRow;
use super::municipalities::{decode as decode_municipality, Municipality, MunicipalityRow};
use super::residents::ResidentRow;
use super::schema::{accounts, budgets, cycles, municipalities, residents, sessions};
use super::{sessions as session_rows, DbConn};
use crate::domain::budget::{BallotSpec, CountingRule};
use crate::domain::ids::{AccountId, BudgetId, CycleId, DistrictId, MunicipalityId, SessionId};
use crate::domain::AccountStatus;
use crate::domain::{Methods, Texts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = budgets, treat_none_as_null = true)]
pub struct BudgetRow {
    pub id: BudgetId,
    pub cycle_id: CycleId,
    pub municipality_id: MunicipalityId,
    /// Language tag → name (a JSON object in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub names: Texts,
    /// `None`: city-wide.
    pub district_id: Option<DistrictId>,
    pub amount_minor: i64,
    /// A JSON object in the column.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub ballot_rules: BallotSpec,
    /// A JSON object in the column.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub counting_rule: CountingRule,
    /// When voting opened and the rules were frozen.
    pub frozen_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The verification methods that count for voting here (a JSON array in the column);
    /// empty: any the municipality offers.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub accepted_verifications: Methods,
}

pub fn insert(conn: &mut DbConn, row: &BudgetRow) -> QueryResult<()> {
    diesel::insert_into(budgets::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Removes a budget; the caller has checked that nothing refers to it.
pub fn delete(conn: &mut DbConn, id: &BudgetId) -> QueryResult<()> {
    diesel::delete(budgets::table.find(id))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &BudgetId) -> QueryResult<BudgetRow> {
    budgets::table
        .find(id)
        .select(BudgetRow::as_select())
        .first(conn)
}

/// A budget joined with its cycle and the cycle's municipality (the start of the locked reads).
macro_rules! budget_with_cycle {
    ($id:expr) => {
        budgets::table
            .inner_join(cycles::table)
            .inner_join(municipalities::table.on(municipalities::id.eq(cycles::municipality_id)))
            .filter(budgets::id.eq($id))
    };
}

/// A budget with its cycle and the cycle's municipality, in one query, the cycle read so that
/// it cannot change status until this transaction ends: a shared lock on the cycle's row on
/// PostgreSQL (ballots take it; a transition's `UPDATE` waits for them, and they wait for it),
/// and neither on the budget's nor on the municipality's. SQLite has one writer at a time,
/// which gives the same order.
pub fn find_with_cycle_locked(
    conn: &mut DbConn,
    id: &BudgetId,
) -> QueryResult<(BudgetRow, CycleRow, Municipality)> {
    macro_rules! query {
        () => {
            budget_with_cycle!(id)
                .select((
                    BudgetRow::as_select(),
                    CycleRow::as_select(),
                    MunicipalityRow::as_select(),
                ))
                .limit(1)
        };
    }
    let (budget, cycle, municipality): (BudgetRow, CycleRow, MunicipalityRow) = match conn {
        DbConn::Postgresql(pg) => ForShareOfCycles(query!()).get_result(pg),
        DbConn::Sqlite(sqlite) => query!().get_result(sqlite),
    }?;
    Ok((budget, cycle, decode_municipality(municipality)?))
}

/// What a ballot reads first, in one round trip: the budget with its cycle (locked as by
/// [`find_with_cycle_locked`]) and municipality, and the caller's session.
pub struct BallotRead {
    pub budget: BudgetRow,
    pub cycle: CycleRow,
    pub municipality: Municipality,
    /// The session is live ([`session_rows::is_live`]) and its account active.
    pub session_live: bool,
    /// That account's resident registration, if it has one.
    pub resident: Option<ResidentRow>,
}

/// [`find_with_cycle_locked`] and the session check of the same caller as one query (the
/// session's tables are left-joined, so the budget row comes back whatever the session's
/// state). `None`: no such budget.
pub fn find_for_ballot_locked(
    conn: &mut DbConn,
    id: &BudgetId,
    session_id: &SessionId,
    account_id: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<Option<BallotRead>> {
    macro_rules! query {
        () => {
            budget_with_cycle!(id)
                .left_join(sessions::table.on(session_rows::is_live(
                    session_id.clone(),
                    account_id.clone(),
                    now,
                )))
                .left_join(
                    accounts::table.on(accounts::id
                        .eq(sessions::account_id)
                        .and(accounts::status.eq(AccountStatus::Active.as_str()))),
                )
                .left_join(residents::table.on(residents::account_id.eq(accounts::id)))
                .select((
                    BudgetRow::as_select(),
                    CycleRow::as_select(),
                    MunicipalityRow::as_select(),
                    accounts::id.nullable(),
                    Option::<ResidentRow>::as_select(),
                ))
                .limit(1)
        };
    }
    type Row = (
        BudgetRow,
        CycleRow,
        MunicipalityRow,
        Option<String>,
        Option<ResidentRow>,
    );
    let found: Option<Row> = match conn {
        DbConn::Postgresql(pg) => ForShareOfCycles(query!()).get_result(pg),
        DbConn::Sqlite(sqlite) => query!().get_result(sqlite),
    }
    .optional()?;
    found
        .map(|(budget, cycle, municipality, live_account, resident)| {
            Ok(BallotRead {
                budget,
                cycle,
                municipality: decode_municipality(municipality)?,
                session_live: live_account.is_some(),
                resident,
            })
        })
        .transpose()
}

/// `… FOR SHARE OF cycles` (diesel's `for_share()` has no `OF`, and would lock a row of every
/// table in the join).
#[derive(QueryId)]
struct ForShareOfCycles<Q>(Q);

impl<Q: Query> Query for ForShareOfCycles<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for ForShareOfCycles<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(" FOR SHARE OF cycles");
        Ok(())
    }
}

impl<Q> RunQueryDsl<PgConnection> for ForShareOfCycles<Q> {}

pub fn of_cycle(conn: &mut DbConn, cycle_id: &CycleId) -> QueryResult<Vec<BudgetRow>> {
    budgets::table
        .filter(budgets::cycle_id.eq(cycle_id))
        .select(BudgetRow::as_select())
        .order((budgets::created_at.asc(), budgets::id.asc()))
        .load(conn)
}

/// The budgets of several cycles in one query, by cycle, each cycle's in creation order.
pub fn of_cycles(
    conn: &mut DbConn,
    cycle_ids: &[CycleId],
) -> QueryResult<HashMap<CycleId, Vec<BudgetRow>>> {
    let rows: Vec<BudgetRow> = budgets::table
        .filter(budgets::cycle_id.eq_any(cycle_ids))
        .select(BudgetRow::as_select())
        .order((budgets::created_at.asc(), budgets::id.asc()))
        .load(conn)?;
    let mut by_cycle: HashMap<CycleId, Vec<BudgetRow>> = HashMap::new();
    for row in rows {
        by_cycle.entry(row.cycle_id.clone()).or_default().push(row);
    }
    Ok(by_cycle)
}

pub fn update(conn: &mut DbConn, row: &BudgetRow) -> QueryResult<()> {
    diesel::update(budgets::table.find(&row.id))
        .set(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn freeze_cycle(conn: &mut DbConn, cycle_id: &CycleId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(budgets::table.filter(budgets::cycle_id.eq(cycle_id)))
        .set(budgets::frozen_at.eq(at))
        .execute(conn)
        .map(|_| ())
}
