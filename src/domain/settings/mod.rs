//! A municipality's settings as one validated value. `input` turns an admin's (possibly
//! partial) input into it, reporting every bad field at once; `languages` checks the language
//! list; `age` holds the age rules the minimum voting age and the statistics use.

use super::verification::{VerificationMethod, DEFAULT_OFFERED};
use super::{
    CheckDigitPolicy, Country, Currency, LanguageTag, NationalIdScheme, RegistrationPolicy,
    RevotePolicy, TimeZoneName,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Youngest and oldest minimum voting age a municipality may choose. 14 lets a municipality
/// run youth participatory budgets as several European cities do, and is the youngest age at
/// which the served countries issue an identity document to every citizen; 25 stops a
/// misconfiguration (or a policy) from excluding young adults who vote in national elections.
pub const MIN_VOTING_AGE_RANGE: std::ops::RangeInclusive<u8> = 14..=25;
/// Default minimum voting age: the national voting age in every served country.
pub const DEFAULT_MIN_VOTING_AGE: u8 = 18;
/// How many proposals one resident may submit in a cycle unless the municipality says otherwise.
pub const DEFAULT_MAX_PROPOSALS_PER_RESIDENT: u16 = 5;
/// More than this per resident is a misconfiguration: a cycle is not a suggestion box.
pub const MAX_PROPOSALS_PER_RESIDENT: u16 = 100;
/// More enabled languages than this is a mistake, not a municipality.
pub const MAX_LANGUAGES: usize = 16;

/// Validated settings. Construct with [`MunicipalitySettings::resolve`] or
/// [`MunicipalitySettings::from_country`]; every value here is known good. Deserialising (e.g.
/// from a stored JSON column) goes through `resolve` too, so the cross-field rules hold for
/// whatever is read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SettingsInput")]
pub struct MunicipalitySettings {
    pub currency: Currency,
    pub time_zone: TimeZoneName,
    /// Enabled languages, without duplicates; contains `default_language`.
    pub languages: Vec<LanguageTag>,
    pub default_language: LanguageTag,
    pub national_id_scheme: NationalIdScheme,
    /// Whether a failed community-documented check digit (uz_pinfl) refuses the ID or only
    /// warns.
    pub check_digit_policy: CheckDigitPolicy,
    pub min_voting_age: u8,
    pub registration_policy: RegistrationPolicy,
    pub revote_policy: RevotePolicy,
    /// How many proposals one resident may submit in a cycle (0: residents do not propose).
    pub max_proposals_per_resident: u16,
    /// The categories a proposal may carry; empty: any free-text category (as before lists).
    pub proposal_categories: Vec<ProposalCategory>,
    /// The ways a resident may prove their registration here, none twice, at least one
    /// (`domain::verification`); a budget accepts some or all of them for voting.
    pub verification_methods: Vec<VerificationMethod>,
}

mod age;
mod categories;
mod input;
mod languages;
mod wire;

pub use age::{age_band, age_on, AGE_BANDS};
pub use categories::{ProposalCategory, MAX_CATEGORIES};
pub use input::SettingsInput;
pub use wire::SettingsWire;

impl MunicipalitySettings {
    /// The settings a new municipality of a served country starts with; `None` elsewhere.
    pub fn from_country(country: Country) -> Option<Self> {
        let d = country.defaults()?;
        Some(MunicipalitySettings {
            currency: d.currency,
            time_zone: d.time_zone,
            languages: d.languages,
            default_language: d.default_language,
            national_id_scheme: d.national_id_scheme,
            check_digit_policy: CheckDigitPolicy::default(),
            min_voting_age: DEFAULT_MIN_VOTING_AGE,
            registration_policy: RegistrationPolicy::default(),
            revote_policy: RevotePolicy::default(),
            max_proposals_per_resident: DEFAULT_MAX_PROPOSALS_PER_RESIDENT,
            proposal_categories: Vec::new(),
            verification_methods: DEFAULT_OFFERED.to_vec(),
        })
    }

    /// Whether someone born on `birth_date` has reached the minimum voting age on `day` (the
    /// municipality's local date, see [`TimeZoneName::local_date`]).
    pub fn is_old_enough(&self, birth_date: NaiveDate, day: NaiveDate) -> bool {
        age_on(birth_date, day).is_some_and(|age| age >= u32::from(self.min_voting_age))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kz() -> MunicipalitySettings {
        MunicipalitySettings::from_country(Country::KZ).unwrap()
    }

    #[test]
    fn settings_serialise_with_snake_case_strings() {
        let json = serde_json::to_value(kz()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "currency": "KZT",
                "time_zone": "Asia/Almaty",
                "languages": ["kk", "ru"],
                "default_language": "kk",
                "national_id_scheme": "kz_iin",
                "check_digit_policy": "enforce",
                "min_voting_age": 18,
                "registration_policy": "review",
                "revote_policy": "until_close",
                "max_proposals_per_resident": 5,
                "proposal_categories": [],
                "verification_methods": ["open", "review", "roll"]
            })
        );
        let back: MunicipalitySettings = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, kz());
        // Reading back applies the cross-field rules too.
        let mut broken = json;
        broken["default_language"] = serde_json::json!("en");
        assert!(serde_json::from_value::<MunicipalitySettings>(broken).is_err());
    }

    #[test]
    fn ages() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_on(d(2008, 5, 10), d(2026, 5, 9)), Some(17));
        assert_eq!(age_on(d(2008, 5, 10), d(2026, 5, 10)), Some(18));
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), Some(17));
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), Some(18));
        assert_eq!(age_on(d(2008, 2, 29), d(2028, 2, 29)), Some(20));
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), None);
        let s = kz();
        assert!(!s.is_old_enough(d(2008, 5, 10), d(2026, 5, 9)));
        assert!(s.is_old_enough(d(2008, 5, 10), d(2026, 5, 10)));
    }
}
