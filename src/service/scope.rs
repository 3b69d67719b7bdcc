//! Who may see and change a cycle's resources when the path names the resource (`/cycles/{id}`,
//! `/budgets/{id}`, `/proposals/{id}`) rather than the municipality: load the resource with its
//! municipality, then apply the tenancy rule ([`authorise`], which `auth::extract::Staff` applies
//! to a path's `{slug}`) — another
//! municipality's staff get 404, and a draft cycle does not exist for the public.

use crate::db::budgets::{self, BudgetRow};
use crate::db::cycles::{self, CycleRow};
use crate::db::municipalities::{self, Municipality};
use crate::db::DbConn;
use crate::domain::cycle::{effective_status, CycleStatus};
use crate::domain::ids::{BudgetId, CycleId};
use crate::domain::Role;
use crate::service::{Actor, Error, Result};

/// Officials run cycles.
pub const OFFICIALS: &[Role] = &[Role::Official];
/// Everyone who works for a municipality and may read its unpublished data.
pub const STAFF: &[Role] = &[Role::Official, Role::MunicipalityAdmin, Role::Auditor];

/// Whether the caller is staff of this municipality.
pub fn is_staff(caller: Option<&Actor>, municipality: &Municipality) -> bool {
    caller.is_some_and(|c| {
        STAFF.contains(&c.role) && c.municipality_id.as_ref() == Some(&municipality.id)
    })
}

/// Decides whether `actor` may act on `municipality` with one of `allowed`: another
/// municipality's caller gets 404 (ids and slugs of other tenants do not leak), a role not
/// allowed 403. Platform admins act only where `allowed` names them.
pub fn authorise(actor: &Actor, municipality: &Municipality, allowed: &[Role]) -> Result<()> {
    if actor.role == Role::PlatformAdmin {
        return if allowed.contains(&Role::PlatformAdmin) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        };
    }
    if actor.municipality_id.as_ref() != Some(&municipality.id) {
        return Err(Error::NotFound);
    }
    if allowed.contains(&actor.role) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A cycle with its municipality and its status as readers should see it.
pub struct CycleScope {
    pub cycle: CycleRow,
    pub municipality: Municipality,
    pub status: CycleStatus,
}

impl CycleScope {
    pub fn load(conn: &mut DbConn, cycle: CycleRow) -> Result<Self> {
        let municipality = municipalities::by_id(conn, &cycle.municipality_id)?;
        Self::new(cycle, municipality)
    }

    /// `cycle` of `municipality`, already read (its own `municipality_id`).
    pub fn new(cycle: CycleRow, municipality: Municipality) -> Result<Self> {
        debug_assert_eq!(cycle.municipality_id, municipality.id);
        let status = effective_status(cycle.status, cycle.voting_closes_at, chrono::Utc::now());
        Ok(CycleScope {
            cycle,
            municipality,
            status,
        })
    }

    /// A scheduled close has passed but is not yet written down: readers see the cycle closed,
    /// yet a ballot that passed its check before the instant may still be committing. Whatever
    /// depends on the ballot box being final (a count, a receipt's answer) first makes the
    /// close durable ([`crate::service::cycles::settle`]).
    pub fn close_pending(&self) -> bool {
        self.status == CycleStatus::Closed && self.cycle.status == CycleStatus::Voting
    }

    /// The close is written down, after every ballot that passed the close check committed.
    pub fn closed_durably(&self) -> bool {
        self.cycle.status == CycleStatus::Closed
    }

    /// Readable by anyone once out of draft, by the municipality's staff always.
    pub fn check_read(&self, caller: Option<&Actor>) -> Result<()> {
        if self.status.is_public() || is_staff(caller, &self.municipality) {
            Ok(())
        } else {
            Err(Error::not_found())
        }
    }

    /// The caller has one of `roles` in this municipality (404 for other tenants).
    pub fn check_role(&self, caller: &Actor, roles: &[Role]) -> Result<()> {
        authorise(caller, &self.municipality, roles)
    }
}

pub fn cycle(conn: &mut DbConn, id: &CycleId) -> Result<CycleScope> {
    let row = cycles::find(conn, id)?;
    CycleScope::load(conn, row)
}

/// The cycle locked against ballots ([`cycles::find_for_update`]): for every change of its
/// status, which reads the clock only after this.
pub fn cycle_for_update(conn: &mut DbConn, id: &CycleId) -> Result<CycleScope> {
    let row = cycles::find_for_update(conn, id)?;
    CycleScope::load(conn, row)
}

/// A budget with its cycle's scope.
pub fn budget(conn: &mut DbConn, id: &BudgetId) -> Result<(BudgetRow, CycleScope)> {
    let budget = budgets::find(conn, id)?;
    let scope = cycle(conn, &budget.cycle_id)?;
    Ok((budget, scope))
}

/// A budget with its cycle's scope, in one query, the cycle under the ballot lock
/// ([`budgets::find_with_cycle_locked`]): for writes that must not race a change of the
/// cycle's status (ballots). `scope.cycle` is the locked read.
pub fn budget_locked(conn: &mut DbConn, id: &BudgetId) -> Result<(BudgetRow, CycleScope)> {
    let (budget, cycle, municipality) = budgets::find_with_cycle_locked(conn, id)?;
    Ok((budget, CycleScope::new(cycle, municipality)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{actor, cycle_scope, municipality};

    const EVERY_ROLE: [Role; 5] = [
        Role::PlatformAdmin,
        Role::MunicipalityAdmin,
        Role::Official,
        Role::Auditor,
        Role::Resident,
    ];

    #[test]
    fn staff_are_officials_admins_and_auditors_of_this_municipality_only() {
        let town = municipality("m-1");
        for role in EVERY_ROLE {
            let here = actor(role, Some("m-1"));
            let expected = matches!(
                role,
                Role::Official | Role::MunicipalityAdmin | Role::Auditor
            );
            assert_eq!(is_staff(Some(&here), &town), expected, "{role:?}");
            let elsewhere = actor(role, Some("m-2"));
            assert!(!is_staff(Some(&elsewhere), &town), "{role:?} elsewhere");
            assert!(!is_staff(Some(&actor(role, None)), &town), "{role:?}");
        }
        assert!(!is_staff(None, &town));
    }

    #[test]
    fn another_municipality_s_caller_gets_not_found_whatever_the_role() {
        let town = municipality("m-1");
        for role in EVERY_ROLE.into_iter().filter(|r| *r != Role::PlatformAdmin) {
            let stranger = actor(role, Some("m-2"));
            assert!(matches!(
                authorise(&stranger, &town, &EVERY_ROLE),
                Err(Error::NotFound)
            ));
            let homeless = actor(role, None);
            assert!(matches!(
                authorise(&homeless, &town, &EVERY_ROLE),
                Err(Error::NotFound)
            ));
        }
    }

    #[test]
    fn a_role_not_allowed_here_is_forbidden_an_allowed_one_passes() {
        let town = municipality("m-1");
        for role in EVERY_ROLE.into_iter().filter(|r| *r != Role::PlatformAdmin) {
            let here = actor(role, Some("m-1"));
            let result = authorise(&here, &town, OFFICIALS);
            if role == Role::Official {
                assert!(result.is_ok());
            } else {
                assert!(matches!(result, Err(Error::Forbidden)), "{role:?}");
            }
        }
    }

    #[test]
    fn platform_admins_act_only_where_named_and_never_see_a_404() {
        let town = municipality("m-1");
        let admin = actor(Role::PlatformAdmin, None);
        assert!(matches!(
            authorise(&admin, &town, STAFF),
            Err(Error::Forbidden)
        ));
        assert!(authorise(&admin, &town, &[Role::PlatformAdmin]).is_ok());
        assert!(!is_staff(Some(&admin), &town));
    }

    #[test]
    fn a_draft_cycle_is_read_only_by_its_own_staff() {
        let draft = cycle_scope(municipality("m-1"), CycleStatus::Draft);
        assert!(matches!(draft.check_read(None), Err(Error::NotFound)));
        let resident = actor(Role::Resident, Some("m-1"));
        assert!(matches!(
            draft.check_read(Some(&resident)),
            Err(Error::NotFound)
        ));
        let other_official = actor(Role::Official, Some("m-2"));
        assert!(draft.check_read(Some(&other_official)).is_err());
        let auditor = actor(Role::Auditor, Some("m-1"));
        assert!(draft.check_read(Some(&auditor)).is_ok());
    }

    #[test]
    fn a_cycle_out_of_draft_is_read_by_anyone() {
        for status in [
            CycleStatus::Submission,
            CycleStatus::Review,
            CycleStatus::Voting,
            CycleStatus::Closed,
        ] {
            let scope = cycle_scope(municipality("m-1"), status);
            assert!(scope.check_read(None).is_ok(), "{status:?}");
        }
    }

    #[test]
    fn a_close_is_pending_only_while_the_stored_status_is_still_voting() {
        let voting = cycle_scope(municipality("m-1"), CycleStatus::Voting);
        assert!(!voting.close_pending() && !voting.closed_durably());
        let mut passed = cycle_scope(municipality("m-1"), CycleStatus::Voting);
        passed.cycle.voting_closes_at = Some(chrono::NaiveDateTime::MIN);
        let passed = CycleScope::new(passed.cycle, passed.municipality).unwrap();
        assert_eq!(passed.status, CycleStatus::Closed);
        assert!(passed.close_pending() && !passed.closed_durably());
        let closed = cycle_scope(municipality("m-1"), CycleStatus::Closed);
        assert!(!closed.close_pending() && closed.closed_durably());
    }
}
