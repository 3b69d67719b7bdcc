//! Rows of `tallies`: the stored count of a budget.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::tallies;
use super::DbConn;
use crate::domain::ids::BudgetId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tallies)]
pub struct TallyRow {
    pub budget_id: BudgetId,
    /// JSON of the engine's [`crate::tally::TallyResult`].
    pub result: String,
    pub ballots_counted: i64,
    pub computed_at: NaiveDateTime,
    pub computed_by: String,
}

pub fn find(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<TallyRow> {
    tallies::table
        .find(budget_id)
        .select(TallyRow::as_select())
        .first(conn)
}

/// Stores the count, replacing an earlier one (a cycle can be recounted until published).
pub fn store(conn: &mut DbConn, row: &TallyRow) -> QueryResult<()> {
    diesel::delete(tallies::table.find(&row.budget_id)).execute(conn)?;
    diesel::insert_into(tallies::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Drops a stored count that no longer covers every ballot.
pub fn discard(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<()> {
    diesel::delete(tallies::table.find(budget_id))
        .execute(conn)
        .map(|_| ())
}
