//! BCP 47 language tags for the languages a municipality publishes in.
//!
//! How strict: a tag must be well-formed (RFC 5646), every subtag must be in the IANA Language
//! Subtag Registry (so `xx` or `tr-Abcd` fail, not only `xx-Foo-`), the primary language must
//! be a real one (no private-use `qaa`–`qtz`, no `x-…` or grandfathered tags), and extensions
//! and private-use suffixes are refused because a content language never needs them and they
//! would make two spellings of one language look different. The tag is then canonicalised
//! (`uz-latn` → `uz-Latn`, `tr-Latn` → `tr`, deprecated `iw` → `he`) so equal languages compare
//! equal as strings.

use super::Coded;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A canonical BCP 47 tag naming a real language, e.g. `kk`, `uz-Cyrl`, `kaa`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LanguageTag(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LanguageTagError {
    /// Not a well-formed BCP 47 tag at all.
    #[error("{0:?} is not a well-formed BCP 47 language tag (e.g. tr, kk, uz-Latn)")]
    Malformed(String),
    /// Well-formed but naming something the IANA registry does not know.
    #[error("{0:?} is not a registered language tag")]
    Unregistered(String),
    /// A registered tag we do not accept as a content language (private use, grandfathered,
    /// extensions).
    #[error("{0:?} is not supported; use a plain language tag with an optional script and region")]
    Unsupported(String),
}

impl Coded for LanguageTagError {
    fn code(&self) -> &'static str {
        match self {
            LanguageTagError::Malformed(_) => "malformed_language_tag",
            LanguageTagError::Unregistered(_) => "unknown_language_tag",
            LanguageTagError::Unsupported(_) => "unsupported_language_tag",
        }
    }
}

/// Longest tag we store; real content tags are far shorter, and the bound keeps a hostile
/// request from making us canonicalise megabytes.
const MAX_LEN: usize = 35;

impl LanguageTag {
    pub fn parse(input: &str) -> Result<Self, LanguageTagError> {
        let input = input.trim();
        if input.is_empty() || input.len() > MAX_LEN || !input.is_ascii() {
            return Err(LanguageTagError::Malformed(input.to_owned()));
        }
        let tag = language_tags::LanguageTag::parse(input)
            .map_err(|_| LanguageTagError::Malformed(input.to_owned()))?;
        let lower = input.to_ascii_lowercase();
        if lower.starts_with("x-") || lower.starts_with("i-") || is_grandfathered(&tag) {
            return Err(LanguageTagError::Unsupported(input.to_owned()));
        }
        if tag.extension().is_some() || tag.private_use().is_some() {
            return Err(LanguageTagError::Unsupported(input.to_owned()));
        }
        tag.validate()
            .map_err(|_| LanguageTagError::Unregistered(input.to_owned()))?;
        let primary = tag.primary_language();
        if ("qaa"..="qtz").contains(&primary) {
            return Err(LanguageTagError::Unsupported(input.to_owned()));
        }
        let canonical = tag
            .canonicalize()
            .map_err(|_| LanguageTagError::Unregistered(input.to_owned()))?;
        Ok(LanguageTag(canonical.into_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag: `uz` for `uz-Cyrl`.
    pub fn primary_language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

/// Grandfathered irregular/regular tags such as `art-lojban` or `zh-min-nan` parse as a single
/// "primary language"; they are legacy and not what an admin means to enable.
/// language-tags represents them as one primary subtag containing hyphens.
fn is_grandfathered(tag: &language_tags::LanguageTag) -> bool {
    tag.primary_language().contains('-')
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LanguageTag {
    type Err = LanguageTagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LanguageTag::parse(s)
    }
}

impl TryFrom<String> for LanguageTag {
    type Error = LanguageTagError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LanguageTag::parse(&s)
    }
}

impl From<LanguageTag> for String {
    fn from(t: LanguageTag) -> String {
        t.0
    }
}

impl AsRef<str> for LanguageTag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> String {
        LanguageTag::parse(s).unwrap().to_string()
    }

    fn code(s: &str) -> &'static str {
        LanguageTag::parse(s).unwrap_err().code()
    }

    #[test]
    fn the_languages_we_serve_pass() {
        for t in [
            "tr", "kk", "ky", "uz-Latn", "uz-Cyrl", "kaa", "az", "tk", "hu", "ru", "en", "en-GB",
            "kk-KZ", "az-Latn",
        ] {
            assert_eq!(tag(t), t);
        }
        // Cyrillic is Kazakh's suppressed script, so it is dropped like Latin for Turkish.
        assert_eq!(tag("kk-Cyrl-KZ"), "kk-KZ");
    }

    #[test]
    fn case_is_canonicalised() {
        assert_eq!(tag("uz-latn"), "uz-Latn");
        assert_eq!(tag("UZ-CYRL"), "uz-Cyrl");
        assert_eq!(tag("en-gb"), "en-GB");
        assert_eq!(tag(" ru "), "ru");
    }

    #[test]
    fn redundant_scripts_and_deprecated_codes_are_canonicalised() {
        assert_eq!(tag("tr-Latn"), "tr"); // Latin is Turkish's suppressed script
        assert_eq!(tag("iw"), "he");
    }

    #[test]
    fn malformed_tags_fail() {
        for bad in [
            "",
            "xx-Foo-",
            "klingon123",
            "-tr",
            "tr--TR",
            "t",
            "tr_TR",
            "türkçe",
            "en-",
        ] {
            assert_eq!(code(bad), "malformed_language_tag", "{bad:?}");
        }
        assert_eq!(code(&"a".repeat(40)), "malformed_language_tag");
    }

    #[test]
    fn unregistered_subtags_fail() {
        for bad in ["xx", "zz", "tr-Abcd", "tr-YY", "kk-Qwer", "abcdefgh"] {
            assert_eq!(code(bad), "unknown_language_tag", "{bad:?}");
        }
    }

    #[test]
    fn private_use_grandfathered_and_extensions_are_unsupported() {
        for bad in [
            "x-klingon",
            "i-klingon",
            "qaa",
            "art-lojban",
            "tr-u-co-phonebk",
            "tr-x-foo",
        ] {
            assert_eq!(code(bad), "unsupported_language_tag", "{bad:?}");
        }
    }

    #[test]
    fn primary_language_is_the_first_subtag() {
        assert_eq!(
            LanguageTag::parse("uz-Cyrl").unwrap().primary_language(),
            "uz"
        );
        assert_eq!(LanguageTag::parse("kaa").unwrap().primary_language(), "kaa");
    }

    #[test]
    fn serde_round_trip() {
        let t: LanguageTag = serde_json::from_str("\"uz-latn\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"uz-Latn\"");
        assert!(serde_json::from_str::<LanguageTag>("\"xx-Foo-\"").is_err());
    }
}
