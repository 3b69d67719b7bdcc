//! Text a municipality enters in several languages (its name, district names, proposal
//! titles): a map from language tag to text, serialised as a JSON object
//! `{"kk": "…", "ru": "…"}`. The default language is always required.

use super::{FieldError, LanguageTag};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Language → text. A `BTreeMap` so that serialisation (and so hashes over it, e.g. in the
/// audit log) is deterministic. Deserialising refuses keys that are not valid language tags
/// and two keys naming the same language (`"uz-latn"` and `"uz-Latn"`), which would otherwise
/// silently overwrite each other.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Translations(BTreeMap<LanguageTag, String>);

impl<'de> Deserialize<'de> for Translations {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Translations;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object mapping language tags to texts")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Translations, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((language, text)) = map.next_entry::<LanguageTag, String>()? {
                    if out.contains_key(&language) {
                        return Err(serde::de::Error::custom(format_args!(
                            "language {language} appears twice"
                        )));
                    }
                    out.insert(language, text);
                }
                Ok(Translations(out))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl Translations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, language: LanguageTag, text: impl Into<String>) -> Option<String> {
        self.0.insert(language, text.into())
    }

    pub fn get(&self, language: &LanguageTag) -> Option<&str> {
        self.0.get(language).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&LanguageTag, &str)> {
        self.0.iter().map(|(k, v)| (k, v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks the map against a municipality's languages and returns every problem, with
    /// fields named `{field}` (missing default) or `{field}.{tag}` (one entry):
    /// - `missing_default_language`: no non-blank text in the default language;
    /// - `language_not_enabled`: a language the municipality has not enabled;
    /// - `blank_text`: an entry that is empty or only whitespace;
    /// - `text_too_long`: more than `max_chars` characters (Unicode scalar values).
    pub fn check(
        &self,
        field: &str,
        default_language: &LanguageTag,
        enabled: &[LanguageTag],
        max_chars: usize,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match self.0.get(default_language) {
            Some(text) if !text.trim().is_empty() => {}
            _ => errors.push(FieldError::new(
                field,
                "missing_default_language",
                format!("a text in the default language ({default_language}) is required"),
            )),
        }
        for (language, text) in &self.0 {
            let entry = format!("{field}.{language}");
            if !enabled.contains(language) {
                errors.push(FieldError::new(
                    entry.clone(),
                    "language_not_enabled",
                    format!("{language} is not one of the municipality's languages"),
                ));
            }
            if text.trim().is_empty() {
                // The default language's blank text is already reported above.
                if language != default_language {
                    errors.push(FieldError::new(
                        entry,
                        "blank_text",
                        "text must not be blank",
                    ));
                }
            } else if text.chars().count() > max_chars {
                errors.push(FieldError::new(
                    entry,
                    "text_too_long",
                    format!("at most {max_chars} characters"),
                ));
            }
        }
        errors
    }

    /// The text to show a reader who asked for `wanted`: the exact language, else one with the
    /// same primary language and no script (`ru` for `ru-KZ`), else the default language.
    /// Never guesses across scripts (an `uz-Cyrl` reader is served the default, not `uz-Latn`,
    /// unless `uz-Latn` is the default).
    pub fn resolve(
        &self,
        wanted: &LanguageTag,
        default_language: &LanguageTag,
    ) -> Option<(&LanguageTag, &str)> {
        if let Some((k, v)) = self.0.get_key_value(wanted) {
            return Some((k, v.as_str()));
        }
        let primary = wanted.primary_language();
        if let Some((k, v)) = self.0.iter().find(|(k, _)| k.as_str() == primary) {
            return Some((k, v.as_str()));
        }
        self.0
            .get_key_value(default_language)
            .map(|(k, v)| (k, v.as_str()))
    }
}

impl FromIterator<(LanguageTag, String)> for Translations {
    fn from_iter<I: IntoIterator<Item = (LanguageTag, String)>>(iter: I) -> Self {
        Translations(iter.into_iter().collect())
    }
}

/// The text for `lang`, else the default language's, else any (the first by tag): what a
/// reader sees of a name or title given in several languages.
pub fn pick(texts: &BTreeMap<String, String>, lang: &str, default: &str) -> String {
    texts
        .get(lang)
        .or_else(|| texts.get(default))
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_takes_the_language_then_the_default_then_any() {
        let texts: BTreeMap<String, String> = [("kk", "Алматы"), ("ru", "Алма-Ата")]
            .into_iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect();
        assert_eq!(pick(&texts, "ru", "kk"), "Алма-Ата");
        assert_eq!(pick(&texts, "en", "kk"), "Алматы");
        assert_eq!(pick(&texts, "en", "de"), "Алматы");
        assert_eq!(pick(&BTreeMap::new(), "en", "de"), "");
    }

    fn lt(s: &str) -> LanguageTag {
        LanguageTag::parse(s).unwrap()
    }

    fn names() -> Translations {
        serde_json::from_str(r#"{"kk": "Алматы", "ru": "Алматы", "en": "Almaty"}"#).unwrap()
    }

    #[test]
    fn deserialises_from_a_json_object_and_back() {
        let t = names();
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(&lt("en")), Some("Almaty"));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["kk"], "Алматы");
    }

    #[test]
    fn keys_are_canonicalised_and_checked() {
        let t: Translations = serde_json::from_str(r#"{"uz-latn": "Toshkent"}"#).unwrap();
        assert_eq!(t.get(&lt("uz-Latn")), Some("Toshkent"));
        assert!(serde_json::from_str::<Translations>(r#"{"xx-Foo-": "x"}"#).is_err());
        let dup = serde_json::from_str::<Translations>(r#"{"uz-latn": "a", "uz-Latn": "b"}"#);
        assert!(dup.unwrap_err().to_string().contains("appears twice"));
        assert!(serde_json::from_str::<Translations>(r#"["tr"]"#).is_err());
    }

    #[test]
    fn a_complete_map_has_no_errors() {
        let enabled = [lt("kk"), lt("ru"), lt("en")];
        assert!(names().check("names", &lt("kk"), &enabled, 200).is_empty());
    }

    #[test]
    fn missing_or_blank_default_is_reported_once() {
        let enabled = [lt("kk"), lt("ru")];
        let mut t = Translations::new();
        t.insert(lt("ru"), "Алматы");
        let errors = t.check("names", &lt("kk"), &enabled, 200);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "names");
        assert_eq!(errors[0].code, "missing_default_language");

        t.insert(lt("kk"), "   ");
        let errors = t.check("names", &lt("kk"), &enabled, 200);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "missing_default_language");
    }

    #[test]
    fn every_bad_entry_is_reported() {
        let enabled = [lt("kk"), lt("ru")];
        let mut t = names(); // "en" is not enabled
        t.insert(lt("ru"), "");
        t.insert(lt("kk"), "é".repeat(11));
        let errors = t.check("districts[0].names", &lt("kk"), &enabled, 10);
        let got: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("districts[0].names.en", "language_not_enabled"),
                ("districts[0].names.kk", "text_too_long"),
                ("districts[0].names.ru", "blank_text"),
            ]
        );
    }

    #[test]
    fn resolve_falls_back_to_primary_language_then_default() {
        let t = names();
        let kk = lt("kk");
        assert_eq!(t.resolve(&lt("en"), &kk), Some((&lt("en"), "Almaty")));
        assert_eq!(t.resolve(&lt("ru-KZ"), &kk).map(|x| x.1), Some("Алматы"));
        assert_eq!(t.resolve(&lt("en-GB"), &kk).map(|x| x.1), Some("Almaty"));
        assert_eq!(t.resolve(&lt("tr"), &kk).map(|x| x.0), Some(&kk));
        assert_eq!(Translations::new().resolve(&lt("tr"), &kk), None);
    }
}
