//! ISO 4217 currencies a budget can be denominated in.

use super::Coded;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// An ISO 4217 currency that money can be counted in: it has a minor unit (so amounts are an
/// integer number of kuruş, tıyn, tiyin, qəpik or fillér) and is neither a fund code (e.g.
/// `CHE`), a precious metal (`XAU`), a testing code (`XTS`) nor "no currency" (`XXX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurrencyError {
    /// Not three ASCII letters, or not in ISO 4217.
    #[error("{0:?} is not an ISO 4217 currency code")]
    Unknown(String),
    /// A real ISO 4217 code, but not one money can be counted in.
    #[error("{0} is an ISO 4217 code but not a currency a budget can be held in (no minor unit, a fund or a special code)")]
    Unsupported(&'static str),
}

impl Coded for CurrencyError {
    fn code(&self) -> &'static str {
        match self {
            CurrencyError::Unknown(_) => "unknown_currency",
            CurrencyError::Unsupported(_) => "unsupported_currency",
        }
    }
}

impl Currency {
    /// Parses a code such as `TRY`; lower case is accepted (`try`) and canonicalised.
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        let trimmed = code.trim();
        if trimmed.len() != 3 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CurrencyError::Unknown(code.to_owned()));
        }
        let upper = trimmed.to_ascii_uppercase();
        let currency = iso_currency::Currency::from_code(&upper)
            .ok_or_else(|| CurrencyError::Unknown(code.to_owned()))?;
        if currency.exponent().is_none() || currency.is_fund() || currency.is_special() {
            return Err(CurrencyError::Unsupported(currency.code()));
        }
        Ok(Currency(currency))
    }

    /// The three-letter code, e.g. `KZT`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// How many decimal places the minor unit has (2 for TRY: 100 kuruş make a lira).
    pub fn minor_unit_exponent(self) -> u16 {
        // `parse` refuses currencies without an exponent, so the fallback is unreachable; 0 is
        // the harmless answer (amounts shown as whole units) should the table ever change.
        self.0.exponent().unwrap_or(0)
    }

    /// Minor units per major unit: 10^exponent (100 for TRY).
    pub fn minor_units_per_major(self) -> u64 {
        10u64.pow(u32::from(self.minor_unit_exponent()))
    }

    /// English name, e.g. "Kazakhstani tenge".
    pub fn name(&self) -> &str {
        self.0.name()
    }

    pub fn iso(self) -> iso_currency::Currency {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_currencies_we_serve_have_two_decimals() {
        for code in ["TRY", "KZT", "KGS", "UZS", "AZN", "TMT", "HUF"] {
            let c = Currency::parse(code).unwrap();
            assert_eq!(c.code(), code);
            assert_eq!(c.minor_unit_exponent(), 2, "{code}");
            assert_eq!(c.minor_units_per_major(), 100);
        }
        assert_eq!(Currency::parse("KZT").unwrap().name(), "Kazakhstani tenge");
    }

    #[test]
    fn other_exponents_are_reported() {
        assert_eq!(Currency::parse("JPY").unwrap().minor_unit_exponent(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_unit_exponent(), 3);
        assert_eq!(Currency::parse("JPY").unwrap().minor_units_per_major(), 1);
    }

    #[test]
    fn case_and_surrounding_space_are_forgiven() {
        assert_eq!(Currency::parse(" try ").unwrap().code(), "TRY");
        assert_eq!(Currency::parse("Huf").unwrap().code(), "HUF");
    }

    #[test]
    fn unknown_codes_are_refused() {
        for bad in ["", "TR", "TRYY", "ABC", "T1Y", "₺", "TRÝ", "tRı"] {
            let err = Currency::parse(bad).unwrap_err();
            assert_eq!(err.code(), "unknown_currency", "{bad}");
        }
    }

    #[test]
    fn codes_without_money_semantics_are_refused() {
        for bad in ["XAU", "XXX", "XTS", "XDR", "CHE"] {
            let err = Currency::parse(bad).unwrap_err();
            assert_eq!(err.code(), "unsupported_currency", "{bad}");
        }
    }

    #[test]
    fn serde_uses_the_code() {
        let c: Currency = serde_json::from_str("\"AZN\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"AZN\"");
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
    }
}
