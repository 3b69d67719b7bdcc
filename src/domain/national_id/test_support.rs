//! Helpers the scheme tests share: parse-or-panic, typo generators, check-digit fillers.

pub(super) use super::NationalIdScheme::*;
pub(super) use super::*;
pub(super) use proptest::prelude::*;

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn err(scheme: NationalIdScheme, input: &str) -> &'static str {
    match NationalId::parse(scheme, input) {
        Ok(_) => panic!("{scheme} {input:?} was accepted"),
        Err(e) => e.code(),
    }
}

pub(super) fn ok(scheme: NationalIdScheme, input: &str) -> NationalId {
    NationalId::parse(scheme, input)
        .unwrap_or_else(|e| panic!("{scheme} {input:?} refused: {}", e.code()))
}

/// Every single-digit substitution at `pos` (to any other digit).
pub(super) fn substitutions(valid: &str) -> Vec<String> {
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
pub(super) fn transpositions(valid: &str) -> Vec<String> {
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
pub(super) fn tckn_from(nine: &[u32; 9]) -> String {
    let odd: i32 = [0, 2, 4, 6, 8].iter().map(|&i| nine[i] as i32).sum();
    let even: i32 = [1, 3, 5, 7].iter().map(|&i| nine[i] as i32).sum();
    let d10 = (7 * odd - even).rem_euclid(10) as u32;
    let d11 = (nine.iter().sum::<u32>() + d10) % 10;
    nine.iter()
        .chain([d10, d11].iter())
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect()
}

// ---- review against national-ids.md: more arithmetic and calendar edges ----

/// Appends the one check digit `check` accepts (panics when none does).
pub(super) fn with_check(prefix: &str, check: fn(&[u32]) -> Result<(), NationalIdError>) -> String {
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
