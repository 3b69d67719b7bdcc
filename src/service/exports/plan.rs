//! The plan of a `.pb`: who may export, whether the count covers every ballot, the head, and
//! the ballots' ids in a fresh random order; and the re-check before the export is recorded.

use rand::seq::SliceRandom;
use uuid::Uuid;

use crate::db::budgets::BudgetRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::{self, ProposalRow};
use crate::db::tallies::{self, TallyRow};
use crate::db::{ballots, by_pages, districts, DbConn};
use crate::domain::budget::BallotSpec;
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::BudgetId;
use crate::pabulib::{PbFile, Table};
use crate::service::scope::{self, CycleScope};
use crate::service::Actor;
use crate::service::{Error, Result};

use super::head::{meta, projects, Money, Names};
use super::votes::vote_columns;
use super::{not_tallied, EXPORTERS};

/// Ballot ids read per query before shuffling.
const ID_PAGE: i64 = 10_000;

/// A budget's `.pb`, ready to be written: the checked head (META, PROJECTS, VOTES columns)
/// and the counted ballots' ids in the order their lines will have.
pub struct PbPlan {
    pub(super) file: PbFile,
    pub(super) spec: BallotSpec,
    pub budget: BudgetRow,
    pub municipality: Municipality,
    /// The stored count the file describes.
    pub tally: TallyRow,
    /// The frozen ballot's proposals, in the tally's order.
    pub on_ballot: Vec<ProposalRow>,
    pub(super) ids: Vec<Uuid>,
}

/// Authorises, checks the cycle and the count, builds the head and shuffles the ballot ids.
pub fn plan_pb(conn: &mut DbConn, caller: &Actor, budget_id: &BudgetId) -> Result<PbPlan> {
    let mut plan = head(conn, caller, budget_id)?;
    plan.ids = shuffled_ids(conn, &plan.budget.id, plan.tally.ballots_counted)?;
    Ok(plan)
}

/// Refuses to hand out an export when the count it describes is no longer the stored one
/// (a recount in between would make its `selected` column stale) or a paper batch came in.
/// Call it in the transaction that records the export.
pub fn still_counted_as(conn: &mut DbConn, tally: &TallyRow) -> Result<()> {
    let changed = || {
        Error::conflict(
            "cycle_changed",
            "The count changed while exporting; export again.",
        )
    };
    match tallies::find(conn, &tally.budget_id) {
        Ok(now) if now.computed_at == tally.computed_at => {}
        Ok(_) | Err(diesel::result::Error::NotFound) => return Err(changed()),
        Err(e) => return Err(e.into()),
    }
    let (online, paper) = ballots::count_by_channel(conn, &tally.budget_id)?;
    if online + paper != tally.ballots_counted {
        return Err(changed());
    }
    Ok(())
}

/// Authorises, checks the cycle and the count, and builds META and PROJECTS (no ids yet).
fn head(conn: &mut DbConn, caller: &Actor, budget_id: &BudgetId) -> Result<PbPlan> {
    let (budget, scope) = scope::budget(conn, budget_id)?;
    check_may_export(caller, &scope)?;
    let tally = tallies::find(conn, &budget.id).map_err(|e| match e {
        diesel::result::Error::NotFound => not_tallied(),
        other => other.into(),
    })?;
    let (online, paper) = ballots::count_by_channel(conn, &budget.id)?;
    if online + paper != tally.ballots_counted {
        return Err(not_tallied());
    }
    let district = match &budget.district_id {
        Some(id) => Some(districts::find(conn, &scope.municipality.id, id)?),
        None => None,
    };
    let on_ballot = proposals::on_ballot(conn, &budget.id)?;
    let spec = budget.ballot_rules.clone();
    let rule = budget.counting_rule.clone();
    let mut file = PbFile::default();
    let names = Names {
        default: scope.municipality.default_language().to_string(),
    };
    let money = Money::of(&scope.municipality)?;
    meta(
        &mut file,
        &scope,
        &budget,
        district.map(|d| d.names),
        &names,
        &money,
        &spec,
        &rule,
        on_ballot.len(),
    )?;
    // Every counted ballot is a line: `shuffled_ids` checks there are exactly this many.
    file.set_meta("num_votes", tally.ballots_counted.to_string());
    file.projects = projects(&on_ballot, &tally, &spec, &names, &money)?;
    file.votes = Table {
        columns: vote_columns(&spec),
        rows: Vec::new(),
    };
    Ok(PbPlan {
        file,
        spec,
        budget,
        municipality: scope.municipality,
        tally,
        on_ballot,
        ids: Vec::new(),
    })
}

/// A budget's officials and auditors export it once voting has closed: while ballots may
/// still come in, a file would describe a count that is not final.
fn check_may_export(caller: &Actor, scope: &CycleScope) -> Result<()> {
    scope.check_role(caller, EXPORTERS)?;
    if !matches!(scope.status, CycleStatus::Closed | CycleStatus::Published) {
        return Err(Error::conflict(
            "cycle_not_closed",
            "A budget is exported once voting has closed.",
        ));
    }
    Ok(())
}

/// The ids of every counted ballot, in a uniformly random order from a generator seeded by
/// the OS and forgotten afterwards: nothing stored orders the ballots this way. 16 bytes a
/// ballot: the one thing an export holds for every ballot at once (a permutation needs them).
fn shuffled_ids(conn: &mut DbConn, budget_id: &BudgetId, counted: i64) -> Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(usize::try_from(counted).unwrap_or(0));
    by_pages::<_, Error>(
        |after| ballots::ids_of_budget_after(conn, budget_id, after, ID_PAGE),
        String::as_str,
        |page| {
            for id in &page {
                ids.push(Uuid::parse_str(id).map_err(Error::internal)?);
            }
            Ok(())
        },
    )?;
    if ids.len() as i64 != counted {
        return Err(not_tallied());
    }
    ids.shuffle(&mut rand::thread_rng());
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::service::test_support::{actor, cycle_scope, municipality};

    fn code(caller: &Actor, status: CycleStatus) -> &'static str {
        let scope = cycle_scope(municipality("m-1"), status);
        check_may_export(caller, &scope).map_or_else(|e| e.code(), |()| "ok")
    }

    #[test]
    fn officials_and_auditors_export_once_voting_has_closed() {
        for role in [Role::Official, Role::Auditor] {
            let caller = actor(role, Some("m-1"));
            for (status, expected) in [
                (CycleStatus::Draft, "cycle_not_closed"),
                (CycleStatus::Submission, "cycle_not_closed"),
                (CycleStatus::Review, "cycle_not_closed"),
                (CycleStatus::Voting, "cycle_not_closed"),
                (CycleStatus::Closed, "ok"),
                (CycleStatus::Published, "ok"),
            ] {
                assert_eq!(code(&caller, status), expected, "{role:?} {status:?}");
            }
        }
    }

    #[test]
    fn nobody_else_exports_and_other_tenants_learn_nothing() {
        for role in [Role::Resident, Role::MunicipalityAdmin] {
            let caller = actor(role, Some("m-1"));
            assert_eq!(
                code(&caller, CycleStatus::Published),
                "forbidden",
                "{role:?}"
            );
        }
        assert_eq!(
            code(&actor(Role::PlatformAdmin, None), CycleStatus::Published),
            "forbidden"
        );
        let elsewhere = actor(Role::Auditor, Some("m-2"));
        assert_eq!(code(&elsewhere, CycleStatus::Published), "not_found");
        // The role is checked first: a resident learns nothing of the cycle's phase.
        let resident = actor(Role::Resident, Some("m-1"));
        assert_eq!(code(&resident, CycleStatus::Voting), "forbidden");
    }
}
