//! The settings spelled out as text and plain numbers: what the API's municipality view shows
//! and what the municipality's columns hold are the same words, written here once.

use super::MunicipalitySettings;

/// Each setting as it is shown and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsWire {
    /// The enabled languages' tags, in their stored order.
    pub languages: Vec<String>,
    pub default_language: String,
    pub currency: String,
    pub time_zone: String,
    pub national_id_scheme: String,
    pub check_digit_policy: String,
    pub min_voting_age: i32,
    pub registration_policy: String,
    pub revote_policy: String,
    pub max_proposals_per_resident: i32,
    /// The categories as a JSON array (`[{"key": …, "names": {…}}]`).
    pub proposal_categories: String,
    /// The offered verification methods as a JSON array of names.
    pub verification_methods: String,
}

impl From<&MunicipalitySettings> for SettingsWire {
    fn from(settings: &MunicipalitySettings) -> Self {
        let languages = settings.languages.iter();
        SettingsWire {
            languages: languages.map(|tag| tag.as_str().to_string()).collect(),
            default_language: settings.default_language.as_str().to_string(),
            currency: settings.currency.code().to_string(),
            time_zone: settings.time_zone.name().to_string(),
            national_id_scheme: settings.national_id_scheme.as_str().to_string(),
            check_digit_policy: settings.check_digit_policy.as_str().to_string(),
            min_voting_age: i32::from(settings.min_voting_age),
            registration_policy: settings.registration_policy.as_str().to_string(),
            revote_policy: settings.revote_policy.as_str().to_string(),
            max_proposals_per_resident: i32::from(settings.max_proposals_per_resident),
            proposal_categories: serde_json::to_string(&settings.proposal_categories)
                .expect("strings serialise"),
            verification_methods: serde_json::to_string(&settings.verification_methods)
                .expect("names serialise"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;

    #[test]
    fn settings_are_spelled_as_they_serialise() {
        let settings = MunicipalitySettings::from_country(Country::KZ).unwrap();
        let wire = SettingsWire::from(&settings);
        let json = serde_json::to_value(&settings).unwrap();
        let word = |key: &str| json[key].as_str().unwrap().to_string();
        assert_eq!(wire.languages, ["kk", "ru"]);
        assert_eq!(wire.default_language, word("default_language"));
        assert_eq!(wire.currency, word("currency"));
        assert_eq!(wire.time_zone, word("time_zone"));
        assert_eq!(wire.national_id_scheme, word("national_id_scheme"));
        assert_eq!(wire.check_digit_policy, word("check_digit_policy"));
        assert_eq!(wire.registration_policy, word("registration_policy"));
        assert_eq!(wire.revote_policy, word("revote_policy"));
        assert_eq!(wire.min_voting_age, 18);
        assert_eq!(wire.max_proposals_per_resident, 5);
        assert_eq!(wire.proposal_categories, "[]");
    }
}
