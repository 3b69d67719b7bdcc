//! Rows of `tallies`: the stored count of a budget.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::schema::tallies;
use super::DbConn;
use crate::domain::ids::{AccountId, BudgetId};
use crate::tally::TallyResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tallies)]
pub struct TallyRow {
    pub budget_id: BudgetId,
    /// JSON of the engine's [`TallyResult`] in the column.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub result: StoredResult,
    pub ballots_counted: i64,
    pub computed_at: NaiveDateTime,
    pub computed_by: AccountId,
}

/// A stored count: the engine's JSON exactly as it was written (archives publish it and the
/// audit log hashes it, byte for byte), the figures the results are read from, and the whole
/// document as the results show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResult {
    pub json: String,
    pub figures: Figures,
    /// The engine's result is documented (`docs/tally-json.md`) and only ever shown whole, so
    /// it stays a `Value`: the results have always shown it with its keys sorted.
    pub document: serde_json::Value,
}

/// What the results and exports read of a stored count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Figures {
    /// Funded proposals in the order they were funded.
    #[serde(default)]
    pub selected: Vec<String>,
    #[serde(default, rename = "projects")]
    pub proposals: Vec<ProposalFigures>,
}

/// One proposal's line of a stored count.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProposalFigures {
    pub id: String,
    #[serde(default)]
    pub votes: u64,
    /// Approvals or points, a decimal string.
    #[serde(default = "zero")]
    pub score: String,
}

fn zero() -> String {
    "0".to_string()
}

impl StoredResult {
    /// The count the engine returned, as it is stored.
    pub fn of(result: &TallyResult) -> serde_json::Result<Self> {
        Self::try_from(serde_json::to_string(result)?)
    }
}

/// The JSON column, decoded; the text is kept as it was.
impl TryFrom<String> for StoredResult {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        let document: serde_json::Value = serde_json::from_str(&json)?;
        let figures = Figures::deserialize(&document)?;
        Ok(StoredResult {
            json,
            figures,
            document,
        })
    }
}

/// The JSON column, encoded: the text it was read from.
impl From<StoredResult> for String {
    fn from(result: StoredResult) -> String {
        result.json
    }
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
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Drops a stored count that no longer covers every ballot.
pub fn discard(conn: &mut DbConn, budget_id: &BudgetId) -> QueryResult<()> {
    diesel::delete(tallies::table.find(budget_id))
        .execute(conn)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_count_keeps_its_text_and_reads_its_figures() {
        let stored = r#"{"schema":"kurultai.tally/1","rule":"greedy","completion":"none","tie_break":"pabutools","budget":"100","selected":["p2","p1"],"total_cost":"90","budget_left":"10","projects":[{"id":"p1","cost":"40","votes":3,"score":"3","selected":true},{"id":"p2","cost":"50","votes":5,"score":"5.5","selected":true}],"trace":[]}"#;
        let result = StoredResult::try_from(stored.to_string()).unwrap();
        assert_eq!(result.figures.selected, ["p2", "p1"]);
        assert_eq!(result.figures.proposals[1].votes, 5);
        assert_eq!(result.figures.proposals[1].score, "5.5");
        assert_eq!(result.document["budget_left"], "10");
        assert_eq!(String::from(result), stored);
        assert!(StoredResult::try_from("{".to_string()).is_err());
    }
}
