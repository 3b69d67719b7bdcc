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

/// The server-side secret key of [`NationalId::keyed_hash`]. Kept outside the database: with
/// it, the 10^9–10^11 possible IDs of a scheme could be hashed and matched in seconds.
#[derive(Clone)]
pub struct Pepper(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PepperError {
    #[error("the national-ID pepper must be at least {MIN_PEPPER_BYTES} bytes (got {0})")]
    TooShort(usize),
}

/// 256 bits, the output size of SHA-256: a shorter key would be the weakest link.
pub const MIN_PEPPER_BYTES: usize = 32;

impl Pepper {
    /// `hex(HMAC-SHA256(pepper, part₁ ‖ part₂ ‖ …))`: keyed hashes of other values derived
    /// from an ID (a voter's key in one budget), so that they too mean nothing without the
    /// pepper.
    pub fn mac(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        for part in parts {
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, PepperError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_PEPPER_BYTES {
            return Err(PepperError::TooShort(bytes.len()));
        }
        Ok(Pepper(bytes))
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<redacted>)")
    }
}

/// Strips whitespace and dashes (including the Unicode ones people paste from documents) and
/// upper-cases ASCII letters with ASCII rules. Any other non-ASCII character is refused rather
/// than case-folded: Unicode upper-casing turns Turkish dotless `ı` into `I`, which would make
/// two different inputs one ID.
fn normalise(input: &str) -> Result<String, NationalIdError> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_whitespace() || is_dash(c) {
            continue;
        }
        if !c.is_ascii() {
            return Err(NationalIdError::InvalidCharacters);
        }
        out.push(c.to_ascii_uppercase());
    }
    Ok(out)
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// Two-digit number from `d[i]` and `d[i + 1]`.
fn two(d: &[u32], i: usize) -> u32 {
    d[i] * 10 + d[i + 1]
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, NationalIdError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(NationalIdError::InvalidBirthDate)
}

/// Century from the IIN/PINFL code: 1–2 → 1800s, 3–4 → 1900s, 5–6 → 2000s.
fn century(code: u32) -> Result<i32, NationalIdError> {
    match code {
        1..=6 => Ok(1800 + 100 * ((code as i32 - 1) / 2)),
        _ => Err(NationalIdError::InvalidFormat),
    }
}

fn tckn(d: &[u32]) -> Result<(), NationalIdError> {
    if d[0] == 0 {
        return Err(NationalIdError::InvalidFormat);
    }
    let odd: i32 = [0, 2, 4, 6, 8].iter().map(|&i| d[i] as i32).sum();
    let even: i32 = [1, 3, 5, 7].iter().map(|&i| d[i] as i32).sum();
    // 7·odd − even is negative whenever the even positions outweigh seven times the odd ones;
    // `%` would then give a negative remainder that never equals a digit.
    let d10 = (7 * odd - even).rem_euclid(10) as u32;
    let d11 = d[..10].iter().sum::<u32>() % 10;
    if d[9] == d10 && d[10] == d11 {
        Ok(())
    } else {
        Err(NationalIdError::InvalidCheckDigit)
    }
}

fn iin_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    let century = century(d[6])?;
    date(century + two(d, 0) as i32, two(d, 2), two(d, 4))
}

fn iin_check(d: &[u32]) -> Result<(), NationalIdError> {
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let first = (1..).zip(&d[..11]).map(|(w, x)| w * x).sum::<u32>() % 11;
    let k = if first == 10 {
        let second = SECOND.iter().zip(&d[..11]).map(|(w, x)| w * x).sum::<u32>() % 11;
        if second == 10 {
            return Err(NationalIdError::NeverIssued);
        }
        second
    } else {
        first
    };
    if d[11] == k {
        Ok(())
    } else {
        Err(NationalIdError::InvalidCheckDigit)
    }
}

/// `g DDMMYYYY NNNNN`. Years before 1800 are refused: no living person was born then, and it
/// keeps the rule in line with the IIN/PINFL century codes.
fn kg_pin_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    if !matches!(d[0], 1 | 2) {
        return Err(NationalIdError::InvalidFormat);
    }
    let year = (two(d, 5) * 100 + two(d, 7)) as i32;
    if year < 1800 {
        return Err(NationalIdError::InvalidBirthDate);
    }
    date(year, two(d, 3), two(d, 1))
}

/// `c DDMMYY AAA SSS K`.
fn pinfl_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    let century = century(d[0])?;
    date(century + two(d, 5) as i32, two(d, 3), two(d, 1))
}

fn pinfl_check(d: &[u32]) -> Result<(), NationalIdError> {
    const W: [u32; 3] = [7, 3, 1];
    let k = d[..13]
        .iter()
        .enumerate()
        .map(|(i, x)| W[i % 3] * x)
        .sum::<u32>()
        % 10;
    if d[13] == k {
        Ok(())
    } else {
        Err(NationalIdError::InvalidCheckDigit)
    }
}

fn hu_check(d: &[u32]) -> Result<(), NationalIdError> {
    let k = (1..).zip(&d[..9]).map(|(w, x)| w * x).sum::<u32>() % 11;
    if k == 10 {
        Err(NationalIdError::NeverIssued)
    } else if d[9] == k {
        Ok(())
    } else {
        Err(NationalIdError::InvalidCheckDigit)
    }
}

/// Digits 2–6 of a Hungarian tax ID count the days from 1867-01-01 to the birth date (NAV's
/// published structure). Every 5-digit count is a real date, so this cannot fail; it is not in
/// national-ids.md's table but lets the service cross-check the stated birth date as for the
/// other dated schemes.
fn hu_birth_date(d: &[u32]) -> NaiveDate {
    let days = d[1..6].iter().fold(0i64, |n, &x| n * 10 + i64::from(x));
    let epoch = NaiveDate::from_ymd_opt(1867, 1, 1).unwrap_or(NaiveDate::MIN);
    epoch + chrono::Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::NationalIdScheme::*;
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn err(scheme: NationalIdScheme, input: &str) -> &'static str {
        match NationalId::parse(scheme, input) {
            Ok(_) => panic!("{scheme} {input:?} was accepted"),
            Err(e) => e.code(),
        }
    }

    fn ok(scheme: NationalIdScheme, input: &str) -> NationalId {
        NationalId::parse(scheme, input)
            .unwrap_or_else(|e| panic!("{scheme} {input:?} refused: {}", e.code()))
    }

    /// Every single-digit substitution at `pos` (to any other digit).
    fn substitutions(valid: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (pos, c) in valid.char_indices() {
            for d in '0'..='9' {
                if d != c {
                    let mut s = valid.to_owned();
                    s.replace_range(pos..pos + 1, &d.to_string());
                    out.push(s);
                }
            }
        }
        out
    }

    /// Every swap of two adjacent, different characters.
    fn transpositions(valid: &str) -> Vec<String> {
        let b = valid.as_bytes();
        (0..b.len() - 1)
            .filter(|&i| b[i] != b[i + 1])
            .map(|i| {
                let mut v = b.to_vec();
                v.swap(i, i + 1);
                String::from_utf8(v).unwrap()
            })
            .collect()
    }

    /// Builds a TCKN from its first nine digits.
    fn tckn_from(nine: &[u32; 9]) -> String {
        let odd: i32 = [0, 2, 4, 6, 8].iter().map(|&i| nine[i] as i32).sum();
        let even: i32 = [1, 3, 5, 7].iter().map(|&i| nine[i] as i32).sum();
        let d10 = (7 * odd - even).rem_euclid(10) as u32;
        let d11 = (nine.iter().sum::<u32>() + d10) % 10;
        nine.iter()
            .chain([d10, d11].iter())
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect()
    }

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

    // ---- tr_tckn ----

    #[test]
    fn tckn_example_is_valid_and_has_no_birth_date() {
        let id = ok(TrTckn, "10000000146");
        assert_eq!(id.scheme(), TrTckn);
        assert_eq!(id.birth_date(), None);
        assert!(id.check_birth_date(ymd(2000, 1, 1)).is_ok());
    }

    #[test]
    fn tckn_negative_modulo_case() {
        // 7·(1+0+0+0+0) − (9+9+9+9) = −29: mathematically ≡ 1 (mod 10), while `%` gives −9.
        assert_eq!(tckn_from(&[1, 9, 0, 9, 0, 9, 0, 9, 0]), "19090909018");
        ok(TrTckn, "19090909018");
        assert_eq!(err(TrTckn, "19090909098"), "invalid_check_digit");
    }

    #[test]
    fn tckn_mistakes() {
        assert_eq!(err(TrTckn, "00000000146"), "invalid_format"); // leading zero
        assert_eq!(err(TrTckn, "01000000146"), "invalid_format");
        assert_eq!(err(TrTckn, "10000000147"), "invalid_check_digit");
        assert_eq!(err(TrTckn, "10000000136"), "invalid_check_digit");
        assert_eq!(err(TrTckn, "1000000014"), "invalid_length");
        assert_eq!(err(TrTckn, "100000001460"), "invalid_length");
        assert_eq!(err(TrTckn, ""), "invalid_length");
        assert_eq!(err(TrTckn, "1000000014A"), "invalid_characters");
        for s in substitutions("10000000146") {
            assert!(NationalId::parse(TrTckn, &s).is_err(), "{s}");
        }
        for s in transpositions("19090909018") {
            assert!(NationalId::parse(TrTckn, &s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn tckn_catches_every_single_digit_substitution(
            first in 1u32..=9,
            rest in proptest::array::uniform8(0u32..=9),
            pos in 0usize..11,
            delta in 1u32..=9,
        ) {
            let mut nine = [first; 9];
            nine[1..].copy_from_slice(&rest);
            let valid = tckn_from(&nine);
            prop_assert!(NationalId::parse(TrTckn, &valid).is_ok());
            let mut digits: Vec<u32> = valid.chars().map(|c| c.to_digit(10).unwrap()).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let typo: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            let code = NationalId::parse(TrTckn, &typo).unwrap_err().code();
            prop_assert!(code == "invalid_check_digit" || code == "invalid_format", "{}", code);
        }

        #[test]
        fn parsing_never_panics(scheme in proptest::sample::select(NationalIdScheme::ALL), input in "\\PC{0,40}") {
            let _ = NationalId::parse(scheme, &input);
        }

        #[test]
        fn parsing_digit_strings_never_panics(scheme in proptest::sample::select(NationalIdScheme::ALL), input in "[0-9]{4,14}") {
            let _ = NationalId::parse(scheme, &input);
        }
    }

    // ---- kz_iin ----

    #[test]
    fn iin_example_is_valid_with_its_birth_date() {
        let id = ok(KzIin, "900101300017");
        assert_eq!(id.birth_date(), Some(ymd(1990, 1, 1)));
        assert!(id.check_birth_date(ymd(1990, 1, 1)).is_ok());
        assert_eq!(
            id.check_birth_date(ymd(1990, 1, 2)).unwrap_err().code(),
            "birth_date_mismatch"
        );
    }

    #[test]
    fn iin_second_weights_case() {
        // First pass: Σ i·d_i = 10 (mod 11), so the second weights 3,4,…,11,1,2 give K = 1.
        let id = ok(KzIin, "900101300811");
        assert_eq!(id.birth_date(), Some(ymd(1990, 1, 1)));
        assert_eq!(err(KzIin, "900101300810"), "invalid_check_digit");
    }

    #[test]
    fn iin_never_issued_case() {
        // Both passes give 10: whatever the last digit, no such IIN exists.
        for k in 0..=9 {
            assert_eq!(err(KzIin, &format!("90010130080{k}")), "never_issued");
        }
    }

    #[test]
    fn iin_century_codes() {
        // Same YYMMDD, different centuries; the check digit is recomputed for each.
        let with_check = |p: &str| {
            let d: Vec<u32> = p.chars().map(|c| c.to_digit(10).unwrap()).collect();
            for k in 0..=9 {
                let s = format!("{p}{k}");
                let mut dd = d.clone();
                dd.push(k);
                if iin_check(&dd).is_ok() {
                    return s;
                }
            }
            panic!("{p} has no valid check digit");
        };
        assert_eq!(
            ok(KzIin, &with_check("85070310000")).birth_date(),
            Some(ymd(1885, 7, 3))
        );
        assert_eq!(
            ok(KzIin, &with_check("85070340000")).birth_date(),
            Some(ymd(1985, 7, 3))
        );
        assert_eq!(
            ok(KzIin, &with_check("05070360000")).birth_date(),
            Some(ymd(2005, 7, 3))
        );
        // 29 February 2000 exists (code 5/6), 29 February 1900 does not (code 3/4).
        assert_eq!(
            ok(KzIin, &with_check("00022950000")).birth_date(),
            Some(ymd(2000, 2, 29))
        );
        assert_eq!(err(KzIin, &with_check("00022930000")), "invalid_birth_date");
        // Century codes 0, 7, 8, 9 are not assigned.
        for c in ['0', '7', '8', '9'] {
            assert_eq!(
                err(KzIin, &format!("900101{c}00017")),
                "invalid_format",
                "{c}"
            );
        }
    }

    #[test]
    fn iin_impossible_dates() {
        for bad in [
            "900231300017",
            "900132300017",
            "901301300017",
            "900001300017",
            "010229500017",
        ] {
            assert_eq!(err(KzIin, bad), "invalid_birth_date", "{bad}");
        }
    }

    #[test]
    fn iin_typos() {
        assert_eq!(err(KzIin, "900101300018"), "invalid_check_digit");
        assert_eq!(err(KzIin, "90010130001"), "invalid_length");
        assert_eq!(err(KzIin, "90010130001O"), "invalid_characters");
        // Weight 11 is 0 mod 11, so the first pass cannot see the 11th digit: a typo there
        // goes unnoticed whenever the first pass decides. That is the algorithm, not us.
        for s in substitutions("900101300017") {
            let typo_in_11th = s[..10] == *"9001013000" && s[11..] == *"7";
            assert_eq!(NationalId::parse(KzIin, &s).is_ok(), typo_in_11th, "{s}");
        }
        for s in transpositions("900101300017") {
            assert!(NationalId::parse(KzIin, &s).is_err(), "{s}");
        }
    }

    // ---- kg_pin ----

    #[test]
    fn kg_pin_example_and_structure() {
        let id = ok(KgPin, "21503199000123");
        assert_eq!(id.birth_date(), Some(ymd(1990, 3, 15)));
        ok(KgPin, "12902200000001"); // 29.02.2000, a leap year
        assert_eq!(err(KgPin, "12902190000001"), "invalid_birth_date"); // 1900 is not
        assert_eq!(err(KgPin, "12902202300001"), "invalid_birth_date"); // nor 2023
        assert_eq!(err(KgPin, "23102199000123"), "invalid_birth_date"); // 31 February
        assert_eq!(err(KgPin, "21513199000123"), "invalid_birth_date"); // month 13
        assert_eq!(err(KgPin, "21503079900123"), "invalid_birth_date"); // year 0799
        assert_eq!(err(KgPin, "31503199000123"), "invalid_format"); // sex digit 3
        assert_eq!(err(KgPin, "01503199000123"), "invalid_format");
        assert_eq!(err(KgPin, "2150319900012"), "invalid_length");
        assert_eq!(err(KgPin, "2150319900012X"), "invalid_characters");
    }

    // ---- uz_pinfl ----

    #[test]
    fn pinfl_example_and_structure() {
        let id = ok(UzPinfl, "31501902620014");
        assert_eq!(id.birth_date(), Some(ymd(1990, 1, 15)));
        assert_eq!(err(UzPinfl, "31501902620015"), "invalid_check_digit");
        assert_eq!(err(UzPinfl, "73001902620014"), "invalid_format"); // century code 7
        assert_eq!(err(UzPinfl, "33102902620014"), "invalid_birth_date"); // 31 February
        assert_eq!(err(UzPinfl, "32902002620014"), "invalid_birth_date"); // 29.02.1900
        assert_eq!(err(UzPinfl, "3150190262001"), "invalid_length");
        for s in substitutions("31501902620014") {
            assert!(NationalId::parse(UzPinfl, &s).is_err(), "{s}");
        }
    }

    #[test]
    fn pinfl_check_digit_can_be_relaxed_to_a_warning() {
        let (id, warning) =
            NationalId::parse_with(UzPinfl, "31501902620015", CheckDigitPolicy::Warn).unwrap();
        assert_eq!(warning, Some(NationalIdWarning::UnverifiedCheckDigit));
        assert_eq!(warning.unwrap().code(), "unverified_check_digit");
        assert_eq!(id.birth_date(), Some(ymd(1990, 1, 15)));
        let (_, none) =
            NationalId::parse_with(UzPinfl, "31501902620014", CheckDigitPolicy::Warn).unwrap();
        assert_eq!(none, None);
        // Dates stay mandatory, and official check digits are never relaxed.
        assert_eq!(
            NationalId::parse_with(UzPinfl, "33102902620014", CheckDigitPolicy::Warn)
                .unwrap_err()
                .code(),
            "invalid_birth_date"
        );
        assert_eq!(
            NationalId::parse_with(TrTckn, "10000000147", CheckDigitPolicy::Warn)
                .unwrap_err()
                .code(),
            "invalid_check_digit"
        );
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

    // ---- hu_tax_id ----

    #[test]
    fn hu_tax_id_example_and_structure() {
        let id = ok(HuTaxId, "8414381235");
        // 41438 days after 1867-01-01.
        assert_eq!(id.birth_date(), Some(ymd(1980, 6, 15)));
        assert_eq!(err(HuTaxId, "8414381236"), "invalid_check_digit");
        assert_eq!(err(HuTaxId, "7414381235"), "invalid_format");
        assert_eq!(err(HuTaxId, "841438123"), "invalid_length");
        for s in substitutions("8414381235") {
            assert!(NationalId::parse(HuTaxId, &s).is_err(), "{s}");
        }
    }

    #[test]
    fn hu_tax_id_never_issued_case() {
        // 1·8 + 8·1 + 9·3 = 43 ≡ 10 (mod 11): no check digit can follow 800000013.
        for k in 0..=9 {
            assert_eq!(err(HuTaxId, &format!("800000013{k}")), "never_issued");
        }
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

    // ---- review against national-ids.md: more arithmetic and calendar edges ----

    /// Appends the one check digit `check` accepts (panics when none does).
    fn with_check(prefix: &str, check: fn(&[u32]) -> Result<(), NationalIdError>) -> String {
        let d: Vec<u32> = prefix.chars().map(|c| c.to_digit(10).unwrap()).collect();
        (0..=9)
            .map(|k| {
                let mut dd = d.clone();
                dd.push(k);
                (k, dd)
            })
            .find(|(_, dd)| check(dd).is_ok())
            .map(|(k, _)| format!("{prefix}{k}"))
            .unwrap_or_else(|| panic!("{prefix} has no valid check digit"))
    }

    #[test]
    fn tckn_more_negative_intermediates() {
        // 7·1 − 8 = −1: the check digit is 9, where a truncating `%` would give −1 and a
        // careless `abs` would give 1.
        assert_eq!(tckn_from(&[1, 8, 0, 0, 0, 0, 0, 0, 0]), "18000000098");
        ok(TrTckn, "18000000098");
        assert_eq!(err(TrTckn, "18000000010"), "invalid_check_digit");
        // 7·1 − 27 = −20: a negative multiple of ten gives 0.
        assert_eq!(tckn_from(&[1, 9, 0, 9, 0, 9, 0, 0, 0]), "19090900008");
        ok(TrTckn, "19090900008");
        // The largest possible intermediate, 7·45 − 0 = 315.
        assert_eq!(tckn_from(&[9, 0, 9, 0, 9, 0, 9, 0, 9]), "90909090950");
        ok(TrTckn, "90909090950");
        // Both check digits are needed: the right 10th with a wrong 11th, and the other way.
        assert_eq!(err(TrTckn, "18000000097"), "invalid_check_digit");
        assert_eq!(err(TrTckn, "18000000088"), "invalid_check_digit");
        for s in transpositions("18000000098") {
            assert!(NationalId::parse(TrTckn, &s).is_err(), "{s}");
        }
    }

    #[test]
    fn iin_official_rules_are_never_relaxed() {
        for input in ["900101300018", "900101300805"] {
            let code = NationalId::parse_with(KzIin, input, CheckDigitPolicy::Warn)
                .unwrap_err()
                .code();
            assert!(
                code == "invalid_check_digit" || code == "never_issued",
                "{input} {code}"
            );
        }
        assert_eq!(
            NationalId::parse_with(KzIin, "900101300805", CheckDigitPolicy::Warn)
                .unwrap_err()
                .code(),
            "never_issued"
        );
    }

    #[test]
    fn iin_leap_days_by_century() {
        // 1800 and 1900 are not leap years, 2000 and 1896 are.
        assert_eq!(
            err(KzIin, &with_check("00022910000", iin_check)),
            "invalid_birth_date"
        );
        assert_eq!(
            err(KzIin, &with_check("00022920000", iin_check)),
            "invalid_birth_date"
        );
        assert_eq!(
            ok(KzIin, &with_check("00022960000", iin_check)).birth_date(),
            Some(ymd(2000, 2, 29))
        );
        assert_eq!(
            ok(KzIin, &with_check("96022920000", iin_check)).birth_date(),
            Some(ymd(1896, 2, 29))
        );
        assert_eq!(
            err(KzIin, &with_check("00043140000", iin_check)),
            "invalid_birth_date"
        );
    }

    #[test]
    fn pinfl_calendar_edges() {
        let valid = |p: &str| ok(UzPinfl, &with_check(p, pinfl_check)).birth_date();
        let refused = |p: &str| err(UzPinfl, &with_check(p, pinfl_check));
        assert_eq!(valid("5290200262001"), Some(ymd(2000, 2, 29)));
        assert_eq!(valid("2290296262001"), Some(ymd(1896, 2, 29)));
        assert_eq!(refused("5290201262001"), "invalid_birth_date"); // 2001 is not leap
        assert_eq!(refused("1290200262001"), "invalid_birth_date"); // nor 1800
        assert_eq!(refused("4310490262001"), "invalid_birth_date"); // 31 April
        assert_eq!(refused("4000190262001"), "invalid_birth_date"); // day 0
        assert_eq!(refused("0150190262001"), "invalid_format"); // century code 0
    }

    #[test]
    fn pinfl_weights_miss_swaps_of_digits_five_apart() {
        // Weights 7,3,1 differ by 4, 2 or 6: a swap of two adjacent digits whose difference
        // is 5 changes the sum by a multiple of 10. That is the algorithm's limit, not ours.
        let valid = with_check("3150190262050", pinfl_check);
        let swapped = format!("{}{}", &valid[..10], {
            let tail: Vec<char> = valid[10..].chars().collect();
            format!("{}{}{}{}", tail[0], tail[2], tail[1], tail[3])
        });
        assert_ne!(valid, swapped);
        ok(UzPinfl, &valid);
        ok(UzPinfl, &swapped);
        // Other adjacent swaps of the example are caught.
        for s in transpositions("31501902620014") {
            assert!(NationalId::parse(UzPinfl, &s).is_err(), "{s}");
        }
    }

    #[test]
    fn pinfl_warn_policy_relaxes_only_the_check_digit() {
        let warn = |input: &str| {
            NationalId::parse_with(UzPinfl, input, CheckDigitPolicy::Warn).map(|(_, w)| w)
        };
        // Every wrong check digit is only a warning…
        for k in 0..=9 {
            let input = format!("3150190262001{k}");
            let expected = (k != 4).then_some(NationalIdWarning::UnverifiedCheckDigit);
            assert_eq!(warn(&input), Ok(expected), "{input}");
        }
        // …but length, alphabet, century code and date still refuse.
        assert_eq!(warn("3150190262001").unwrap_err().code(), "invalid_length");
        assert_eq!(
            warn("3150190262001X").unwrap_err().code(),
            "invalid_characters"
        );
        assert_eq!(warn("71501902620014").unwrap_err().code(), "invalid_format");
        assert_eq!(
            warn("31513902620014").unwrap_err().code(),
            "invalid_birth_date"
        );
        // The default `parse` enforces it.
        assert_eq!(err(UzPinfl, "31501902620019"), "invalid_check_digit");
    }

    #[test]
    fn hu_tax_id_rules_are_never_relaxed_and_its_date_is_cross_checked() {
        for input in ["8414381236", "8000000130"] {
            assert!(NationalId::parse_with(HuTaxId, input, CheckDigitPolicy::Warn).is_err());
        }
        let id = ok(HuTaxId, "84143-81235");
        assert!(id.check_birth_date(ymd(1980, 6, 15)).is_ok());
        assert_eq!(
            id.check_birth_date(ymd(1980, 6, 16)).unwrap_err().code(),
            "birth_date_mismatch"
        );
        // Weights 1..9 mod the prime 11 catch every adjacent swap.
        for s in transpositions("8414381235") {
            assert!(NationalId::parse(HuTaxId, &s).is_err(), "{s}");
        }
        // Day 0 is 1867-01-01 itself.
        let first = with_check("800000000", hu_check);
        assert_eq!(ok(HuTaxId, &first).birth_date(), Some(ymd(1867, 1, 1)));
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
    fn kg_pin_has_no_check_digit_but_a_structure() {
        // Any serial is accepted: there is no published check digit to catch a typo there.
        for serial in ["00000", "00123", "99999"] {
            ok(KgPin, &format!("215031990{serial}"));
        }
        assert_eq!(err(KgPin, "20003199000123"), "invalid_birth_date"); // day 0
        assert_eq!(err(KgPin, "23104199000123"), "invalid_birth_date"); // 31 April
        assert_eq!(err(KgPin, "12902180000001"), "invalid_birth_date"); // 29.02.1800
    }

    // ---- hashing and secrecy ----

    fn pepper() -> Pepper {
        Pepper::new([7u8; 32]).unwrap()
    }

    #[test]
    fn keyed_hash_is_hmac_of_scheme_and_normalised_id() {
        let id = ok(TrTckn, "100 000 001 46");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"tr_tckn:10000000146");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(id.keyed_hash(&pepper()), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn keyed_hash_depends_on_pepper_and_scheme() {
        let a = ok(Generic, "10000000146").keyed_hash(&pepper());
        let b = ok(TrTckn, "10000000146").keyed_hash(&pepper());
        let c = ok(TrTckn, "10000000146").keyed_hash(&Pepper::new([8u8; 32]).unwrap());
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_eq!(
            ok(AzFin, "5gxm4dz").keyed_hash(&pepper()),
            ok(AzFin, "5GXM4DZ").keyed_hash(&pepper())
        );
    }

    #[test]
    fn short_peppers_are_refused() {
        assert_eq!(
            Pepper::new(vec![0; 31]).unwrap_err(),
            PepperError::TooShort(31)
        );
        assert_eq!(format!("{:?}", pepper()), "Pepper(<redacted>)");
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
