//! Decisions on a proposal before voting: an official's review, the author's withdrawal.

use crate::db::proposals::{self as rows, ProposalRow};
use crate::db::Db;
use crate::domain::ProposalStatus;
use crate::service::audit_log;
use crate::service::now;
use crate::service::scope::{self, is_staff, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

use super::closed_for;
use super::fields::DESCRIPTION_MAX_CHARS;

/// An official's decision.
pub async fn review(
    db: &Db,
    caller: &Actor,
    id: String,
    approve: bool,
    reason: Option<String>,
) -> Result<ProposalRow> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !approve && reason.is_none() {
        return Err(Error::field(
            "reason",
            "required",
            "a rejection needs a reason",
        ));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > DESCRIPTION_MAX_CHARS)
    {
        return Err(Error::field(
            "reason",
            "text_too_long",
            "the reason is too long",
        ));
    }
    let caller = caller.clone();
    db.write(move |conn| {
        let row = rows::find(conn, &id)?;
        let (_, scope) = scope::budget(conn, &row.budget_id)?;
        scope.check_role(&caller, OFFICIALS)?;
        let mut row = row;
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can be reviewed"));
        }
        if row.status == ProposalStatus::Withdrawn {
            return Err(Error::conflict(
                "proposal_withdrawn",
                "The author withdrew this proposal.",
            ));
        }
        row.status = if approve {
            ProposalStatus::Approved
        } else {
            ProposalStatus::Rejected
        };
        row.status_reason = reason;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.reviewed",
            "proposal",
            &row.id,
            serde_json::json!({"decision": row.status, "reason": row.status_reason}),
        )?;
        Ok(row)
    })
    .await
}

pub async fn withdraw(db: &Db, caller: &Actor, id: String) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let mut row = rows::find(conn, &id)?;
        let (_, scope) = scope::budget(conn, &row.budget_id)?;
        if row.author_account_id.as_deref() != Some(caller.account_id.as_str()) {
            // Officials and everyone else: the author alone withdraws.
            scope.check_read(Some(&caller))?;
            return Err(if is_staff(Some(&caller), &scope.municipality) {
                Error::forbidden()
            } else {
                Error::not_found()
            });
        }
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can be withdrawn"));
        }
        if matches!(
            row.status,
            ProposalStatus::Withdrawn | ProposalStatus::Rejected
        ) {
            return Err(Error::conflict(
                "proposal_not_withdrawable",
                format!("The proposal is {}.", row.status),
            ));
        }
        row.status = ProposalStatus::Withdrawn;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.withdrawn",
            "proposal",
            &row.id,
            serde_json::json!({}),
        )?;
        Ok(row)
    })
    .await
}
