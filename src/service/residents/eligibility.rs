//! Who may vote in a budget: the check the ballot code runs inside its own transaction.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::db::municipalities::Municipality;
use crate::db::residents::ResidentRow;
use crate::domain::{age_on, ResidentStatus, VerificationMethod};
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
/// tenant's resident), `not_verified` (pending or rejected), `verification_not_accepted` (no
/// method that verified them counts in this budget), `too_young` (under the minimum voting
/// age on that local day), `wrong_district` (a district budget of another district).
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
    /// Verified, but by no method this budget accepts.
    VerificationNotAccepted,
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
            Self::VerificationNotAccepted => "verification_not_accepted",
            Self::TooYoung => "too_young",
            Self::WrongDistrict => "wrong_district",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::NotRegistered => "only registered residents of this municipality may vote.",
            Self::NotVerified => "your registration has not been verified.",
            Self::VerificationNotAccepted => {
                "none of the ways your registration was verified counts in this budget."
            }
            Self::TooYoung => "you are under the minimum voting age.",
            Self::WrongDistrict => "this budget is for another district.",
        }
    }
}

/// Who is asking: their registration, if any, and the methods that verified it.
pub struct Voter {
    pub resident: Option<ResidentRow>,
    pub verified_by: Vec<VerificationMethod>,
}

/// What a budget asks of its voters: its district (any when `None`) and the verification
/// methods it accepts (empty: any the municipality offers).
#[derive(Clone, Copy)]
pub struct BudgetTerms<'a> {
    pub district: Option<&'a str>,
    pub accepted: &'a [VerificationMethod],
}

/// The methods that count for voting in a budget accepting `accepted`: those, or when it names
/// none, every method the municipality offers.
pub fn counting_methods<'a>(
    municipality: &'a Municipality,
    accepted: &'a [VerificationMethod],
) -> &'a [VerificationMethod] {
    if accepted.is_empty() {
        &municipality.settings.verification_methods
    } else {
        accepted
    }
}

/// The rule itself: `voter` may vote at `at` in a budget of `municipality` with `terms`, or
/// the first reason why not. The cast ([`check_eligible`]) and the eligibility read both ask it.
pub fn eligibility(
    municipality: &Municipality,
    voter: Voter,
    terms: BudgetTerms,
    at: DateTime<Utc>,
) -> std::result::Result<ResidentRow, Ineligible> {
    let budget_district = terms.district;
    let resident = voter
        .resident
        .filter(|r| r.municipality_id == municipality.id)
        .ok_or(Ineligible::NotRegistered)?;
    if resident.status != ResidentStatus::Verified {
        return Err(Ineligible::NotVerified);
    }
    let counting = counting_methods(municipality, terms.accepted);
    if !voter.verified_by.iter().any(|m| counting.contains(m)) {
        return Err(Ineligible::VerificationNotAccepted);
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

/// `voter` (the caller's registration, read with their session) may vote at `at` in a budget
/// of `municipality` with `terms`.
pub fn check_eligible(
    municipality: &Municipality,
    voter: Voter,
    terms: BudgetTerms,
    at: DateTime<Utc>,
) -> Result<ResidentRow> {
    eligibility(municipality, voter, terms, at)
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

    /// A registration verified by `review` (the default set offers it), as most tests want.
    fn voter(resident: Option<ResidentRow>) -> Voter {
        Voter {
            resident,
            verified_by: vec![VerificationMethod::Review],
        }
    }

    /// A budget of `district` accepting any offered method.
    fn terms(district: Option<&str>) -> BudgetTerms<'_> {
        BudgetTerms {
            district,
            accepted: &[],
        }
    }

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
            reason(check_eligible(&town, voter(None), terms(None), now)),
            "not_registered"
        );
        let elsewhere = resident("m-2", date(1990, 5, 1));
        assert_eq!(
            reason(check_eligible(
                &town,
                voter(Some(elsewhere)),
                terms(None),
                now
            )),
            "not_registered"
        );
        for status in [ResidentStatus::Pending, ResidentStatus::Rejected] {
            let unverified = ResidentRow {
                status,
                ..adult.clone()
            };
            assert_eq!(
                reason(check_eligible(
                    &town,
                    voter(Some(unverified)),
                    terms(None),
                    now
                )),
                "not_verified"
            );
        }
        assert_eq!(
            reason(check_eligible(&town, voter(Some(adult)), terms(None), now)),
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
            reason(check_eligible(
                &town,
                voter(Some(teen.clone())),
                terms(None),
                eve
            )),
            "too_young"
        );
        // 20:00 UTC on the 9th is past midnight on the 10th in Almaty, not yet in UTC.
        let local_birthday = at(2026, 6, 9, 20);
        assert_eq!(age_at(&town, &teen, local_birthday).unwrap(), Some(18));
        assert_eq!(
            reason(check_eligible(
                &town,
                voter(Some(teen)),
                terms(None),
                local_birthday
            )),
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
            reason(check_eligible(
                &town,
                voter(Some(leapling.clone())),
                terms(None),
                feb_28
            )),
            "too_young"
        );
        assert_eq!(age_at(&town, &leapling, mar_1).unwrap(), Some(18));
        assert_eq!(
            reason(check_eligible(
                &town,
                voter(Some(leapling)),
                terms(None),
                mar_1
            )),
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
            reason(check_eligible(&town, voter(Some(unborn)), terms(None), now)),
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
        let check = |r: &ResidentRow, d| {
            reason(check_eligible(&town, voter(Some(r.clone())), terms(d), now))
        };
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
        let check = |r: ResidentRow| {
            reason(check_eligible(
                &town,
                voter(Some(r)),
                terms(Some("d-1")),
                now,
            ))
        };
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
    fn a_budget_counts_only_the_methods_it_accepts_else_any_the_city_offers() {
        use VerificationMethod as V;
        let town = municipality("m-1");
        let now = at(2026, 6, 1, 12);
        let adult = resident("m-1", date(1990, 5, 1));
        let by = |methods: &[V]| Voter {
            resident: Some(adult.clone()),
            verified_by: methods.to_vec(),
        };
        let only = |accepted| BudgetTerms {
            district: None,
            accepted,
        };
        let check = |v, t| reason(check_eligible(&town, v, t, now));
        assert_eq!(
            check(by(&[V::Review]), only(&[V::Roll])),
            "verification_not_accepted"
        );
        assert_eq!(check(by(&[V::Roll]), only(&[V::Roll])), "eligible");
        assert_eq!(
            check(by(&[V::Review, V::Roll]), only(&[V::Roll])),
            "eligible"
        );
        // Any offered method (open, review, roll by default); a letter code is not offered.
        assert_eq!(check(by(&[V::Open]), only(&[])), "eligible");
        assert_eq!(
            check(by(&[V::LetterCode]), only(&[])),
            "verification_not_accepted"
        );
        assert_eq!(check(by(&[]), only(&[])), "verification_not_accepted");
        // A pending registration is `not_verified` first, whatever it holds.
        let pending = Voter {
            resident: Some(ResidentRow {
                status: ResidentStatus::Pending,
                ..adult.clone()
            }),
            verified_by: vec![V::Roll],
        };
        assert_eq!(check(pending, only(&[V::Roll])), "not_verified");
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
