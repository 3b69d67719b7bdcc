//! National identity numbers of the schemes in `shared/design/national-ids.md`.
//!
//! A raw ID never leaves this module: [`NationalId`] has no `Display`, no `Serialize` and a
//! redacted `Debug`; errors carry no digits. What the rest of the service gets is the scheme,
//! the embedded birth date (to cross-check the one the resident states) and the keyed hash
//! that is stored and looked up. Check digits catch typos, not fraud.

use super::string_enum::string_enum;
use super::Coded;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use thiserror::Error;

use hu::{hu_birth_date, hu_check};
use kg::kg_pin_birth_date;
use kz::{iin_birth_date, iin_check};
use normalise::normalise;
pub use pepper::{Pepper, PepperError, MIN_PEPPER_BYTES};
use tr::tckn;
use uz::{pinfl_birth_date, pinfl_check};

mod digits;
mod hu;
mod kg;
mod kz;
mod normalise;
mod pepper;
#[cfg(test)]
mod test_support;
mod tr;
mod uz;

string_enum! {
    /// How a municipality's residents are identified.
    pub enum NationalIdScheme ("national ID scheme") {
        /// Türkiye: T.C. Kimlik No, 11 digits with two check digits.
        TrTckn => "tr_tckn",
        /// Kazakhstan: IIN, 12 digits with birth date, century/sex code and check digit.
        KzIin => "kz_iin",
        /// Kyrgyzstan: PIN, 14 digits with sex and birth date, no published check digit.
        KgPin => "kg_pin",
        /// Uzbekistan: PINFL (JShShIR), 14 digits with birth date and a community-documented
        /// check digit.
        UzPinfl => "uz_pinfl",
        /// Azerbaijan: FİN, 7 characters, no check digit.
        AzFin => "az_fin",
        /// Hungary: tax identification number (adóazonosító jel), 10 digits.
        HuTaxId => "hu_tax_id",
        /// Anything else: 4 to 32 characters of 0-9 and A-Z.
        Generic => "generic",
    }
}

impl NationalIdScheme {
    /// Whether IDs of this scheme carry the holder's birth date.
    pub const fn encodes_birth_date(self) -> bool {
        matches!(
            self,
            NationalIdScheme::KzIin
                | NationalIdScheme::KgPin
                | NationalIdScheme::UzPinfl
                | NationalIdScheme::HuTaxId
        )
    }

    /// Whether IDs of this scheme end in a check digit we verify.
    pub const fn has_check_digit(self) -> bool {
        matches!(
            self,
            NationalIdScheme::TrTckn
                | NationalIdScheme::KzIin
                | NationalIdScheme::UzPinfl
                | NationalIdScheme::HuTaxId
        )
    }

    /// Whether the check digit algorithm is published by the issuer. Only for schemes where it
    /// is not may a municipality relax a failed check to a warning ([`CheckDigitPolicy`]).
    pub const fn check_digit_is_official(self) -> bool {
        matches!(
            self,
            NationalIdScheme::TrTckn | NationalIdScheme::KzIin | NationalIdScheme::HuTaxId
        )
    }

    /// Allowed lengths after normalisation.
    pub const fn length(self) -> (usize, usize) {
        match self {
            NationalIdScheme::TrTckn => (11, 11),
            NationalIdScheme::KzIin => (12, 12),
            NationalIdScheme::KgPin | NationalIdScheme::UzPinfl => (14, 14),
            NationalIdScheme::AzFin => (7, 7),
            NationalIdScheme::HuTaxId => (10, 10),
            NationalIdScheme::Generic => (4, 32),
        }
    }
}

/// What a municipality does with a failed check digit of a scheme whose algorithm is not
/// officially published (today only `uz_pinfl`). Official check digits are always enforced.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigitPolicy {
    #[default]
    Enforce,
    /// Accept the ID and report [`NationalIdWarning::UnverifiedCheckDigit`].
    Warn,
}

impl CheckDigitPolicy {
    /// The stored (and wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckDigitPolicy::Enforce => "enforce",
            CheckDigitPolicy::Warn => "warn",
        }
    }
}

/// Why an ID was refused. No variant carries any part of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NationalIdError {
    /// A character outside the scheme's alphabet (after removing spaces and dashes), including
    /// any non-ASCII letter: `ı` and `İ` are refused, never folded to `I`.
    #[error("the ID contains characters this scheme does not use")]
    InvalidCharacters,
    #[error("the ID must have {}", length_text(*.min, *.max))]
    InvalidLength { min: usize, max: usize },
    /// A structural digit is wrong: a leading 0 in a TCKN, a HU tax ID not starting with 8, an
    /// IIN/PINFL century code outside 1–6, a KG PIN sex digit other than 1 or 2.
    #[error("the ID does not have this scheme's structure")]
    InvalidFormat,
    /// The embedded birth date does not exist (31 February, 29 February 1900…).
    #[error("the birth date inside the ID is not a real date")]
    InvalidBirthDate,
    #[error("the ID's check digit does not match; please check for a typo")]
    InvalidCheckDigit,
    /// The checksum rule says no ID like this is ever issued (IIN and HU remainder 10).
    #[error("no ID with these digits is ever issued; please check for a typo")]
    NeverIssued,
    /// The birth date inside the ID differs from the one the resident gave.
    #[error("the birth date does not match the one inside the ID")]
    BirthDateMismatch,
}

fn length_text(min: usize, max: usize) -> String {
    if min == max {
        format!("{min} characters")
    } else {
        format!("{min} to {max} characters")
    }
}

impl Coded for NationalIdError {
    fn code(&self) -> &'static str {
        match self {
            NationalIdError::InvalidCharacters => "invalid_characters",
            NationalIdError::InvalidLength { .. } => "invalid_length",
            NationalIdError::InvalidFormat => "invalid_format",
            NationalIdError::InvalidBirthDate => "invalid_birth_date",
            NationalIdError::InvalidCheckDigit => "invalid_check_digit",
            NationalIdError::NeverIssued => "never_issued",
            NationalIdError::BirthDateMismatch => "birth_date_mismatch",
        }
    }
}

impl NationalIdError {
    pub fn code(&self) -> &'static str {
        Coded::code(self)
    }
}

/// A non-fatal finding under [`CheckDigitPolicy::Warn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NationalIdWarning {
    /// The community-documented check digit did not match.
    UnverifiedCheckDigit,
}

impl NationalIdWarning {
    pub fn code(&self) -> &'static str {
        match self {
            NationalIdWarning::UnverifiedCheckDigit => "unverified_check_digit",
        }
    }
}

/// A valid, normalised national ID. Deliberately without `Display` or `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct NationalId {
    scheme: NationalIdScheme,
    normalised: String,
    birth_date: Option<NaiveDate>,
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalId")
            .field("scheme", &self.scheme)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// Longer input than this is refused before any work is done: no real ID with separators
/// comes close, and it bounds what a hostile request can make us scan.
const MAX_INPUT_BYTES: usize = 128;

impl NationalId {
    /// Parses with official and community check digits both enforced.
    pub fn parse(scheme: NationalIdScheme, input: &str) -> Result<NationalId, NationalIdError> {
        Self::parse_with(scheme, input, CheckDigitPolicy::Enforce).map(|(id, _)| id)
    }

    /// Parses under a municipality's [`CheckDigitPolicy`]; a relaxed check digit comes back as
    /// a warning next to the ID.
    pub fn parse_with(
        scheme: NationalIdScheme,
        input: &str,
        policy: CheckDigitPolicy,
    ) -> Result<(NationalId, Option<NationalIdWarning>), NationalIdError> {
        let (min, max) = scheme.length();
        if input.len() > MAX_INPUT_BYTES {
            return Err(NationalIdError::InvalidLength { min, max });
        }
        let normalised = normalise(input)?;
        let alphabet_ok = match scheme {
            NationalIdScheme::AzFin => normalised
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && b != b'I' && b != b'O')),
            NationalIdScheme::Generic => normalised
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
            _ => normalised.bytes().all(|b| b.is_ascii_digit()),
        };
        if !alphabet_ok {
            return Err(NationalIdError::InvalidCharacters);
        }
        if !(min..=max).contains(&normalised.len()) {
            return Err(NationalIdError::InvalidLength { min, max });
        }

        let digits: Vec<u32> = normalised.bytes().map(|b| u32::from(b - b'0')).collect();
        let mut warning = None;
        let check = |result: Result<(), NationalIdError>,
                     warning: &mut Option<NationalIdWarning>|
         -> Result<(), NationalIdError> {
            match result {
                Err(NationalIdError::InvalidCheckDigit)
                    if !scheme.check_digit_is_official() && policy == CheckDigitPolicy::Warn =>
                {
                    *warning = Some(NationalIdWarning::UnverifiedCheckDigit);
                    Ok(())
                }
                other => other,
            }
        };
        let birth_date = match scheme {
            NationalIdScheme::TrTckn => {
                check(tckn(&digits), &mut warning)?;
                None
            }
            NationalIdScheme::KzIin => {
                let date = iin_birth_date(&digits)?;
                check(iin_check(&digits), &mut warning)?;
                Some(date)
            }
            NationalIdScheme::KgPin => Some(kg_pin_birth_date(&digits)?),
            NationalIdScheme::UzPinfl => {
                let date = pinfl_birth_date(&digits)?;
                check(pinfl_check(&digits), &mut warning)?;
                Some(date)
            }
            NationalIdScheme::HuTaxId => {
                if digits[0] != 8 {
                    return Err(NationalIdError::InvalidFormat);
                }
                check(hu_check(&digits), &mut warning)?;
                Some(hu_birth_date(&digits))
            }
            NationalIdScheme::AzFin | NationalIdScheme::Generic => None,
        };
        Ok((
            NationalId {
                scheme,
                normalised,
                birth_date,
            },
            warning,
        ))
    }

    pub fn scheme(&self) -> NationalIdScheme {
        self.scheme
    }

    /// The birth date encoded in the ID, for schemes that encode one.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// Cross-checks the birth date a resident states with the one in the ID. Schemes without
    /// an embedded date accept any date.
    pub fn check_birth_date(&self, stated: NaiveDate) -> Result<(), NationalIdError> {
        match self.birth_date {
            Some(embedded) if embedded != stated => Err(NationalIdError::BirthDateMismatch),
            _ => Ok(()),
        }
    }

    /// `hex(HMAC-SHA256(pepper, scheme ":" normalised_id))`: the only form in which an ID is
    /// stored or compared. The scheme is inside the MAC so that equal digit strings of two
    /// schemes never collide.
    pub fn keyed_hash(&self, pepper: &Pepper) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&pepper.0)
            .expect("HMAC accepts keys of any length");
        mac.update(self.scheme.as_str().as_bytes());
        mac.update(b":");
        mac.update(self.normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;

    // ---- normalisation ----

    #[test]
    fn spaces_and_dashes_are_stripped() {
        let a = ok(TrTckn, "10000000146");
        for spelled in [
            "100 000 001 46",
            "100-000-001-46",
            " 10000000146\t",
            "100\u{2013}000\u{00A0}00146",
        ] {
            assert_eq!(ok(TrTckn, spelled), a, "{spelled:?}");
        }
    }

    #[test]
    fn letters_are_upper_cased_with_ascii_rules_only() {
        assert_eq!(ok(AzFin, "5gxm4dz"), ok(AzFin, "5GXM4DZ"));
        assert_eq!(ok(Generic, "abci"), ok(Generic, "ABCI"));
        // Turkish/Azerbaijani casing must not leak in: neither dotless ı nor dotted İ is I.
        assert_eq!(err(Generic, "ABCı"), "invalid_characters");
        assert_eq!(err(Generic, "ABCİ"), "invalid_characters");
        assert_eq!(err(AzFin, "5GXM4Dı"), "invalid_characters");
        // Full-width and other non-ASCII digits are not digits here.
        assert_eq!(err(TrTckn, "１0000000146"), "invalid_characters");
        assert_eq!(err(TrTckn, "١0000000146"), "invalid_characters");
    }

    #[test]
    fn huge_input_is_refused_early() {
        assert_eq!(err(Generic, &"1".repeat(10_000)), "invalid_length");
    }

    // ---- az_fin ----

    #[test]
    fn az_fin_alphabet() {
        ok(AzFin, "5GXM4DZ");
        ok(AzFin, "1234567");
        assert_eq!(err(AzFin, "5GXM4DI"), "invalid_characters"); // no I
        assert_eq!(err(AzFin, "5GXM4DO"), "invalid_characters"); // no O
        assert_eq!(err(AzFin, "5gxm4di"), "invalid_characters"); // i folds to I, still no
        assert_eq!(err(AzFin, "5GXM4D"), "invalid_length");
        assert_eq!(err(AzFin, "5GXM4DZZ"), "invalid_length");
        assert_eq!(err(AzFin, "5GXM4D_"), "invalid_characters");
        assert_eq!(ok(AzFin, "5GXM4DZ").birth_date(), None);
    }

    // ---- generic ----

    #[test]
    fn generic_bounds() {
        ok(Generic, "AB12");
        ok(Generic, &"Z".repeat(32));
        assert_eq!(err(Generic, "AB1"), "invalid_length");
        assert_eq!(err(Generic, &"Z".repeat(33)), "invalid_length");
        assert_eq!(err(Generic, "AB1/2"), "invalid_characters");
        assert_eq!(ok(Generic, "ab-12").birth_date(), None);
    }

    #[test]
    fn every_dated_scheme_cross_checks_the_stated_birth_date() {
        for (scheme, input, born) in [
            (KzIin, "900101300017", ymd(1990, 1, 1)),
            (KgPin, "21503199000123", ymd(1990, 3, 15)),
            (UzPinfl, "31501902620014", ymd(1990, 1, 15)),
            (HuTaxId, "8414381235", ymd(1980, 6, 15)),
        ] {
            let id = ok(scheme, input);
            assert!(scheme.encodes_birth_date());
            assert!(id.check_birth_date(born).is_ok(), "{scheme}");
            for wrong in [born.succ_opt().unwrap(), born.pred_opt().unwrap()] {
                assert_eq!(
                    id.check_birth_date(wrong).unwrap_err().code(),
                    "birth_date_mismatch",
                    "{scheme}"
                );
            }
        }
        // Schemes without a date accept any stated date.
        for (scheme, input) in [
            (TrTckn, "10000000146"),
            (AzFin, "5GXM4DZ"),
            (Generic, "AB12"),
        ] {
            assert!(!scheme.encodes_birth_date());
            assert!(ok(scheme, input).check_birth_date(ymd(1900, 1, 1)).is_ok());
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_digits() {
        let id = ok(KzIin, "900101300017");
        let shown = format!("{id:?} {:#?}", id);
        assert!(!shown.contains("900101"), "{shown}");
        assert!(shown.contains("redacted"));
        for bad in ["900101300018", "90010130001", "900231300017"] {
            let e = NationalId::parse(KzIin, bad).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("9001"));
        }
    }

    #[test]
    fn scheme_names_and_properties() {
        assert_eq!(
            NationalIdScheme::NAMES,
            [
                "tr_tckn",
                "kz_iin",
                "kg_pin",
                "uz_pinfl",
                "az_fin",
                "hu_tax_id",
                "generic"
            ]
        );
        assert_eq!("uz_pinfl".parse::<NationalIdScheme>().unwrap(), UzPinfl);
        assert!(UzPinfl.has_check_digit() && !UzPinfl.check_digit_is_official());
        assert!(!KgPin.has_check_digit() && KgPin.encodes_birth_date());
        assert!(!TrTckn.encodes_birth_date());
        assert_eq!(serde_json::to_string(&HuTaxId).unwrap(), "\"hu_tax_id\"");
    }
}
