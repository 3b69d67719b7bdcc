//! Exact decimal amounts of money as written in files and forms (`3187320.61`, `1500,50`).
//!
//! Money is never a float: an amount is an integer count of `10^-scale` main units. The engine
//! brings every cost and the budget of an election to one common scale, so that "one main unit"
//! (the Add1 step, see `docs/pabulib.md` "Money units matter") is exactly `10^scale` engine units.

use crate::tally::exact::format_fixed;
use num_bigint::BigInt;
use std::fmt;

/// A decimal number: `units / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The digits without the decimal point.
    pub units: i128,
    /// How many of those digits are after the decimal point.
    pub scale: u32,
}

/// Why a string is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decimal number")]
pub struct NotADecimal(pub String);

/// The largest scale we accept; 18 decimals is far beyond any currency and keeps `10^scale` small.
const MAX_SCALE: u32 = 18;

impl Decimal {
    /// Parses `123`, `-4`, `123.45` or `123,45` (a comma is a decimal separator in many files).
    pub fn parse(text: &str) -> Result<Decimal, NotADecimal> {
        let err = || NotADecimal(text.to_string());
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = match body.find(['.', ',']) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
            return Err(err());
        }
        // Trailing zeros after the point carry no value; dropping them keeps scales minimal.
        let frac = frac.trim_end_matches('0');
        let scale = frac.len() as u32;
        if scale > MAX_SCALE {
            return Err(err());
        }
        let all = format!("{int}{frac}");
        let all = if all.is_empty() { "0" } else { &all };
        let units: i128 = all.parse().map_err(|_| err())?;
        Ok(Decimal {
            units: if neg { -units } else { units },
            scale,
        })
    }

    /// The same amount as a count of `10^-scale` units, if it is representable there exactly.
    pub fn at_scale(&self, scale: u32) -> Option<i128> {
        if scale < self.scale {
            return None;
        }
        10i128
            .checked_pow(scale - self.scale)
            .and_then(|f| self.units.checked_mul(f))
    }

    /// `units` read at `scale` (the engine's representation) turned back into a decimal.
    pub fn from_units(units: i128, scale: u32) -> Decimal {
        Decimal { units, scale }
    }
}

impl fmt::Display for Decimal {
    /// Canonical form: `.` separator, no trailing zeros after the point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut units = self.units;
        let mut scale = self.scale;
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale -= 1;
        }
        write!(f, "{}", format_fixed(&BigInt::from(units), scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_found_in_files() {
        assert_eq!(
            Decimal::parse("3187320.61").unwrap(),
            Decimal {
                units: 318732061,
                scale: 2
            }
        );
        assert_eq!(
            Decimal::parse("1500,50").unwrap(),
            Decimal {
                units: 15005,
                scale: 1
            }
        );
        assert_eq!(
            Decimal::parse(" 100000 ").unwrap(),
            Decimal {
                units: 100000,
                scale: 0
            }
        );
        assert_eq!(
            Decimal::parse("-2.0").unwrap(),
            Decimal {
                units: -2,
                scale: 0
            }
        );
        assert!(Decimal::parse("12a").is_err());
        assert!(Decimal::parse("").is_err());
        assert!(Decimal::parse("1.2.3").is_err());
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(
            Decimal {
                units: 150050,
                scale: 2
            }
            .to_string(),
            "1500.5"
        );
        assert_eq!(Decimal { units: 5, scale: 2 }.to_string(), "0.05");
        assert_eq!(
            Decimal {
                units: 700,
                scale: 0
            }
            .to_string(),
            "700"
        );
    }

    #[test]
    fn rescales_exactly() {
        let d = Decimal::parse("12.5").unwrap();
        assert_eq!(d.at_scale(2), Some(1250));
        assert_eq!(d.at_scale(0), None);
    }
}
