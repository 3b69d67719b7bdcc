//! The enabled languages of a municipality: each tag parsed, duplicates and the limit checked.

use super::input::required;
use super::{MunicipalitySettings, SettingsInput, MAX_LANGUAGES};
use crate::domain::{FieldError, LanguageTag, ValidationErrors};

impl MunicipalitySettings {
    /// The enabled languages, each parsed, with duplicates (after canonicalisation, so `uz-latn`
    /// and `uz-Latn` are one) reported at the later index. `None` if anything is wrong.
    pub(super) fn languages(
        errors: &mut ValidationErrors,
        input: &SettingsInput,
        base: Option<&MunicipalitySettings>,
    ) -> Option<Vec<LanguageTag>> {
        let Some(raw) = &input.languages else {
            return match base {
                Some(b) => Some(b.languages.clone()),
                None => {
                    errors.push(required("languages"));
                    None
                }
            };
        };
        if raw.is_empty() {
            errors.push(FieldError::new(
                "languages",
                "no_languages",
                "enable at least one language",
            ));
            return None;
        }
        if raw.len() > MAX_LANGUAGES {
            errors.push(FieldError::new(
                "languages",
                "too_many_languages",
                format!("at most {MAX_LANGUAGES} languages"),
            ));
            return None;
        }
        let before = errors.len();
        let mut out: Vec<LanguageTag> = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate() {
            let name = format!("languages[{i}]");
            match LanguageTag::parse(s) {
                Ok(tag) if out.contains(&tag) => errors.push(FieldError::new(
                    name,
                    "duplicate_language",
                    format!("{tag} is listed twice"),
                )),
                Ok(tag) => out.push(tag),
                Err(e) => errors.push(FieldError::from_error(name, &e)),
            }
        }
        (errors.len() == before).then_some(out)
    }
}
