//! Türkiye's T.C. Kimlik No (`tr_tckn`): eleven digits, two check digits, no birth date.

use super::NationalIdError;

pub(super) fn tckn(d: &[u32]) -> Result<(), NationalIdError> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
}
