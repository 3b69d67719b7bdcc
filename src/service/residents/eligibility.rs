//! Who may vote in a budget: the check the ballot code runs inside its own transaction.

use chrono::{DateTime, Utc};

use crate::db::municipalities::Municipality;
use crate::db::residents::ResidentRow;
use crate::domain::{age_on, ResidentStatus};
use crate::service::{Error, Result};

fn not_eligible(reason: &str, explanation: &str) -> Error {
    Error::refused("not_eligible", format!("{reason}: {explanation}"))
}

/// Whether the account may vote in a budget of `municipality` at the instant `at`; for the
/// ballot code, inside its own transaction (it only reads).
///
/// - `budget_district`: the budget's district id, or `None` for a city-wide budget (which
///   every resident of the municipality may vote in).
/// - `at`: the moment of casting; the age rule is decided on that day's calendar date in the
///   municipality's time zone, so someone turning 18 today may vote from local midnight.
///
/// Returns the resident (for the keyed hash the voter key is built from). Otherwise a 403
/// with code `not_eligible` whose detail starts with the reason, checked in this order:
/// `not_registered` (no resident of this municipality: staff, a deleted account, another
/// tenant's resident), `not_verified` (pending or rejected), `too_young` (under the minimum
/// voting age on that local day), `wrong_district` (a district budget of another district).
/// The resident's age on the municipality's calendar day at `at` (`None` before birth).
pub fn age_at(
    municipality: &Municipality,
    resident: &ResidentRow,
    at: DateTime<Utc>,
) -> Result<Option<u32>> {
    let zone = municipality.settings.time_zone;
    Ok(age_on(resident.birth_date, zone.local_date(at)))
}

/// `resident` (the caller's registration, read with their session) may vote at `at` in a
/// budget of `municipality` for `budget_district` (any district when `None`).
pub fn check_eligible(
    municipality: &Municipality,
    resident: Option<ResidentRow>,
    budget_district: Option<&str>,
    at: DateTime<Utc>,
) -> Result<ResidentRow> {
    let resident = resident
        .filter(|r| r.municipality_id == municipality.id)
        .ok_or_else(|| {
            not_eligible(
                "not_registered",
                "only registered residents of this municipality may vote.",
            )
        })?;
    if resident.status != ResidentStatus::Verified {
        return Err(not_eligible(
            "not_verified",
            "your registration has not been verified.",
        ));
    }
    let min_age = u32::from(municipality.settings.min_voting_age);
    if age_at(municipality, &resident, at)?.is_none_or(|age| age < min_age) {
        return Err(not_eligible(
            "too_young",
            "you are under the minimum voting age.",
        ));
    }
    if let Some(district) = budget_district {
        if resident.district_id.as_deref() != Some(district) {
            return Err(not_eligible(
                "wrong_district",
                "this budget is for another district.",
            ));
        }
    }
    Ok(resident)
}
