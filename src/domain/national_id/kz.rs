//! Kazakhstan's IIN (`kz_iin`): a birth date with a century code and an official check digit.

use super::digits::{century, date, two};
use super::NationalIdError;
use chrono::NaiveDate;

pub(super) fn iin_birth_date(d: &[u32]) -> Result<NaiveDate, NationalIdError> {
    let century = century(d[6])?;
    date(century + two(d, 0) as i32, two(d, 2), two(d, 4))
}

pub(super) fn iin_check(d: &[u32]) -> Result<(), NationalIdError> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
}
