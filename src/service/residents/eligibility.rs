//! Who may vote in a budget: the check the ballot code runs inside its own transaction.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

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

/// Why a person may not vote in a budget, in the order [`check_eligible`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// No resident of this municipality: staff, a deleted account, another tenant's resident.
    NotRegistered,
    /// The registration is pending or was rejected.
    NotVerified,
    /// Under the minimum voting age on the municipality's calendar day.
    TooYoung,
    /// A district budget of another district.
    WrongDistrict,
}

impl Ineligible {
    /// The reason's stable code (the start of a refusal's detail, and the eligibility read's
    /// `reason`).
    pub fn code(self) -> &'static str {
        match self {
            Self::NotRegistered => "not_registered",
            Self::NotVerified => "not_verified",
            Self::TooYoung => "too_young",
            Self::WrongDistrict => "wrong_district",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::NotRegistered => "only registered residents of this municipality may vote.",
            Self::NotVerified => "your registration has not been verified.",
            Self::TooYoung => "you are under the minimum voting age.",
            Self::WrongDistrict => "this budget is for another district.",
        }
    }
}

/// The rule itself: `resident` (the caller's registration) may vote at `at` in a budget of
/// `municipality` for `budget_district` (any district when `None`), or the first reason why
/// not. The cast ([`check_eligible`]) and the eligibility read both ask it.
pub fn eligibility(
    municipality: &Municipality,
    resident: Option<ResidentRow>,
    budget_district: Option<&str>,
    at: DateTime<Utc>,
) -> std::result::Result<ResidentRow, Ineligible> {
    let resident = resident
        .filter(|r| r.municipality_id == municipality.id)
        .ok_or(Ineligible::NotRegistered)?;
    if resident.status != ResidentStatus::Verified {
        return Err(Ineligible::NotVerified);
    }
    let min_age = u32::from(municipality.settings.min_voting_age);
    let today = municipality.settings.time_zone.local_date(at);
    if age_on(resident.birth_date, today).is_none_or(|age| age < min_age) {
        return Err(Ineligible::TooYoung);
    }
    if let Some(district) = budget_district {
        if resident.district_id.as_deref() != Some(district) {
            return Err(Ineligible::WrongDistrict);
        }
    }
    Ok(resident)
}

/// `resident` (the caller's registration, read with their session) may vote at `at` in a
/// budget of `municipality` for `budget_district` (any district when `None`).
pub fn check_eligible(
    municipality: &Municipality,
    resident: Option<ResidentRow>,
    budget_district: Option<&str>,
    at: DateTime<Utc>,
) -> Result<ResidentRow> {
    eligibility(municipality, resident, budget_district, at)
        .map_err(|reason| not_eligible(reason.code(), reason.explanation()))
}

/// The first day, on the municipality's calendar, on which `resident` is old enough to vote,
/// when that is after the day of `at` (`None` once they are old enough). Someone born on 29
/// February comes of age on 1 March in a common year, as `age_on` counts.
pub fn votes_from(
    municipality: &Municipality,
    resident: &ResidentRow,
    at: DateTime<Utc>,
) -> Option<NaiveDate> {
    let today = municipality.settings.time_zone.local_date(at);
    let min_age = u32::from(municipality.settings.min_voting_age);
    if age_on(resident.birth_date, today).is_some_and(|age| age >= min_age) {
        return None;
    }
    let birth = resident.birth_date;
    let year = birth.year() + i32::try_from(min_age).ok()?;
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::service::test_support::{date, municipality, resident};

    fn at(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap()
    }

    /// The reason a refusal's detail starts with, or "eligible".
    fn reason(result: Result<ResidentRow>) -> String {
        match result {
            Ok(_) => "eligible".to_string(),
            Err(err) => {
                assert_eq!(err.code(), "not_eligible");
                err.detail().split(':').next().unwrap().to_string()
            }
        }
    }

    #[test]
    fn only_a_verified_resident_of_this_municipality_may_vote() {
        let town = municipality("m-1");
        let adult = resident("m-1", date(1990, 5, 1));
        let now = at(2026, 6, 1, 12);
        assert_eq!(
            reason(check_eligible(&town, None, None, now)),
            "not_registered"
        );
        let elsewhere = resident("m-2", date(1990, 5, 1));
        assert_eq!(
            reason(check_eligible(&town, Some(elsewhere), None, now)),
            "not_registered"
        );
        for status in [ResidentStatus::Pending, ResidentStatus::Rejected] {
            let unverified = ResidentRow {
                status,
                ..adult.clone()
            };
            assert_eq!(
                reason(check_eligible(&town, Some(unverified), None, now)),
                "not_verified"
            );
        }
        assert_eq!(
            reason(check_eligible(&town, Some(adult), None, now)),
            "eligible"
        );
    }

    #[test]
    fn the_minimum_age_is_reached_at_local_midnight_of_the_birthday() {
        let town = municipality("m-1");
        let teen = resident("m-1", date(2008, 6, 10));
        // 17:00 UTC on the 9th is 22:00 or 23:00 in Almaty (UTC+5 or +6): still the 9th.
        let eve = at(2026, 6, 9, 17);
        assert_eq!(age_at(&town, &teen, eve).unwrap(), Some(17));
        assert_eq!(
            reason(check_eligible(&town, Some(teen.clone()), None, eve)),
            "too_young"
        );
        // 20:00 UTC on the 9th is past midnight on the 10th in Almaty, not yet in UTC.
        let local_birthday = at(2026, 6, 9, 20);
        assert_eq!(age_at(&town, &teen, local_birthday).unwrap(), Some(18));
        assert_eq!(
            reason(check_eligible(&town, Some(teen), None, local_birthday)),
            "eligible"
        );
    }

    #[test]
    fn someone_born_on_29_february_comes_of_age_on_1_march_in_a_common_year() {
        let town = municipality("m-1");
        let leapling = resident("m-1", date(2008, 2, 29));
        let feb_28 = at(2026, 2, 28, 12);
        let mar_1 = at(2026, 3, 1, 12);
        assert_eq!(age_at(&town, &leapling, feb_28).unwrap(), Some(17));
        assert_eq!(
            reason(check_eligible(&town, Some(leapling.clone()), None, feb_28)),
            "too_young"
        );
        assert_eq!(age_at(&town, &leapling, mar_1).unwrap(), Some(18));
        assert_eq!(
            reason(check_eligible(&town, Some(leapling), None, mar_1)),
            "eligible"
        );
    }

    #[test]
    fn a_birth_date_after_the_vote_is_too_young_not_an_error() {
        let town = municipality("m-1");
        let unborn = resident("m-1", date(2030, 1, 1));
        let now = at(2026, 6, 1, 12);
        assert_eq!(age_at(&town, &unborn, now).unwrap(), None);
        assert_eq!(
            reason(check_eligible(&town, Some(unborn), None, now)),
            "too_young"
        );
    }

    #[test]
    fn a_district_budget_is_for_that_district_s_residents_a_city_wide_one_for_all() {
        let town = municipality("m-1");
        let now = at(2026, 6, 1, 12);
        let in_d1 = ResidentRow {
            district_id: Some("d-1".into()),
            ..resident("m-1", date(1990, 5, 1))
        };
        let nowhere = resident("m-1", date(1990, 5, 1));
        let check = |r: &ResidentRow, d| reason(check_eligible(&town, Some(r.clone()), d, now));
        assert_eq!(check(&in_d1, Some("d-1")), "eligible");
        assert_eq!(check(&in_d1, Some("d-2")), "wrong_district");
        assert_eq!(check(&nowhere, Some("d-1")), "wrong_district");
        assert_eq!(check(&in_d1, None), "eligible");
        assert_eq!(check(&nowhere, None), "eligible");
    }

    #[test]
    fn the_reasons_are_checked_in_their_documented_order() {
        let town = municipality("m-1");
        let now = at(2026, 6, 1, 12);
        let young_pending_elsewhere = ResidentRow {
            status: ResidentStatus::Pending,
            district_id: Some("d-9".into()),
            ..resident("m-1", date(2020, 1, 1))
        };
        let check = |r: ResidentRow| reason(check_eligible(&town, Some(r), Some("d-1"), now));
        assert_eq!(check(young_pending_elsewhere.clone()), "not_verified");
        let young = ResidentRow {
            status: ResidentStatus::Verified,
            ..young_pending_elsewhere
        };
        assert_eq!(check(young.clone()), "too_young");
        let adult = ResidentRow {
            birth_date: date(1990, 1, 1),
            ..young
        };
        assert_eq!(check(adult), "wrong_district");
    }

    #[test]
    fn votes_from_is_the_local_birthday_of_the_minimum_age_and_none_once_reached() {
        let town = municipality("m-1");
        let teen = resident("m-1", date(2008, 6, 10));
        let eve = at(2026, 6, 9, 17);
        assert_eq!(votes_from(&town, &teen, eve), Some(date(2026, 6, 10)));
        assert_eq!(votes_from(&town, &teen, at(2026, 6, 9, 20)), None);
        let leapling = resident("m-1", date(2008, 2, 29));
        assert_eq!(
            votes_from(&town, &leapling, at(2026, 2, 28, 12)),
            Some(date(2026, 3, 1))
        );
        assert_eq!(
            votes_from(&town, &resident("m-1", date(1990, 1, 1)), eve),
            None
        );
    }
}
