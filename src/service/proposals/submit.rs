//! Submitting a proposal (a verified resident during `submission`, an official until voting)
//! and editing it (its author while submitted, an official until voting).

use crate::db::budgets::BudgetRow;
use crate::db::proposals::{self as rows, ProposalRow};
use crate::db::{budgets, residents, Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, ProposalId};
use crate::domain::{FieldError, ProposalStatus, ResidentStatus, Role, Texts, ValidationErrors};
use crate::service::audit_log;
use crate::service::now;
use crate::service::scope::{self, CycleScope, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

use super::closed_for;
use super::fields::{apply, ProposalInput};

/// A resident of another municipality learns nothing of this one's cycles (404).
fn check_tenant(caller: &Actor, scope: &CycleScope) -> Result<()> {
    if caller.municipality_id.as_deref() != Some(scope.municipality.id.as_str()) {
        return Err(Error::not_found());
    }
    Ok(())
}

/// The caller as a verified resident of the municipality, or why not.
fn check_resident(conn: &mut DbConn, caller: &Actor, scope: &CycleScope) -> Result<()> {
    check_tenant(caller, scope)?;
    match residents::by_account(conn, &caller.account_id)?.map(|r| r.status) {
        Some(ResidentStatus::Verified) => Ok(()),
        _ => Err(Error::refused(
            "not_verified",
            "Only verified residents can submit proposals.",
        )),
    }
}

/// When a proposal may be submitted: by a resident only during `submission`, by an official
/// from `submission` until voting opens (a draft cycle takes no proposals yet).
fn check_submission_window(as_resident: bool, status: CycleStatus) -> Result<()> {
    if as_resident {
        if status != CycleStatus::Submission {
            return Err(closed_for("residents can submit proposals"));
        }
    } else if !status.before_voting() || status == CycleStatus::Draft {
        return Err(closed_for("proposals can be added"));
    }
    Ok(())
}

pub async fn create(
    db: &Db,
    caller: &Actor,
    budget_id: BudgetId,
    input: ProposalInput,
) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(Some(&caller))?;
        if caller.is(Role::Resident) {
            check_resident(conn, &caller, &scope)?;
            check_submission_window(true, scope.status)?;
            let budget_ids: Vec<BudgetId> = budgets::of_cycle(conn, &scope.cycle.id)?
                .into_iter()
                .map(|b| b.id)
                .collect();
            let limit = i64::from(scope.municipality.settings.max_proposals_per_resident);
            if rows::count_by_author(conn, &budget_ids, &caller.account_id)? >= limit {
                return Err(Error::conflict(
                    "proposal_limit_reached",
                    format!("A resident may submit at most {limit} proposals in a cycle."),
                ));
            }
        } else {
            scope.check_role(&caller, OFFICIALS)?;
            check_submission_window(false, scope.status)?;
        }
        let mut missing = ValidationErrors::new();
        for (field, absent) in [
            ("titles", input.titles.is_none()),
            ("descriptions", input.descriptions.is_none()),
            ("cost_minor", input.cost_minor.is_none()),
        ] {
            if absent {
                missing.push(FieldError::new(
                    field,
                    "required",
                    format!("{field} is required"),
                ));
            }
        }
        if !missing.is_empty() {
            return Err(missing.into());
        }
        let at = now();
        let mut row = ProposalRow {
            id: ProposalId::new(),
            budget_id: budget.id.clone(),
            municipality_id: scope.municipality.id.clone(),
            titles: Texts::default(),
            descriptions: Texts::default(),
            cost_minor: 0,
            category: None,
            location: None,
            author_account_id: Some(caller.account_id.clone()),
            status: ProposalStatus::Submitted,
            status_reason: None,
            on_ballot: false,
            created_at: at,
            updated_at: at,
        };
        apply(&mut row, &input, &budget, &scope)?;
        rows::insert(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.submitted",
            "proposal",
            &row.id,
            serde_json::json!({"budget_id": row.budget_id, "cost_minor": row.cost_minor}),
        )?;
        Ok(row)
    })
    .await
}

/// Loads a proposal for a change by its author (while submitted, during `submission`) or an
/// official (until voting).
fn for_change(
    conn: &mut DbConn,
    caller: &Actor,
    id: &ProposalId,
) -> Result<(ProposalRow, BudgetRow, CycleScope)> {
    let row = rows::find(conn, id)?;
    let (budget, scope) = scope::budget(conn, &row.budget_id)?;
    check_change(caller, &row, &scope)?;
    Ok((row, budget, scope))
}

/// Who may change `row` now: its author (a resident; anyone else's proposal is 404 to them)
/// while it is submitted and the cycle in `submission`, or an official until voting.
fn check_change(caller: &Actor, row: &ProposalRow, scope: &CycleScope) -> Result<()> {
    let is_author = row.author_account_id.as_deref() == Some(caller.account_id.as_str());
    if caller.is(Role::Resident) {
        if !is_author {
            return Err(Error::not_found());
        }
        if scope.status != CycleStatus::Submission || row.status != ProposalStatus::Submitted {
            return Err(closed_for("the author can change the proposal"));
        }
    } else {
        scope.check_role(caller, OFFICIALS)?;
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can change"));
        }
    }
    Ok(())
}

pub async fn update(
    db: &Db,
    caller: &Actor,
    id: ProposalId,
    input: ProposalInput,
) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let (mut row, budget, scope) = for_change(conn, &caller, &id)?;
        let before = row.clone();
        apply(&mut row, &input, &budget, &scope)?;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.updated",
            "proposal",
            &row.id,
            serde_json::json!({
                "cost_minor": row.cost_minor,
                "category": row.category,
                "changed": changes(&before, &row),
            }),
        )?;
        Ok(row)
    })
    .await
}

/// What an edit changed, field by field as `{"from": …, "to": …}`: the audit log says what an
/// official (or the author) altered, not only that something was.
fn changes(before: &ProposalRow, after: &ProposalRow) -> serde_json::Value {
    let mut changed = serde_json::Map::new();
    let mut note = |field: &str, from: serde_json::Value, to: serde_json::Value| {
        if from != to {
            changed.insert(
                field.to_string(),
                serde_json::json!({"from": from, "to": to}),
            );
        }
    };
    note("titles", json(&before.titles), json(&after.titles));
    note(
        "descriptions",
        json(&before.descriptions),
        json(&after.descriptions),
    );
    note(
        "cost_minor",
        before.cost_minor.into(),
        after.cost_minor.into(),
    );
    note("category", json(&before.category), json(&after.category));
    note("location", json(&before.location), json(&after.location));
    serde_json::Value::Object(changed)
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{actor, cycle_scope, municipality, proposal};

    fn code(result: Result<()>) -> &'static str {
        result.map_or_else(|e| e.code(), |()| "ok")
    }

    #[test]
    fn an_edit_records_only_what_changed() {
        let before = proposal("p-1", "Park", 100);
        let mut after = before.clone();
        assert_eq!(changes(&before, &after), serde_json::json!({}));
        after.cost_minor = 250;
        after.category = Some("parks".to_string());
        assert_eq!(
            changes(&before, &after),
            serde_json::json!({
                "cost_minor": {"from": 100, "to": 250},
                "category": {"from": before.category, "to": "parks"},
            })
        );
    }

    #[test]
    fn a_resident_of_another_municipality_is_told_nothing() {
        let scope = cycle_scope(municipality("m-1"), CycleStatus::Submission);
        assert_eq!(
            code(check_tenant(&actor(Role::Resident, Some("m-1")), &scope)),
            "ok"
        );
        for other in [Some("m-2"), None] {
            let caller = actor(Role::Resident, other);
            assert_eq!(code(check_tenant(&caller, &scope)), "not_found");
        }
    }

    #[test]
    fn residents_submit_only_during_submission_officials_until_voting() {
        let closed = "cycle_not_accepting_proposals";
        for (status, resident, official) in [
            (CycleStatus::Draft, closed, closed),
            (CycleStatus::Submission, "ok", "ok"),
            (CycleStatus::Review, closed, "ok"),
            (CycleStatus::Voting, closed, closed),
            (CycleStatus::Closed, closed, closed),
            (CycleStatus::Published, closed, closed),
        ] {
            assert_eq!(
                code(check_submission_window(true, status)),
                resident,
                "{status:?}"
            );
            assert_eq!(
                code(check_submission_window(false, status)),
                official,
                "{status:?}"
            );
        }
    }

    #[test]
    fn the_author_changes_a_submitted_proposal_during_submission_only() {
        let author = Actor {
            account_id: "account-9".into(),
            ..actor(Role::Resident, Some("m-1"))
        };
        let submitted = ProposalRow {
            status: ProposalStatus::Submitted,
            ..proposal("p-1", "Park", 100)
        };
        let in_status = |status| cycle_scope(municipality("m-1"), status);
        let closed = "cycle_not_accepting_proposals";
        let submission = in_status(CycleStatus::Submission);
        assert_eq!(code(check_change(&author, &submitted, &submission)), "ok");
        for status in [CycleStatus::Review, CycleStatus::Voting, CycleStatus::Draft] {
            let scope = in_status(status);
            assert_eq!(code(check_change(&author, &submitted, &scope)), closed);
        }
        for status in [
            ProposalStatus::Approved,
            ProposalStatus::Rejected,
            ProposalStatus::Withdrawn,
        ] {
            let row = ProposalRow {
                status,
                ..submitted.clone()
            };
            assert_eq!(code(check_change(&author, &row, &submission)), closed);
        }
        let stranger = actor(Role::Resident, Some("m-1"));
        assert_eq!(
            code(check_change(&stranger, &submitted, &submission)),
            "not_found"
        );
        let anonymous = ProposalRow {
            author_account_id: None,
            ..submitted.clone()
        };
        assert_eq!(
            code(check_change(&author, &anonymous, &submission)),
            "not_found"
        );
    }

    #[test]
    fn an_official_of_the_municipality_changes_any_proposal_until_voting() {
        let row = proposal("p-1", "Park", 100);
        let official = actor(Role::Official, Some("m-1"));
        for (status, expected) in [
            (CycleStatus::Draft, "ok"),
            (CycleStatus::Submission, "ok"),
            (CycleStatus::Review, "ok"),
            (CycleStatus::Voting, "cycle_not_accepting_proposals"),
            (CycleStatus::Published, "cycle_not_accepting_proposals"),
        ] {
            let scope = cycle_scope(municipality("m-1"), status);
            assert_eq!(
                code(check_change(&official, &row, &scope)),
                expected,
                "{status:?}"
            );
        }
        let review = cycle_scope(municipality("m-1"), CycleStatus::Review);
        let elsewhere = actor(Role::Official, Some("m-2"));
        assert_eq!(code(check_change(&elsewhere, &row, &review)), "not_found");
        let auditor = actor(Role::Auditor, Some("m-1"));
        assert_eq!(code(check_change(&auditor, &row, &review)), "forbidden");
    }
}
