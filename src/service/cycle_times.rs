//! Reading a cycle's scheduled times: an RFC 3339 instant, or a wall-clock time in the
//! municipality's zone (see [`crate::domain::TimeZoneName::to_utc`] for gaps and overlaps).

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::municipalities::Municipality;
use crate::domain::{FieldError, ValidationErrors};

/// Parses a time as an instant or as a wall-clock time in the municipality's zone.
pub(super) fn parse_time(
    field: &str,
    text: &str,
    municipality: &Municipality,
    errors: &mut ValidationErrors,
) -> Option<NaiveDateTime> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.with_timezone(&Utc).naive_utc());
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    let zone = Some(municipality.settings.time_zone);
    match (local, zone) {
        (Some(local), Some(zone)) => Some(zone.to_utc(local).naive_utc()),
        _ => {
            errors.push(FieldError::new(
                field,
                "invalid_time",
                "expected an RFC 3339 time or a local time like 2027-05-31T20:00",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::MunicipalitySettings;
    use crate::domain::Country;
    use crate::service::test_support::{codes, municipality};

    /// A municipality of `country`, in that country's zone.
    fn in_country(country: Country) -> Municipality {
        Municipality {
            settings: MunicipalitySettings::from_country(country).expect("a served country"),
            ..municipality("m-1")
        }
    }

    /// `text` read as `submission_opens_at`, as UTC `YYYY-MM-DD HH:MM:SS`, or the field errors.
    fn read(text: &str, country: Country) -> std::result::Result<String, Vec<(String, &str)>> {
        let mut errors = ValidationErrors::new();
        match parse_time(
            "submission_opens_at",
            text,
            &in_country(country),
            &mut errors,
        ) {
            Some(t) if errors.is_empty() => Ok(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            _ => Err(codes(&errors)),
        }
    }

    #[test]
    fn a_wall_clock_time_is_read_in_the_municipality_zone() {
        // Türkiye is UTC+3 all year.
        assert_eq!(
            read("2027-05-31T20:00", Country::TR).unwrap(),
            "2027-05-31 17:00:00"
        );
        assert_eq!(
            read("2027-12-31T20:00:30", Country::TR).unwrap(),
            "2027-12-31 17:00:30"
        );
        // Hungary is UTC+1 in winter and UTC+2 in summer.
        assert_eq!(
            read("2027-01-15T12:00", Country::HU).unwrap(),
            "2027-01-15 11:00:00"
        );
        assert_eq!(
            read("2027-07-01T12:00", Country::HU).unwrap(),
            "2027-07-01 10:00:00"
        );
    }

    #[test]
    fn an_explicit_offset_wins_over_the_zone() {
        for country in [Country::TR, Country::HU, Country::KZ] {
            let at = |text| read(text, country).unwrap();
            assert_eq!(at("2027-05-31T20:00:00+05:00"), "2027-05-31 15:00:00");
            assert_eq!(at("2027-05-31T20:00:00Z"), "2027-05-31 20:00:00");
            assert_eq!(at("2027-05-31T01:00:00-02:30"), "2027-05-31 03:30:00");
        }
    }

    #[test]
    fn a_time_in_the_spring_gap_is_the_first_one_after_it() {
        // 2027-03-28: Budapest's clocks jump from 02:00 CET to 03:00 CEST.
        assert_eq!(
            read("2027-03-28T01:59", Country::HU).unwrap(),
            "2027-03-28 00:59:00"
        );
        assert_eq!(
            read("2027-03-28T02:30", Country::HU).unwrap(),
            "2027-03-28 01:00:00"
        );
        assert_eq!(
            read("2027-03-28T03:00", Country::HU).unwrap(),
            "2027-03-28 01:00:00"
        );
    }

    #[test]
    fn a_time_in_the_autumn_overlap_is_the_earlier_one() {
        // 2027-10-31: 02:00-03:00 happens twice in Budapest, first in CEST (UTC+2).
        assert_eq!(
            read("2027-10-31T02:30", Country::HU).unwrap(),
            "2027-10-31 00:30:00"
        );
        assert_eq!(
            read("2027-10-31T03:00", Country::HU).unwrap(),
            "2027-10-31 02:00:00"
        );
    }

    #[test]
    fn anything_else_is_an_invalid_time_of_the_field() {
        let invalid = vec![("submission_opens_at".to_string(), "invalid_time")];
        for garbage in [
            "",
            "tomorrow",
            "2027-05-31",
            "2027-05-31 20:00",
            "2027-02-30T10:00",
            "2027-05-31T24:30",
            "31.05.2027 20:00",
            "2027-05-31T20:00+25:00",
        ] {
            assert_eq!(
                read(garbage, Country::HU),
                Err(invalid.clone()),
                "{garbage:?}"
            );
        }
    }
}
