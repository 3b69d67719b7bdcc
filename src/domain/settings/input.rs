//! Turning an admin's (possibly partial) input into settings, reporting every bad field at once.

use super::{MunicipalitySettings, ProposalCategory};
use super::{
    DEFAULT_MAX_PROPOSALS_PER_RESIDENT, DEFAULT_MIN_VOTING_AGE, MAX_PROPOSALS_PER_RESIDENT,
    MIN_VOTING_AGE_RANGE,
};
use crate::domain::verification::{offered_methods, DEFAULT_OFFERED};
use crate::domain::{
    CheckDigitPolicy, Coded, Currency, FieldError, LanguageTag, NationalIdScheme,
    RegistrationPolicy, RevotePolicy, TimeZoneName, ValidationErrors,
};
use serde::{Deserialize, Serialize};

/// What an admin sends: every field optional (missing = keep the base value) and every value a
/// plain string or number, so that a bad value becomes a field error in the list instead of
/// one opaque JSON error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_digit_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_voting_age: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revote_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_proposals_per_resident: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_categories: Option<Vec<ProposalCategory>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_methods: Option<Vec<String>>,
}

impl TryFrom<SettingsInput> for MunicipalitySettings {
    type Error = ValidationErrors;
    fn try_from(input: SettingsInput) -> Result<Self, Self::Error> {
        MunicipalitySettings::resolve(&input, None)
    }
}

pub(super) fn required(field: &str) -> FieldError {
    FieldError::new(field, "required", format!("{field} is required"))
}

/// Parses `input` if given, else takes `base`; a missing value with no base is `required`.
fn field<T: Clone, E: Coded>(
    errors: &mut ValidationErrors,
    name: &str,
    input: Option<&str>,
    base: Option<&T>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match (input, base) {
        (Some(raw), _) => match parse(raw) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(FieldError::from_error(name, &e));
                None
            }
        },
        (None, Some(b)) => Some(b.clone()),
        (None, None) => {
            errors.push(required(name));
            None
        }
    }
}

fn check_digit_policy(s: &str) -> Result<CheckDigitPolicy, crate::domain::UnknownVariant> {
    match s {
        "enforce" => Ok(CheckDigitPolicy::Enforce),
        "warn" => Ok(CheckDigitPolicy::Warn),
        _ => Err(crate::domain::UnknownVariant {
            kind: "check digit policy",
            value: s.to_owned(),
            expected: &["enforce", "warn"],
        }),
    }
}

impl MunicipalitySettings {
    /// Applies `input` over `base` and validates the result as a whole.
    ///
    /// - Creating a municipality: `base` = `from_country(country)`, which is `None` for a
    ///   country without defaults, so currency, time zone, languages, default language and ID
    ///   scheme must then be given (`required`); the age and the policies always have defaults.
    /// - Changing settings: `base` = the current settings.
    ///
    /// Field names in errors: `currency`, `time_zone`, `languages`, `languages[i]`,
    /// `default_language`, `national_id_scheme`, `check_digit_policy`, `min_voting_age`,
    /// `registration_policy`, `revote_policy`. Codes: those of the parse errors
    /// (`unknown_currency`, `unknown_time_zone`, `malformed_language_tag`, `unknown_value`, …)
    /// plus `required`, `no_languages`, `too_many_languages`, `duplicate_language`,
    /// `default_language_not_enabled` and `out_of_range`.
    pub fn resolve(
        input: &SettingsInput,
        base: Option<&MunicipalitySettings>,
    ) -> Result<MunicipalitySettings, ValidationErrors> {
        let mut errors = ValidationErrors::new();

        let currency = field(
            &mut errors,
            "currency",
            input.currency.as_deref(),
            base.map(|b| &b.currency),
            Currency::parse,
        );
        let time_zone = field(
            &mut errors,
            "time_zone",
            input.time_zone.as_deref(),
            base.map(|b| &b.time_zone),
            TimeZoneName::parse,
        );
        let languages = Self::languages(&mut errors, input, base);
        let default_language = field(
            &mut errors,
            "default_language",
            input.default_language.as_deref(),
            base.map(|b| &b.default_language),
            LanguageTag::parse,
        );
        // Only meaningful when the language list itself is sound; otherwise the list's own
        // errors already say what to fix.
        if let (Some(languages), Some(default)) = (&languages, &default_language) {
            if !languages.contains(default) {
                errors.push(FieldError::new(
                    "default_language",
                    "default_language_not_enabled",
                    format!("{default} is not one of the enabled languages"),
                ));
            }
        }
        let national_id_scheme = field(
            &mut errors,
            "national_id_scheme",
            input.national_id_scheme.as_deref(),
            base.map(|b| &b.national_id_scheme),
            str::parse::<NationalIdScheme>,
        );
        let default_policy = CheckDigitPolicy::default();
        let check_digit_policy = field(
            &mut errors,
            "check_digit_policy",
            input.check_digit_policy.as_deref(),
            Some(base.map_or(&default_policy, |b| &b.check_digit_policy)),
            check_digit_policy,
        );
        let min_voting_age = match input.min_voting_age {
            Some(age) => match u8::try_from(age) {
                Ok(age) if MIN_VOTING_AGE_RANGE.contains(&age) => Some(age),
                _ => {
                    errors.push(FieldError::new(
                        "min_voting_age",
                        "out_of_range",
                        format!(
                            "the minimum voting age must be between {} and {}",
                            MIN_VOTING_AGE_RANGE.start(),
                            MIN_VOTING_AGE_RANGE.end()
                        ),
                    ));
                    None
                }
            },
            None => Some(base.map_or(DEFAULT_MIN_VOTING_AGE, |b| b.min_voting_age)),
        };
        let default_registration = RegistrationPolicy::default();
        let registration_policy = field(
            &mut errors,
            "registration_policy",
            input.registration_policy.as_deref(),
            Some(base.map_or(&default_registration, |b| &b.registration_policy)),
            str::parse::<RegistrationPolicy>,
        );
        let default_revote = RevotePolicy::default();
        let revote_policy = field(
            &mut errors,
            "revote_policy",
            input.revote_policy.as_deref(),
            Some(base.map_or(&default_revote, |b| &b.revote_policy)),
            str::parse::<RevotePolicy>,
        );

        let max_proposals_per_resident = match input.max_proposals_per_resident {
            Some(n) => match u16::try_from(n) {
                Ok(n) if n <= MAX_PROPOSALS_PER_RESIDENT => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "max_proposals_per_resident",
                        "out_of_range",
                        format!("must be between 0 and {MAX_PROPOSALS_PER_RESIDENT}"),
                    ));
                    None
                }
            },
            None => Some(base.map_or(DEFAULT_MAX_PROPOSALS_PER_RESIDENT, |b| {
                b.max_proposals_per_resident
            })),
        };

        // Checked against the languages in force after this change, so a language can only be
        // disabled together with the category names in it.
        let proposal_categories = match (&languages, &default_language) {
            (Some(languages), Some(default)) => match &input.proposal_categories {
                Some(raw) => Self::categories(&mut errors, raw, default, languages),
                None => match base {
                    Some(b) => {
                        Self::categories(&mut errors, &b.proposal_categories, default, languages)
                    }
                    None => Some(Vec::new()),
                },
            },
            _ => None,
        };

        let verification_methods = match &input.verification_methods {
            Some(names) => offered_methods(names, &mut errors),
            None => Some(base.map_or(DEFAULT_OFFERED.to_vec(), |b| b.verification_methods.clone())),
        };

        match (
            currency,
            time_zone,
            languages,
            default_language,
            national_id_scheme,
            check_digit_policy,
            min_voting_age,
            registration_policy,
            revote_policy,
            max_proposals_per_resident,
            proposal_categories,
            verification_methods,
        ) {
            (
                Some(currency),
                Some(time_zone),
                Some(languages),
                Some(default_language),
                Some(national_id_scheme),
                Some(check_digit_policy),
                Some(min_voting_age),
                Some(registration_policy),
                Some(revote_policy),
                Some(max_proposals_per_resident),
                Some(proposal_categories),
                Some(verification_methods),
            ) if errors.is_empty() => Ok(MunicipalitySettings {
                currency,
                time_zone,
                languages,
                default_language,
                national_id_scheme,
                check_digit_policy,
                min_voting_age,
                registration_policy,
                revote_policy,
                max_proposals_per_resident,
                proposal_categories,
                verification_methods,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;

    fn kz() -> MunicipalitySettings {
        MunicipalitySettings::from_country(Country::KZ).unwrap()
    }

    fn input(json: serde_json::Value) -> SettingsInput {
        serde_json::from_value(json).unwrap()
    }

    fn codes(errors: &ValidationErrors) -> Vec<(&str, &str)> {
        errors
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect()
    }

    #[test]
    fn served_country_defaults_resolve_with_empty_input() {
        let s = MunicipalitySettings::resolve(&SettingsInput::default(), Some(&kz())).unwrap();
        assert_eq!(s, kz());
        assert_eq!(s.min_voting_age, 18);
        assert_eq!(s.registration_policy, RegistrationPolicy::Review);
        assert_eq!(s.revote_policy, RevotePolicy::UntilClose);
        assert_eq!(s.check_digit_policy, CheckDigitPolicy::Enforce);
        assert!(MunicipalitySettings::from_country(Country::parse("DE").unwrap()).is_none());
    }

    #[test]
    fn a_full_change_is_applied() {
        let s = MunicipalitySettings::resolve(
            &input(serde_json::json!({
                "currency": "kzt",
                "time_zone": "Asia/Almaty",
                "languages": ["kk", "ru", "en"],
                "default_language": "ru",
                "national_id_scheme": "kz_iin",
                "check_digit_policy": "enforce",
                "min_voting_age": 16,
                "registration_policy": "roll",
                "revote_policy": "final"
            })),
            Some(&kz()),
        )
        .unwrap();
        assert_eq!(s.languages.len(), 3);
        assert_eq!(s.default_language.as_str(), "ru");
        assert_eq!(s.min_voting_age, 16);
        assert_eq!(s.registration_policy, RegistrationPolicy::Roll);
        assert_eq!(s.revote_policy, RevotePolicy::Final);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({
                "currency": "ABC",
                "time_zone": "Asia/Nowhere",
                "languages": ["kk", "ru", "xx-Foo-", "klingon123"],
                "default_language": "kk",
                "national_id_scheme": "passport",
                "check_digit_policy": "maybe",
                "min_voting_age": 12,
                "registration_policy": "closed",
                "revote_policy": "always"
            })),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("currency", "unknown_currency"),
                ("time_zone", "unknown_time_zone"),
                ("languages[2]", "malformed_language_tag"),
                ("languages[3]", "malformed_language_tag"),
                ("national_id_scheme", "unknown_value"),
                ("check_digit_policy", "unknown_value"),
                ("min_voting_age", "out_of_range"),
                ("registration_policy", "unknown_value"),
                ("revote_policy", "unknown_value"),
            ]
        );
        assert!(errors.errors().iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn default_language_must_be_enabled() {
        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({"languages": ["ru"], "default_language": "kk"})),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [("default_language", "default_language_not_enabled")]
        );

        // Dropping the current default without naming a new one is caught too.
        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({"languages": ["ru", "en"]})),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [("default_language", "default_language_not_enabled")]
        );

        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({"default_language": "en"})),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [("default_language", "default_language_not_enabled")]
        );
    }

    #[test]
    fn language_list_problems() {
        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({"languages": []})),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(codes(&errors), [("languages", "no_languages")]);

        let errors = MunicipalitySettings::resolve(
            &input(serde_json::json!({"languages": ["kk", "ru", "KK", "xx"]})),
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("languages[2]", "duplicate_language"),
                ("languages[3]", "unknown_language_tag")
            ]
        );

        let many: Vec<String> = (0..17).map(|_| "en".to_owned()).collect();
        let errors = MunicipalitySettings::resolve(
            &SettingsInput {
                languages: Some(many),
                ..Default::default()
            },
            Some(&kz()),
        )
        .unwrap_err();
        assert_eq!(codes(&errors), [("languages", "too_many_languages")]);
    }

    #[test]
    fn voting_age_bounds() {
        for (age, ok) in [
            (13, false),
            (14, true),
            (18, true),
            (25, true),
            (26, false),
            (-1, false),
            (300, false),
        ] {
            let r = MunicipalitySettings::resolve(
                &SettingsInput {
                    min_voting_age: Some(age),
                    ..Default::default()
                },
                Some(&kz()),
            );
            assert_eq!(r.is_ok(), ok, "{age}");
        }
    }

    #[test]
    fn a_country_without_defaults_must_say_everything_that_has_no_default() {
        let errors = MunicipalitySettings::resolve(&SettingsInput::default(), None).unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("currency", "required"),
                ("time_zone", "required"),
                ("languages", "required"),
                ("default_language", "required"),
                ("national_id_scheme", "required"),
            ]
        );
        let s = MunicipalitySettings::resolve(
            &input(serde_json::json!({
                "currency": "TRY",
                "time_zone": "Asia/Famagusta",
                "languages": ["tr", "en"],
                "default_language": "tr",
                "national_id_scheme": "generic"
            })),
            None,
        )
        .unwrap();
        assert_eq!(s.min_voting_age, DEFAULT_MIN_VOTING_AGE);
        assert_eq!(s.registration_policy, RegistrationPolicy::Review);
    }

    #[test]
    fn unknown_fields_are_refused_by_serde() {
        assert!(
            serde_json::from_value::<SettingsInput>(serde_json::json!({"colour": "red"})).is_err()
        );
    }
}
