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

/// The caller as a verified resident of the municipality, or why not.
fn check_resident(conn: &mut DbConn, caller: &Actor, scope: &CycleScope) -> Result<()> {
    if caller.municipality_id.as_deref() != Some(scope.municipality.id.as_str()) {
        return Err(Error::not_found());
    }
    match residents::by_account(conn, &caller.account_id)?.map(|r| r.status) {
        Some(ResidentStatus::Verified) => Ok(()),
        _ => Err(Error::refused(
            "not_verified",
            "Only verified residents can submit proposals.",
        )),
    }
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
            if scope.status != CycleStatus::Submission {
                return Err(closed_for("residents can submit proposals"));
            }
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
            if !scope.status.before_voting() || scope.status == CycleStatus::Draft {
                return Err(closed_for("proposals can be added"));
            }
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
    Ok((row, budget, scope))
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
            serde_json::json!({"cost_minor": row.cost_minor, "category": row.category}),
        )?;
        Ok(row)
    })
    .await
}
