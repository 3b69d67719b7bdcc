//! Hungary's tax ID (`hu_tax_id`): a day count since 1867 and a check digit.

use super::NationalIdError;
use chrono::NaiveDate;

pub(super) fn hu_check(d: &[u32]) -> Result<(), NationalIdError> {
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
pub(super) fn hu_birth_date(d: &[u32]) -> NaiveDate {
    let days = d[1..6].iter().fold(0i64, |n, &x| n * 10 + i64::from(x));
    let epoch = NaiveDate::from_ymd_opt(1867, 1, 1).unwrap_or(NaiveDate::MIN);
    epoch + chrono::Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
}
