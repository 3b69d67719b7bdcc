//! Ages on a given day and the age bands statistics count voters in.

use chrono::{Datelike, NaiveDate};

/// Completed years of age on `day`, or `None` if `day` is before the birth date. Someone born
/// on 29 February has their birthday on 1 March in common years (the date they would otherwise
/// be younger than), the reading of most civil codes.
pub fn age_on(birth_date: NaiveDate, day: NaiveDate) -> Option<u32> {
    if day < birth_date {
        return None;
    }
    let mut years = day.year() - birth_date.year();
    if (day.month(), day.day()) < (birth_date.month(), birth_date.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The age band a voter of `age` is counted in by participation statistics.
pub fn age_band(age: u32) -> &'static str {
    match age {
        0..=15 => "under-16",
        16..=17 => "16-17",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        _ => "65+",
    }
}

/// Every age band, youngest first.
pub const AGE_BANDS: [&str; 8] = [
    "under-16", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_age_falls_in_exactly_one_listed_band() {
        for (age, band) in [
            (0, "under-16"),
            (15, "under-16"),
            (16, "16-17"),
            (17, "16-17"),
            (18, "18-24"),
            (64, "55-64"),
            (65, "65+"),
            (u32::MAX, "65+"),
        ] {
            assert_eq!(age_band(age), band, "age {age}");
        }
        for age in 0..=130 {
            assert!(AGE_BANDS.contains(&age_band(age)), "age {age}");
        }
        let firsts: Vec<_> = [0, 16, 18, 25, 35, 45, 55, 65].map(age_band).to_vec();
        assert_eq!(firsts, AGE_BANDS, "bands are listed youngest first");
    }
}
