//! The officials' side: the municipality's registrations page by page, and the review that
//! verifies or rejects each.

use diesel::result::Error as DieselError;

use crate::db::accounts as account_rows;
use crate::db::municipalities::Municipality;
use crate::db::residents as rows;
use crate::db::Db;
use crate::domain::ids::{AccountId, DistrictId};
use crate::domain::ResidentStatus;
use crate::service::audit_log;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

use super::{verifications, Profile};
use crate::domain::VerificationMethod;

/// The statuses an official can filter by.
pub fn parse_status(input: &str) -> Result<ResidentStatus> {
    input.parse().map_err(|_| {
        Error::malformed(
            "invalid_query",
            "status must be pending, verified or rejected.",
        )
    })
}

/// Which residents a list shows; every part given must hold.
#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    pub status: Option<ResidentStatus>,
    pub district: Option<DistrictId>,
    /// Words that must all occur in the full name, in any case.
    pub search: Option<String>,
}

impl ResidentFilter {
    /// Whether `name` holds every searched word. Matched here, not in SQL: SQLite's `LIKE`
    /// and `lower()` fold ASCII only, and a Kazakh or Turkish name must match alike on both
    /// databases.
    fn matches_name(&self, name: &str) -> bool {
        let Some(words) = &self.search else {
            return true;
        };
        let name = name.to_lowercase();
        words
            .to_lowercase()
            .split_whitespace()
            .all(|w| name.contains(w))
    }
}

/// Rows read per round trip while a search skips the names that do not match.
const SCAN_BATCH: i64 = 200;

/// A page of the municipality's residents in registration order; `cursor` is the id of the
/// previous page's last resident. Returns the page and whether more follow.
///
/// Status and district are filtered by the database; a name search reads on in batches from
/// the cursor until the page is full, so a page boundary neither drops nor repeats a row.
pub async fn list(
    db: &Db,
    municipality: &Municipality,
    filter: ResidentFilter,
    cursor: Option<String>,
    limit: i64,
) -> Result<(Vec<Profile>, bool)> {
    let municipality_id = municipality.id.clone();
    db.read_once(move |conn| {
        let mut after = match cursor {
            None => None,
            Some(id) => match rows::find(conn, &municipality_id, &id.into()) {
                Ok(row) => Some((row.created_at, row.account_id)),
                Err(DieselError::NotFound) => {
                    return Err(Error::malformed(
                        "invalid_cursor",
                        "The cursor does not name a resident of this list.",
                    ))
                }
                Err(e) => return Err(e.into()),
            },
        };
        let batch = if filter.search.is_some() {
            SCAN_BATCH.max(limit + 1)
        } else {
            limit + 1
        };
        let mut found = Vec::new();
        loop {
            let rows = rows::page(
                conn,
                &municipality_id,
                filter.status,
                filter.district.as_ref(),
                after.clone(),
                batch,
            )?;
            let exhausted = (rows.len() as i64) < batch;
            after = rows
                .last()
                .map(|r| (r.created_at, r.account_id.clone()))
                .or(after);
            found.extend(
                rows.into_iter()
                    .filter(|r| filter.matches_name(&r.full_name)),
            );
            if exhausted || found.len() as i64 > limit {
                break;
            }
        }
        let more = found.len() as i64 > limit;
        let mut out = Vec::with_capacity(found.len());
        for resident in found.into_iter().take(limit as usize) {
            let account = account_rows::by_id(conn, &resident.account_id)?;
            let verified_by = verifications::methods_of(conn, &resident.account_id)?;
            out.push(Profile {
                resident,
                account,
                verified_by,
            });
        }
        Ok((out, more))
    })
    .await
}

/// An official's decision about a registration.
pub enum Decision {
    Verify,
    Reject { reason: String },
}

/// Longest rejection reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

pub fn rejection_reason(input: &str) -> Result<String> {
    let reason = input.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(Error::field(
            "reason",
            "invalid_reason",
            format!("Give a reason of 1 to {REASON_MAX_CHARS} characters."),
        ));
    }
    Ok(reason.to_string())
}

/// Verifies or rejects a registration. A verify records `review` among the resident's methods
/// (`verifications::record`), also when another method verified them already. Asking for what
/// is already so changes nothing (so a retried request is harmless); otherwise the decision is
/// audit-logged. An official may also reverse an earlier decision (a rejected resident who
/// brings proof, a verified one found to be ineligible).
pub async fn review(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    account_id: AccountId,
    decision: Decision,
) -> Result<Profile> {
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let mut resident = rows::find(conn, &municipality_id, &account_id)?;
        let (status, reason) = match decision {
            Decision::Verify => (ResidentStatus::Verified, None),
            Decision::Reject { reason } => (ResidentStatus::Rejected, Some(reason)),
        };
        let at = now();
        // An official's verify always records `review`, also for a resident another method
        // verified already: a budget may accept only an official's check.
        let new_method = status == ResidentStatus::Verified
            && verifications::record(
                conn,
                &resident.account_id,
                VerificationMethod::Review,
                Some(&actor.account_id),
                at,
            )?
            .new_method;
        if resident.status != status || new_method {
            rows::set_status(
                conn,
                &resident.account_id,
                status,
                reason.as_deref(),
                Some(&actor.account_id),
                at,
            )?;
            audit_log::append(
                conn,
                &actor,
                &municipality_id,
                if status == ResidentStatus::Verified {
                    "resident.verified"
                } else {
                    "resident.rejected"
                },
                "resident",
                &resident.account_id,
                serde_json::json!({"from": resident.status, "reason": reason}),
            )?;
            resident.status = status;
            resident.status_reason = reason;
            resident.reviewed_by = Some(actor.account_id.clone());
            resident.reviewed_at = Some(at);
            resident.updated_at = at;
        }
        let account = account_rows::by_id(conn, &resident.account_id)?;
        let verified_by = verifications::methods_of(conn, &resident.account_id)?;
        Ok(Profile {
            resident,
            account,
            verified_by,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officials_filter_by_the_three_review_statuses_only() {
        assert_eq!(parse_status("pending").unwrap(), ResidentStatus::Pending);
        assert_eq!(parse_status("verified").unwrap(), ResidentStatus::Verified);
        assert_eq!(parse_status("rejected").unwrap(), ResidentStatus::Rejected);
        for bad in ["", "Pending", "deleted", "active", " pending"] {
            assert_eq!(
                parse_status(bad).unwrap_err().code(),
                "invalid_query",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_rejection_reason_is_1_to_500_characters() {
        assert_eq!(
            rejection_reason("  no such address ").unwrap(),
            "no such address"
        );
        assert!(rejection_reason(&"ş".repeat(REASON_MAX_CHARS)).is_ok());
        for bad in [
            String::new(),
            "  \n ".into(),
            "ş".repeat(REASON_MAX_CHARS + 1),
        ] {
            assert_eq!(
                rejection_reason(&bad).unwrap_err().code(),
                "validation_failed"
            );
        }
    }

    #[test]
    fn a_name_search_wants_every_word_in_any_case_and_any_script() {
        let filter = |q: &str| ResidentFilter {
            search: Some(q.to_string()),
            ..ResidentFilter::default()
        };
        assert!(ResidentFilter::default().matches_name("Ayşe Yılmaz"));
        assert!(filter("yılmaz AYŞE").matches_name("Ayşe Yılmaz"));
        assert!(filter("айгүл").matches_name("Айгүл Сәрсенова"));
        assert!(filter("САРСЕНОВА").matches_name("Айгүл Сарсенова"));
        assert!(!filter("ayşe demir").matches_name("Ayşe Yılmaz"));
    }
}
