//! Kyrgyzstan's PIN (`kg_pin`): a sex digit and a birth date, no published check digit.

use super::digits::{date, two};
use super::NationalIdError;
use chrono::NaiveDate;

/// `g DDMMYYYY NNNNN`. Years before 1800 are refused: no living person was born then, and it
/// keeps the rule in line with the IIN/PINFL century codes.
pub(super) fn kg_pin_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    if !matches!(d[0], 1 | 2) {
        return Err(NationalIdError::InvalidFormat);
    }
    let year = (two(d, 5) * 100 + two(d, 7)) as i32;
    if year < 1800 {
        return Err(NationalIdError::InvalidBirthDate);
    }
    date(year, two(d, 3), two(d, 1))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
}
