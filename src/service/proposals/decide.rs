//! Decisions on a proposal before voting: an official's review, the author's withdrawal.

use crate::db::proposals::{self as rows, ProposalRow};
use crate::db::Db;
use crate::domain::ids::ProposalId;
use crate::domain::ProposalStatus;
use crate::service::audit_log;
use crate::service::now;
use crate::service::scope::{self, is_staff, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

use super::closed_for;
use super::fields::DESCRIPTION_MAX_CHARS;

/// The reason of a decision, trimmed (blank is none): a rejection needs one.
fn checked_reason(approve: bool, reason: Option<String>) -> Result<Option<String>> {
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
    Ok(reason)
}

/// An official's decision.
pub async fn review(
    db: &Db,
    caller: &Actor,
    id: ProposalId,
    approve: bool,
    reason: Option<String>,
) -> Result<ProposalRow> {
    let reason = checked_reason(approve, reason)?;
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
        let previous = (row.status, row.status_reason.clone());
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
            // A revisited decision (approved <-> rejected before voting) keeps the one it
            // replaced in the log.
            serde_json::json!({
                "decision": row.status,
                "reason": row.status_reason,
                "previous": {"status": previous.0, "reason": previous.1},
            }),
        )?;
        Ok(row)
    })
    .await
}

pub async fn withdraw(db: &Db, caller: &Actor, id: ProposalId) -> Result<ProposalRow> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::error_codes;

    fn refusal(approve: bool, reason: Option<&str>) -> Vec<(String, &'static str)> {
        error_codes(&checked_reason(approve, reason.map(str::to_string)).unwrap_err())
    }

    #[test]
    fn a_rejection_needs_a_reason_an_approval_may_give_one() {
        let required = [("reason".to_string(), "required")];
        assert_eq!(refusal(false, None), required);
        assert_eq!(refusal(false, Some("  \n ")), required);
        assert_eq!(
            checked_reason(false, Some(" Too costly ".to_string())).unwrap(),
            Some("Too costly".to_string())
        );
        assert_eq!(checked_reason(true, None).unwrap(), None);
        assert_eq!(checked_reason(true, Some("   ".to_string())).unwrap(), None);
        assert_eq!(
            checked_reason(true, Some("Fine".to_string())).unwrap(),
            Some("Fine".to_string())
        );
    }

    #[test]
    fn a_reason_is_at_most_a_description_long() {
        let longest = "Ж".repeat(DESCRIPTION_MAX_CHARS);
        assert_eq!(
            checked_reason(false, Some(longest.clone())).unwrap(),
            Some(longest)
        );
        let too_long = "Ж".repeat(DESCRIPTION_MAX_CHARS + 1);
        for approve in [true, false] {
            assert_eq!(
                refusal(approve, Some(&too_long)),
                [("reason".to_string(), "text_too_long")]
            );
        }
    }
}
