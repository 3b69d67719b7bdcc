//! Rows of `budgets`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::budgets;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = budgets, treat_none_as_null = true)]
pub struct BudgetRow {
    pub id: String,
    pub cycle_id: String,
    pub municipality_id: String,
    /// JSON object: language tag → name.
    pub names: String,
    /// `None`: city-wide.
    pub district_id: Option<String>,
    pub amount_minor: i64,
    /// JSON of [`crate::domain::budget::BallotSpec`].
    pub ballot_rules: String,
    /// JSON of [`crate::domain::budget::CountingRule`].
    pub counting_rule: String,
    /// When voting opened and the rules were frozen.
    pub frozen_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &BudgetRow) -> QueryResult<()> {
    diesel::insert_into(budgets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<BudgetRow> {
    budgets::table
        .find(id)
        .select(BudgetRow::as_select())
        .first(conn)
}

pub fn of_cycle(conn: &mut DbConn, cycle_id: &str) -> QueryResult<Vec<BudgetRow>> {
    budgets::table
        .filter(budgets::cycle_id.eq(cycle_id))
        .select(BudgetRow::as_select())
        .order((budgets::created_at.asc(), budgets::id.asc()))
        .load(conn)
}

pub fn update(conn: &mut DbConn, row: &BudgetRow) -> QueryResult<()> {
    diesel::update(budgets::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn freeze_cycle(conn: &mut DbConn, cycle_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(budgets::table.filter(budgets::cycle_id.eq(cycle_id)))
        .set(budgets::frozen_at.eq(at))
        .execute(conn)
        .map(|_| ())
}
