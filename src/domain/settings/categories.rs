//! The proposal categories a municipality defines: a stable key (what a proposal stores) and
//! its name in the municipality's languages (what a reader sees).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::MunicipalitySettings;
use crate::domain::{FieldError, LanguageTag, Translations, ValidationErrors};

/// More categories than this is a taxonomy, not a list a resident can pick from.
pub const MAX_CATEGORIES: usize = 50;
/// A key is short: it is stored on every proposal and used in links (`?category=parks`).
pub const CATEGORY_KEY_MAX_CHARS: usize = 64;
/// A category's name in one language.
pub const CATEGORY_NAME_MAX_CHARS: usize = 100;

/// One category: `key` is lowercase ASCII letters, digits, `-` and `_`; `names` has the
/// default language and only enabled languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalCategory {
    #[schema(example = "parks")]
    pub key: String,
    /// Name per language tag.
    pub names: BTreeMap<String, String>,
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= CATEGORY_KEY_MAX_CHARS
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl MunicipalitySettings {
    /// The categories, checked against the (already resolved) languages; names trimmed.
    /// Codes: `too_many_categories`, `invalid_category_key`, `duplicate_category`, and those of
    /// [`Translations::check`] under `proposal_categories[i].names`.
    pub(super) fn categories(
        errors: &mut ValidationErrors,
        raw: &[ProposalCategory],
        default_language: &LanguageTag,
        languages: &[LanguageTag],
    ) -> Option<Vec<ProposalCategory>> {
        let before = errors.len();
        if raw.len() > MAX_CATEGORIES {
            errors.push(FieldError::new(
                "proposal_categories",
                "too_many_categories",
                format!("at most {MAX_CATEGORIES} categories"),
            ));
            return None;
        }
        let mut out: Vec<ProposalCategory> = Vec::with_capacity(raw.len());
        for (i, category) in raw.iter().enumerate() {
            let field = format!("proposal_categories[{i}]");
            if !is_key(&category.key) {
                errors.push(FieldError::new(
                    format!("{field}.key"),
                    "invalid_category_key",
                    format!("a key is 1 to {CATEGORY_KEY_MAX_CHARS} of a-z, 0-9, '-' and '_'"),
                ));
            } else if out.iter().any(|c| c.key == category.key) {
                errors.push(FieldError::new(
                    format!("{field}.key"),
                    "duplicate_category",
                    format!("{} is listed twice", category.key),
                ));
            }
            let mut names = Translations::new();
            let mut trimmed = BTreeMap::new();
            for (tag, name) in &category.names {
                match LanguageTag::parse(tag) {
                    Ok(language) => {
                        names.insert(language.clone(), name.trim());
                        trimmed.insert(language.as_str().to_string(), name.trim().to_string());
                    }
                    Err(e) => {
                        errors.push(FieldError::from_error(format!("{field}.names.{tag}"), &e))
                    }
                }
            }
            errors.extend(names.check(
                &format!("{field}.names"),
                default_language,
                languages,
                CATEGORY_NAME_MAX_CHARS,
            ));
            out.push(ProposalCategory {
                key: category.key.clone(),
                names: trimmed,
            });
        }
        (errors.len() == before).then_some(out)
    }

    /// Whether a proposal may carry `key`: any text where the municipality defines no list
    /// (free-text categories, as before lists existed), else one of the list's keys.
    pub fn allows_category(&self, key: &str) -> bool {
        self.proposal_categories.is_empty() || self.proposal_categories.iter().any(|c| c.key == key)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Country, MunicipalitySettings, SettingsInput};

    fn resolved(
        categories: serde_json::Value,
    ) -> Result<MunicipalitySettings, Vec<(String, String)>> {
        let base = MunicipalitySettings::from_country(Country::KZ).unwrap();
        let input: SettingsInput =
            serde_json::from_value(serde_json::json!({ "proposal_categories": categories }))
                .unwrap();
        MunicipalitySettings::resolve(&input, Some(&base)).map_err(|errors| {
            errors
                .0
                .iter()
                .map(|e| (e.field.clone(), e.code.to_string()))
                .collect()
        })
    }

    #[test]
    fn categories_have_a_key_and_a_name_in_the_default_language() {
        let settings = resolved(serde_json::json!([
            {"key": "parks", "names": {"kk": " Саябақтар ", "ru": "Парки"}},
            {"key": "roads_2", "names": {"kk": "Жолдар"}},
        ]))
        .unwrap();
        assert_eq!(settings.proposal_categories.len(), 2);
        assert_eq!(settings.proposal_categories[0].names["kk"], "Саябақтар");
        assert!(settings.allows_category("parks"));
        assert!(!settings.allows_category("schools"));
        let free = MunicipalitySettings::from_country(Country::KZ).unwrap();
        assert!(free.allows_category("anything"), "no list: free text");
    }

    #[test]
    fn bad_categories_are_each_named() {
        let errors = resolved(serde_json::json!([
            {"key": "Parks", "names": {"kk": "Саябақтар"}},
            {"key": "roads", "names": {"ru": "Дороги"}},
            {"key": "roads", "names": {"kk": "Жолдар", "en": "Roads"}},
        ]))
        .unwrap_err();
        let has = |field: &str, code: &str| errors.iter().any(|(f, c)| f == field && c == code);
        assert!(
            has("proposal_categories[0].key", "invalid_category_key"),
            "{errors:?}"
        );
        assert!(
            has("proposal_categories[1].names", "missing_default_language"),
            "{errors:?}"
        );
        assert!(
            has("proposal_categories[2].key", "duplicate_category"),
            "{errors:?}"
        );
        assert!(
            has("proposal_categories[2].names.en", "language_not_enabled"),
            "{errors:?}"
        );
        let many: Vec<_> = (0..51)
            .map(|i| serde_json::json!({"key": format!("c{i}"), "names": {"kk": "x"}}))
            .collect();
        assert_eq!(
            resolved(serde_json::Value::Array(many)).unwrap_err(),
            [(
                "proposal_categories".to_string(),
                "too_many_categories".to_string()
            )]
        );
    }
}
