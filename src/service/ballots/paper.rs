//! Paper ballots, entered a polling station's batch at a time.

use serde::Serialize;

use crate::db::ballots::{self as rows, BallotRow};
use crate::db::proposals;
use crate::db::{tallies, Db};
use crate::domain::cycle::CycleStatus;
use crate::domain::selection::Selections;
use crate::service::audit_log;
use crate::service::now;
use crate::service::scope::{self, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

use super::rules::{ballot_election, check};
use super::{participation, stored_day, Selection};
use crate::domain::ids::{BallotId, BudgetId};

/// A batch of paper ballots from one polling station.
pub struct PaperBatch {
    pub polling_station: String,
    pub ballots: Vec<Vec<Selection>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaperReply {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    pub polling_station: String,
    /// Ballots added (the whole batch: a batch is accepted or refused as a whole).
    pub accepted: usize,
}

/// The most ballots in one batch; larger stations send several.
pub const MAX_PAPER_BATCH: usize = 10_000;

/// The batch's polling station, trimmed, once it is named and the batch's size allowed.
fn checked_batch(batch: &PaperBatch) -> Result<String> {
    let station = batch.polling_station.trim().to_string();
    if station.is_empty() || station.chars().count() > 200 {
        return Err(Error::field(
            "polling_station",
            "invalid_polling_station",
            "name the polling station (at most 200 characters)",
        ));
    }
    if batch.ballots.is_empty() || batch.ballots.len() > MAX_PAPER_BATCH {
        return Err(Error::field(
            "ballots",
            "out_of_range",
            format!("a batch holds 1 to {MAX_PAPER_BATCH} ballots"),
        ));
    }
    Ok(station)
}

/// Enters a polling station's paper ballots: all or none. A stored count of the budget is
/// dropped, since it no longer covers every ballot.
pub async fn enter_paper(
    db: &Db,
    caller: &Actor,
    budget_id: BudgetId,
    batch: PaperBatch,
) -> Result<PaperReply> {
    let station = checked_batch(&batch)?;
    let caller = caller.clone();
    db.write(move |conn| {
        let (budget, scope) = scope::budget_locked(conn, &budget_id)?;
        scope.check_role(&caller, OFFICIALS)?;
        if !matches!(
            scope.cycle.status,
            CycleStatus::Voting | CycleStatus::Closed
        ) {
            return Err(Error::conflict(
                "cycle_not_in_voting",
                "Paper ballots are entered during voting or after the close, before publication.",
            ));
        }
        let spec = budget.ballot_rules.clone();
        let on_ballot = proposals::on_ballot(conn, &budget.id)?;
        let election =
            ballot_election(&budget, &on_ballot, &spec, &scope.municipality, Vec::new())?;
        let at = now();
        let mut errors = Vec::new();
        let mut rows_to_insert = Vec::with_capacity(batch.ballots.len());
        for (i, selections) in batch.ballots.into_iter().enumerate() {
            match check(&spec, &election, selections) {
                Ok(checked) => rows_to_insert.push(BallotRow {
                    id: BallotId::new(),
                    budget_id: budget.id.clone(),
                    voter_key: None,
                    channel: "paper".into(),
                    polling_station: Some(station.clone()),
                    selections: Selections(checked.selections),
                    cast_at: stored_day(at),
                    revision: 1,
                }),
                Err(e) => errors.push(crate::domain::FieldError::new(
                    format!("ballots[{i}]"),
                    e.code(),
                    e.detail(),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let accepted = rows_to_insert.len();
        rows::insert_many(conn, &rows_to_insert)?;
        let zone = scope.municipality.settings.time_zone;
        let day = zone.local_date(at.and_utc()).to_string();
        rows::count_participation(
            conn,
            &participation(&budget.id, "paper", None, None, &day, accepted as i64),
        )?;
        tallies::discard(conn, &budget.id)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "paper_ballots.entered",
            "budget",
            &budget.id,
            serde_json::json!({"polling_station": station, "ballots": accepted}),
        )?;
        Ok(PaperReply {
            budget_id: budget.id,
            polling_station: station,
            accepted,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::error_codes;

    fn batch(station: &str, ballots: usize) -> PaperBatch {
        PaperBatch {
            polling_station: station.to_string(),
            ballots: vec![Vec::new(); ballots],
        }
    }

    fn refusal(batch: &PaperBatch) -> Vec<(String, &'static str)> {
        error_codes(&checked_batch(batch).unwrap_err())
    }

    #[test]
    fn a_batch_names_its_polling_station_trimmed_in_at_most_200_characters() {
        assert_eq!(
            checked_batch(&batch("  School 12 ", 1)).unwrap(),
            "School 12"
        );
        let longest = "Ж".repeat(200);
        assert_eq!(checked_batch(&batch(&longest, 1)).unwrap(), longest);
        for bad in ["", "   ", &"Ж".repeat(201)] {
            assert_eq!(
                refusal(&batch(bad, 1)),
                [("polling_station".to_string(), "invalid_polling_station")]
            );
        }
    }

    #[test]
    fn a_batch_holds_one_to_the_most_ballots() {
        assert!(checked_batch(&batch("School 12", MAX_PAPER_BATCH)).is_ok());
        for size in [0, MAX_PAPER_BATCH + 1] {
            assert_eq!(
                refusal(&batch("School 12", size)),
                [("ballots".to_string(), "out_of_range")]
            );
        }
    }
}
