//! Uzbekistan's PINFL (`uz_pinfl`): a century code, a birth date and a community check digit.

use super::digits::{century, date, two};
use super::NationalIdError;
use chrono::NaiveDate;

/// `c DDMMYY AAA SSS K`.
pub(super) fn pinfl_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    let century = century(d[0])?;
    date(century + two(d, 5) as i32, two(d, 3), two(d, 1))
}

pub(super) fn pinfl_check(d: &[u32]) -> Result<(), NationalIdError> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
}
