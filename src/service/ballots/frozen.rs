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
        self.on_ballot_with(budget, || Ok(proposals::on_ballot(conn, &budget.id)?))
    }

    /// The cache's rule, with `load` reading the ballot: an unfrozen budget's ballot is read
    /// every time (it may still change), a frozen one's once per freeze.
    fn on_ballot_with(
        &self,
        budget: &BudgetRow,
        load: impl FnOnce() -> Result<Vec<ProposalRow>>,
    ) -> Result<Arc<[ProposalRow]>> {
        let Some(frozen_at) = budget.frozen_at else {
            return Ok(load()?.into());
        };
        let key = (budget.id.clone(), frozen_at);
        let cached = self.entries().get(&key).cloned();
        if let Some(rows) = cached {
            return Ok(rows);
        }
        let rows: Arc<[ProposalRow]> = load()?.into();
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::service::test_support::{budget, date, proposal};

    fn frozen(id: &str, day: u32) -> BudgetRow {
        BudgetRow {
            frozen_at: date(2026, 3, day).and_hms_opt(9, 0, 0),
            ..budget(id, 1_000)
        }
    }

    /// Reads `budget`'s ballot through `cache`, counting the loads in `loads`.
    fn read(cache: &FrozenBallots, budget: &BudgetRow, loads: &Cell<u32>) -> Arc<[ProposalRow]> {
        cache
            .on_ballot_with(budget, || {
                loads.set(loads.get() + 1);
                Ok(vec![proposal("p-1", "Park", 100)])
            })
            .unwrap()
    }

    #[test]
    fn an_unfrozen_ballot_is_read_every_time() {
        let (cache, loads) = (FrozenBallots::default(), Cell::new(0));
        let open = budget("b-1", 1_000);
        read(&cache, &open, &loads);
        read(&cache, &open, &loads);
        assert_eq!(loads.get(), 2);
        assert!(cache.entries().is_empty());
    }

    #[test]
    fn a_frozen_ballot_is_read_once_per_freeze() {
        let (cache, loads) = (FrozenBallots::default(), Cell::new(0));
        let first = read(&cache, &frozen("b-1", 1), &loads);
        let again = read(&cache, &frozen("b-1", 1), &loads);
        assert_eq!(loads.get(), 1);
        assert!(Arc::ptr_eq(&first, &again));
        read(&cache, &frozen("b-1", 2), &loads);
        read(&cache, &frozen("b-2", 1), &loads);
        assert_eq!(loads.get(), 3);
    }

    #[test]
    fn a_failed_read_is_not_cached() {
        let (cache, loads) = (FrozenBallots::default(), Cell::new(0));
        let b = frozen("b-1", 1);
        let failed = cache.on_ballot_with(&b, || Err(crate::service::Error::Internal));
        assert!(failed.is_err());
        read(&cache, &b, &loads);
        assert_eq!(loads.get(), 1);
    }

    #[test]
    fn a_full_cache_starts_again() {
        let (cache, loads) = (FrozenBallots::default(), Cell::new(0));
        for i in 0..FrozenBallots::MAX_ENTRIES {
            read(&cache, &frozen(&format!("b-{i}"), 1), &loads);
        }
        assert_eq!(cache.entries().len(), FrozenBallots::MAX_ENTRIES);
        read(&cache, &frozen("one-more", 1), &loads);
        assert_eq!(cache.entries().len(), 1);
    }
}
