//! Rows of `proposals`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::proposals;
use super::DbConn;
use crate::domain::ids::{AccountId, BudgetId, MunicipalityId, ProposalId};
use crate::domain::{Location, ProposalStatus, Texts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = proposals, treat_none_as_null = true)]
pub struct ProposalRow {
    pub id: ProposalId,
    pub budget_id: BudgetId,
    pub municipality_id: MunicipalityId,
    /// Language tag → title (a JSON object in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub titles: Texts,
    /// Language tag → description (a JSON object in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub descriptions: Texts,
    pub cost_minor: i64,
    pub category: Option<String>,
    /// JSON `{"lat": …, "lon": …}`: read and written through [`ProposalRow::location`] and
    /// [`ProposalRow::set_location`].
    pub location: Option<String>,
    pub author_account_id: Option<AccountId>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ProposalStatus,
    pub status_reason: Option<String>,
    /// Approved when voting opened: on the frozen ballot.
    pub on_ballot: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ProposalRow {
    /// The point on the map, decoded from its column.
    pub fn location(&self) -> Result<Option<Location>, serde_json::Error> {
        self.location
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
    }

    /// Stores the point on the map (or none).
    pub fn set_location(&mut self, location: Option<Location>) {
        self.location = location.map(|l| serde_json::to_string(&l).expect("two numbers serialise"));
    }
}

pub fn insert(conn: &mut DbConn, row: &ProposalRow) -> QueryResult<()> {
    diesel::insert_into(proposals::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &ProposalId) -> QueryResult<ProposalRow> {
    proposals::table
        .find(id)
        .select(ProposalRow::as_select())
        .first(conn)
}

pub fn update(conn: &mut DbConn, row: &ProposalRow) -> QueryResult<()> {
    diesel::update(proposals::table.find(&row.id))
        .set(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Every proposal of a budget in a stable order (the order of the frozen ballot too).
pub fn of_budget(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<Vec<ProposalRow>> {
    proposals::table
        .filter(proposals::budget_id.eq(budget_id))
        .select(ProposalRow::as_select())
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .load(conn)
}

/// The frozen ballot of a budget.
pub fn on_ballot(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<Vec<ProposalRow>> {
    proposals::table
        .filter(proposals::budget_id.eq(budget_id))
        .filter(proposals::on_ballot.eq(true))
        .select(ProposalRow::as_select())
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .load(conn)
}

/// How many proposals, of any status, a budget holds.
pub fn count_in_budget(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<i64> {
    proposals::table
        .filter(proposals::budget_id.eq(budget_id))
        .count()
        .get_result(conn)
}

pub fn count_approved(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<i64> {
    proposals::table
        .filter(proposals::budget_id.eq(budget_id))
        .filter(proposals::status.eq(ProposalStatus::Approved.as_str()))
        .count()
        .get_result(conn)
}

/// Puts every approved proposal of the budgets of a cycle on the ballot.
pub fn freeze_ballots(conn: &mut DbConn, budget_ids: &[BudgetId]) -> QueryResult<()> {
    diesel::update(
        proposals::table
            .filter(proposals::budget_id.eq_any(budget_ids))
            .filter(proposals::status.eq(ProposalStatus::Approved.as_str())),
    )
    .set(proposals::on_ballot.eq(true))
    .execute(conn)
    .map(|_| ())
}

/// How many proposals an author has in a cycle's budgets (withdrawn ones included: the limit
/// is on submissions, so withdrawing and resubmitting cannot get around it).
pub fn count_by_author(
    conn: &mut DbConn,
    budget_ids: &[BudgetId],
    author: &AccountId,
) -> QueryResult<i64> {
    proposals::table
        .filter(proposals::budget_id.eq_any(budget_ids))
        .filter(proposals::author_account_id.eq(author))
        .count()
        .get_result(conn)
}

/// How many of the budgets' proposals there are by category and status.
pub fn count_by_category_and_status(
    conn: &mut DbConn,
    budget_ids: &[BudgetId],
) -> QueryResult<Vec<(Option<String>, String, i64)>> {
    proposals::table
        .filter(proposals::budget_id.eq_any(budget_ids))
        .group_by((proposals::category, proposals::status))
        .select((
            proposals::category,
            proposals::status,
            diesel::dsl::count_star(),
        ))
        .order((proposals::category.asc(), proposals::status.asc()))
        .load(conn)
}
