//! Digit arithmetic shared by the dated schemes.

use super::NationalIdError;
use chrono::NaiveDate;

/// Two-digit number from `d[i]` and `d[i + 1]`.
pub(super) fn two(d: &[u32], i: usize) -> u32 {
    d[i] * 10 + d[i + 1]
}

pub(super) fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, NationalIdError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(NationalIdError::InvalidBirthDate)
}

/// Century from the IIN/PINFL code: 1–2 → 1800s, 3–4 → 1900s, 5–6 → 2000s.
pub(super) fn century(code: u32) -> Result<i32, NationalIdError> {
    match code {
        1..=6 => Ok(1800 + 100 * ((code as i32 - 1) / 2)),
        _ => Err(NationalIdError::InvalidFormat),
    }
}
