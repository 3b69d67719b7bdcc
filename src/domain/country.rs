//! Countries (ISO 3166-1 alpha-2) and the defaults of the ones Kurultai serves.
//!
//! What is accepted: every officially assigned ISO 3166-1 alpha-2 code, plus the user-assigned
//! ranges (`AA`, `QM`–`QZ`, `XA`–`XZ`, `ZZ`) for places without a code of their own
//! (Northern Cyprus, for example). Only the seven served countries (TR, KZ, KG, UZ, AZ, TM, HU)
//! come with defaults; a municipality anywhere else must state its currency, time zone,
//! languages and national ID scheme explicitly (see `MunicipalitySettings::resolve`).
//! Unassigned codes such as `UK` or `EU` are refused: they are the typos worth catching.

use super::{Coded, Currency, LanguageTag, NationalIdScheme, TimeZoneName};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// An ISO 3166-1 alpha-2 code, stored upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CountryError {
    #[error("{0:?} is not an ISO 3166-1 alpha-2 country code (two letters, e.g. KZ)")]
    Malformed(String),
    #[error("{0:?} is not an assigned ISO 3166-1 alpha-2 country code")]
    Unassigned(String),
}

impl Coded for CountryError {
    fn code(&self) -> &'static str {
        match self {
            CountryError::Malformed(_) => "malformed_country",
            CountryError::Unassigned(_) => "unknown_country",
        }
    }
}

/// The officially assigned codes, sorted (from tzdata's `iso3166.tab`, 249 entries).
const ASSIGNED: &str = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/// The defaults national-ids.md gives a served country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryDefaults {
    pub currency: Currency,
    pub time_zone: TimeZoneName,
    /// Enabled languages, the default first.
    pub languages: Vec<LanguageTag>,
    pub default_language: LanguageTag,
    pub national_id_scheme: NationalIdScheme,
}

impl Country {
    pub const TR: Country = Country(*b"TR");
    pub const KZ: Country = Country(*b"KZ");
    pub const KG: Country = Country(*b"KG");
    pub const UZ: Country = Country(*b"UZ");
    pub const AZ: Country = Country(*b"AZ");
    pub const TM: Country = Country(*b"TM");
    pub const HU: Country = Country(*b"HU");

    /// The countries with built-in defaults.
    pub const SERVED: [Country; 7] = [
        Country::TR,
        Country::KZ,
        Country::KG,
        Country::UZ,
        Country::AZ,
        Country::TM,
        Country::HU,
    ];

    /// Parses a code; lower case is accepted (`kz`) and canonicalised with ASCII rules.
    pub fn parse(input: &str) -> Result<Self, CountryError> {
        let trimmed = input.trim();
        let bytes = trimmed.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CountryError::Malformed(input.to_owned()));
        }
        let code = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()];
        if is_assigned(code) || is_user_assigned(code) {
            Ok(Country(code))
        } else {
            Err(CountryError::Unassigned(input.to_owned()))
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The English short name (ISO 3166's, as Pabulib files and pycountry write it) of the
    /// served countries; `None` elsewhere (the code then stands for itself).
    pub fn english_name(self) -> Option<&'static str> {
        Some(match &self.0 {
            b"TR" => "Türkiye",
            b"KZ" => "Kazakhstan",
            b"KG" => "Kyrgyzstan",
            b"UZ" => "Uzbekistan",
            b"AZ" => "Azerbaijan",
            b"TM" => "Turkmenistan",
            b"HU" => "Hungary",
            _ => return None,
        })
    }

    /// Whether this is a user-assigned code (no official meaning, never has defaults).
    pub fn is_user_assigned(self) -> bool {
        is_user_assigned(self.0)
    }

    /// The built-in defaults, for the served countries only.
    pub fn defaults(self) -> Option<CountryDefaults> {
        let (currency, zone, languages, scheme): (&str, &str, &[&str], NationalIdScheme) =
            match &self.0 {
                b"TR" => ("TRY", "Europe/Istanbul", &["tr"], NationalIdScheme::TrTckn),
                // All of Kazakhstan is on UTC+5 since 2024-03-01; Asia/Almaty carries that.
                b"KZ" => ("KZT", "Asia/Almaty", &["kk", "ru"], NationalIdScheme::KzIin),
                b"KG" => (
                    "KGS",
                    "Asia/Bishkek",
                    &["ky", "ru"],
                    NationalIdScheme::KgPin,
                ),
                b"UZ" => (
                    "UZS",
                    "Asia/Tashkent",
                    &["uz-Latn", "uz-Cyrl", "ru", "kaa"],
                    NationalIdScheme::UzPinfl,
                ),
                b"AZ" => ("AZN", "Asia/Baku", &["az", "ru"], NationalIdScheme::AzFin),
                b"TM" => (
                    "TMT",
                    "Asia/Ashgabat",
                    &["tk", "ru"],
                    NationalIdScheme::Generic,
                ),
                b"HU" => ("HUF", "Europe/Budapest", &["hu"], NationalIdScheme::HuTaxId),
                _ => return None,
            };
        // These literals are fixed by us and covered by a test; a failure here is a bug in
        // this table, not bad input.
        let languages: Vec<LanguageTag> = languages
            .iter()
            .map(|l| LanguageTag::parse(l).expect("built-in default language is valid"))
            .collect();
        Some(CountryDefaults {
            currency: Currency::parse(currency).expect("built-in default currency is valid"),
            time_zone: TimeZoneName::parse(zone).expect("built-in default zone is valid"),
            default_language: languages[0].clone(),
            languages,
            national_id_scheme: scheme,
        })
    }
}

fn is_assigned(code: [u8; 2]) -> bool {
    let table = ASSIGNED.as_bytes();
    let count = table.len() / 2;
    // Binary search over the fixed-width, sorted table.
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let entry = [table[2 * mid], table[2 * mid + 1]];
        match entry.cmp(&code) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    false
}

fn is_user_assigned(code: [u8; 2]) -> bool {
    matches!(
        code,
        [b'A', b'A'] | [b'Q', b'M'..=b'Z'] | [b'X', b'A'..=b'Z'] | [b'Z', b'Z']
    )
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Country {
    type Err = CountryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::parse(s)
    }
}

impl TryFrom<String> for Country {
    type Error = CountryError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Country::parse(&s)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_table_is_sorted_and_complete() {
        let t = ASSIGNED.as_bytes();
        assert_eq!(t.len(), 249 * 2);
        let codes: Vec<&[u8]> = t.chunks(2).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn served_countries_have_the_documented_defaults() {
        let table = [
            ("TR", "TRY", "Europe/Istanbul", "tr", vec!["tr"], "tr_tckn"),
            ("KZ", "KZT", "Asia/Almaty", "kk", vec!["kk", "ru"], "kz_iin"),
            (
                "KG",
                "KGS",
                "Asia/Bishkek",
                "ky",
                vec!["ky", "ru"],
                "kg_pin",
            ),
            (
                "UZ",
                "UZS",
                "Asia/Tashkent",
                "uz-Latn",
                vec!["uz-Latn", "uz-Cyrl", "ru", "kaa"],
                "uz_pinfl",
            ),
            ("AZ", "AZN", "Asia/Baku", "az", vec!["az", "ru"], "az_fin"),
            (
                "TM",
                "TMT",
                "Asia/Ashgabat",
                "tk",
                vec!["tk", "ru"],
                "generic",
            ),
            (
                "HU",
                "HUF",
                "Europe/Budapest",
                "hu",
                vec!["hu"],
                "hu_tax_id",
            ),
        ];
        for (code, currency, zone, default, languages, scheme) in table {
            let d = Country::parse(code).unwrap().defaults().unwrap();
            assert_eq!(d.currency.code(), currency);
            assert_eq!(d.currency.minor_unit_exponent(), 2);
            assert_eq!(d.time_zone.name(), zone);
            assert_eq!(d.default_language.as_str(), default);
            let got: Vec<&str> = d.languages.iter().map(|l| l.as_str()).collect();
            assert_eq!(got, languages);
            assert_eq!(d.national_id_scheme.as_str(), scheme);
        }
        for c in Country::SERVED {
            assert!(c.defaults().is_some(), "{c}");
        }
    }

    #[test]
    fn other_countries_parse_without_defaults() {
        for code in ["DE", "us", "Cy", "RU", "CN"] {
            let c = Country::parse(code).unwrap();
            assert_eq!(c.code(), code.to_ascii_uppercase());
            assert!(c.defaults().is_none());
        }
    }

    #[test]
    fn user_assigned_codes_are_accepted_for_places_without_one() {
        for code in ["AA", "QM", "QZ", "XA", "XK", "ZZ"] {
            let c = Country::parse(code).unwrap();
            assert!(c.is_user_assigned());
            assert!(c.defaults().is_none());
        }
        assert!(!Country::TR.is_user_assigned());
    }

    #[test]
    fn malformed_and_unassigned_codes_are_refused() {
        for bad in ["", "T", "TUR", "T1", "İT", "tı", "9Z"] {
            assert_eq!(
                Country::parse(bad).unwrap_err().code(),
                "malformed_country",
                "{bad}"
            );
        }
        for bad in ["UK", "EU", "AB", "QL", "YY"] {
            assert_eq!(
                Country::parse(bad).unwrap_err().code(),
                "unknown_country",
                "{bad}"
            );
        }
    }

    #[test]
    fn serde_uses_the_code() {
        let c: Country = serde_json::from_str("\"kg\"").unwrap();
        assert_eq!(c, Country::KG);
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"KG\"");
        assert!(serde_json::from_str::<Country>("\"UK\"").is_err());
    }
}
