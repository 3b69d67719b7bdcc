//! Municipality slugs: the short name in URLs (`/municipalities/{slug}`).

use super::Coded;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// 2 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-` (the DNS label
/// rule, so a slug can also become a subdomain). Upper case is refused rather than folded: a
/// slug is an identifier, and folding `İzmir` would be locale-dependent anyway.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

pub const SLUG_MIN_LEN: usize = 2;
pub const SLUG_MAX_LEN: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlugError {
    #[error("a slug has {SLUG_MIN_LEN} to {SLUG_MAX_LEN} characters")]
    Length,
    #[error("a slug uses only lower-case a-z, digits and hyphens")]
    Characters,
    #[error("a slug must not start or end with a hyphen")]
    Hyphen,
}

impl Coded for SlugError {
    fn code(&self) -> &'static str {
        match self {
            SlugError::Length => "invalid_slug_length",
            SlugError::Characters => "invalid_slug_characters",
            SlugError::Hyphen => "invalid_slug_hyphen",
        }
    }
}

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        if !input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(SlugError::Characters);
        }
        // All bytes are ASCII now, so the byte length is the character count.
        if !(SLUG_MIN_LEN..=SLUG_MAX_LEN).contains(&input.len()) {
            return Err(SlugError::Length);
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(SlugError::Hyphen);
        }
        Ok(Slug(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Slug {
    type Err = SlugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Slug::parse(s)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_slugs() {
        for s in ["ankara", "almaty-2027", "b1", "a-b", &"a".repeat(63), "0x"] {
            assert_eq!(Slug::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn bad_slugs_with_their_codes() {
        let cases = [
            ("a", "invalid_slug_length"),
            ("", "invalid_slug_length"),
            (&*"a".repeat(64), "invalid_slug_length"),
            ("Ankara", "invalid_slug_characters"),
            ("izmİr", "invalid_slug_characters"),
            ("ızmir", "invalid_slug_characters"),
            ("a_b", "invalid_slug_characters"),
            ("a b", "invalid_slug_characters"),
            ("a.b", "invalid_slug_characters"),
            ("-ab", "invalid_slug_hyphen"),
            ("ab-", "invalid_slug_hyphen"),
            ("-", "invalid_slug_length"),
        ];
        for (input, code) in cases {
            assert_eq!(Slug::parse(input).unwrap_err().code(), code, "{input:?}");
        }
    }

    #[test]
    fn serde_refuses_bad_slugs() {
        assert!(serde_json::from_str::<Slug>("\"Bad\"").is_err());
        let s: Slug = serde_json::from_str("\"baku\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"baku\"");
    }
}
