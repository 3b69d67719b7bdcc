//! The cache of each budget's frozen ballot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDateTime;

use crate::db::budgets::BudgetRow;
use crate::db::proposals::{self, ProposalRow};
use crate::db::DbConn;
use crate::domain::ids::BudgetId;
use crate::service::Result;

/// The proposals on each budget's frozen ballot, kept between ballots. Opening voting sets
/// them (`on_ballot`) and the budget's `frozen_at` in one transaction, and nothing changes
/// either afterwards (proposals and budgets refuse edits from voting on), so an entry keyed by
/// the budget and the instant it was frozen cannot go stale.
#[derive(Clone, Default)]
pub struct FrozenBallots(Arc<Mutex<OnBallot>>);

/// Budget and freeze instant → the proposals on its ballot.
type OnBallot = HashMap<(BudgetId, NaiveDateTime), Arc<[ProposalRow]>>;

impl FrozenBallots {
    /// Budgets in voting at once are few; past this many entries the cache starts again.
    const MAX_ENTRIES: usize = 1024;

    /// The budget's ballot, from the cache once the budget is frozen.
    pub(super) fn on_ballot(
        &self,
        conn: &mut DbConn,
        budget: &BudgetRow,
    ) -> Result<Arc<[ProposalRow]>> {
        let Some(frozen_at) = budget.frozen_at else {
            return Ok(proposals::on_ballot(conn, &budget.id)?.into());
        };
        let key = (budget.id.clone(), frozen_at);
        let cached = self.entries().get(&key).cloned();
        if let Some(rows) = cached {
            return Ok(rows);
        }
        let rows: Arc<[ProposalRow]> = proposals::on_ballot(conn, &budget.id)?.into();
        let mut entries = self.entries();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, rows.clone());
        Ok(rows)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, OnBallot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
