//! Where the caller stands in a budget, read before the ballot is opened: whether a ballot
//! sent now would be taken and, if not, why; whether they have voted, with the receipt, and
//! whether they may change it. The reasons are the cast's own: the eligibility rule
//! ([`eligibility`]), the open-voting check and the revote policy, asked, not copied.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::OptionalExtension;
use serde::Serialize;

use crate::db::ballots as rows;
use crate::db::Db;
use crate::domain::ids::BudgetId;
use crate::domain::{Pepper, ResidentStatus, RevotePolicy, VerificationMethod};
use crate::service::residents::{
    counting_methods, eligibility, verifications, votes_from, BudgetTerms, Voter,
};
use crate::service::scope;
use crate::service::{now, Actor, Error, Result};

use super::cast::open_ballot_key;
use super::voter_key;

/// The caller's standing in a budget.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standing {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    /// Whether a ballot sent now would be taken: a first one, or a replacement where the
    /// municipality lets voters change their ballot.
    pub can_vote: bool,
    /// Why not, when `can_vote` is false, checked in this order: `not_registered`,
    /// `not_verified`, `verification_not_accepted`, `too_young`, `wrong_district` (the cast's
    /// `not_eligible` reasons), `voting_not_open`, `already_voted` (the ballot is final).
    #[schema(example = "wrong_district")]
    pub reason: Option<String>,
    /// Whether the caller is someone who may vote in this budget, open or not (the first four
    /// reasons do not apply).
    pub eligible: bool,
    /// The caller's registration here: null for staff and other municipalities' accounts.
    #[schema(value_type = Option<crate::domain::ResidentStatus>)]
    pub registration: Option<ResidentStatus>,
    /// How the caller's registration was proven (empty for staff and the unverified).
    pub verified_by: Vec<VerificationMethod>,
    /// The verification methods that count for voting in this budget (its own, else every one
    /// the municipality offers): for `verification_not_accepted`, the ways that would do.
    pub accepted_verifications: Vec<VerificationMethod>,
    /// For `too_young`: the first day, on the municipality's calendar, the caller may vote.
    pub votes_from: Option<NaiveDate>,
    /// Whether voting in this budget is open now.
    pub voting_open: bool,
    /// Whether the caller has a ballot in this budget.
    pub voted: bool,
    /// Whether the caller may replace that ballot now.
    pub may_change: bool,
    /// The receipt of the caller's current ballot.
    pub receipt: Option<String>,
    /// The UTC day the current ballot was cast (the instant is not kept).
    pub cast_at: Option<DateTime<Utc>>,
}

/// The caller's standing in `budget_id` now. Another municipality's account gets 404, as the
/// cast would.
pub async fn standing(
    db: &Db,
    pepper: &Pepper,
    caller: &Actor,
    budget_id: BudgetId,
) -> Result<Standing> {
    let (caller, pepper) = (caller.clone(), pepper.clone());
    db.read(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(Some(&caller))?;
        let municipality = &scope.municipality;
        if caller.municipality_id.as_ref() != Some(&municipality.id) {
            return Err(Error::not_found());
        }
        let resident =
            crate::db::residents::find(conn, &municipality.id, &caller.account_id).optional()?;
        let at = now().and_utc();
        let ballot = match (&resident, &scope.cycle.ballot_key) {
            (Some(resident), Some(ballot_key)) => {
                let key = voter_key(&pepper, ballot_key, &budget.id, &resident.national_id_hash);
                match rows::of_voter(conn, &budget.id, &key)? {
                    Some(row) => Some((rows::current_receipt(conn, &row.id)?, row.cast_at)),
                    None => None,
                }
            }
            _ => None,
        };
        let registration = resident.as_ref().map(|r| r.status);
        let verified_by = match &resident {
            Some(r) => verifications::methods_of(conn, &r.account_id)?,
            None => Vec::new(),
        };
        let accepted = counting_methods(municipality, &budget.accepted_verifications).to_vec();
        let young = resident
            .as_ref()
            .and_then(|r| votes_from(municipality, r, at));
        let voter = Voter {
            resident,
            verified_by: verified_by.clone(),
        };
        let terms = BudgetTerms {
            district: budget.district_id.as_deref(),
            accepted: &budget.accepted_verifications,
        };
        let checked = eligibility(municipality, voter, terms, at);
        let voting_open = open_ballot_key(&scope.cycle, at).is_ok();
        let voted = ballot.is_some();
        let revote = municipality.settings.revote_policy != RevotePolicy::Final;
        let reason = match &checked {
            Err(why) => Some(why.code()),
            Ok(_) if !voting_open => Some("voting_not_open"),
            Ok(_) if voted && !revote => Some("already_voted"),
            Ok(_) => None,
        };
        let (receipt, cast_at) = match ballot {
            Some((receipt, day)) => (receipt.map(|r| r.code), Some(day.and_utc())),
            None => (None, None),
        };
        Ok(Standing {
            budget_id: budget.id,
            can_vote: reason.is_none(),
            reason: reason.map(str::to_string),
            eligible: checked.is_ok(),
            registration,
            verified_by,
            accepted_verifications: accepted,
            votes_from: young.filter(|_| reason == Some("too_young")),
            voting_open,
            voted,
            may_change: voted && reason.is_none(),
            receipt,
            cast_at,
        })
    })
    .await
}
