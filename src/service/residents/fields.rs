//! The checks of a resident's fields, shared by registration and a resident's corrections of
//! their profile: each bad value becomes a field error in the request's one list.

use chrono::{Datelike, NaiveDate, Utc};

use crate::db::districts::DistrictRow;
use crate::domain::ids::DistrictId;
use crate::domain::{FieldError, LanguageTag, MunicipalitySettings, ValidationErrors};
use crate::service::accounts;
use crate::service::Error;

fn field_error(errors: &mut ValidationErrors, field: &str, code: &'static str, message: &str) {
    errors.push(FieldError::new(field, code, message));
}

/// Moves the one field error of a shared check (`accounts::display_name`,
/// `accounts::normalise_email`) into this request's list, under `code`.
fn api_field(field: &str, code: &'static str, error: Error, errors: &mut ValidationErrors) {
    let message = match &error {
        Error::Invalid(fields) if !fields.is_empty() => fields[0].message.clone(),
        _ => error.detail(),
    };
    errors.push(FieldError::new(field, code, message));
}

/// Parses a birth date: ISO format, not in the future, not before 1800 (the oldest date the
/// dated ID schemes can hold).
pub(super) fn birth_date(input: &str, errors: &mut ValidationErrors) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        Ok(date) if date.year() >= 1800 && date <= Utc::now().date_naive() => Some(date),
        Ok(_) => {
            field_error(
                errors,
                "birth_date",
                "birth_date_out_of_range",
                "The birth date must be a past date after 1800.",
            );
            None
        }
        Err(_) => {
            field_error(
                errors,
                "birth_date",
                "invalid_date",
                "Give the birth date as YYYY-MM-DD.",
            );
            None
        }
    }
}

pub(super) fn full_name(input: &str, errors: &mut ValidationErrors) -> Option<String> {
    accounts::display_name("full_name", input)
        .map_err(|e| api_field("full_name", "invalid_name", e, errors))
        .ok()
}

/// An empty string counts as absent: forms send empty optional fields.
fn non_empty(input: Option<&str>) -> Option<&str> {
    input.map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn email(input: Option<&str>, errors: &mut ValidationErrors) -> Option<Option<String>> {
    match non_empty(input) {
        None => Some(None),
        Some(raw) => accounts::normalise_email("email", raw)
            .map(Some)
            .map_err(|e| api_field("email", "invalid_email", e, errors))
            .ok(),
    }
}

/// A loose check, like the e-mail one: digits with the usual separators and an optional
/// leading `+`, 5 to 20 digits. The only real check is a call that connects.
pub(super) fn phone(input: Option<&str>, errors: &mut ValidationErrors) -> Option<Option<String>> {
    let Some(raw) = non_empty(input) else {
        return Some(None);
    };
    let body = raw.strip_prefix('+').unwrap_or(raw);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let valid = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'))
        && (5..=20).contains(&digits)
        && raw.len() <= 32;
    if valid {
        Some(Some(raw.to_string()))
    } else {
        field_error(
            errors,
            "phone",
            "invalid_phone",
            "Give a phone number of 5 to 20 digits, optionally starting with +.",
        );
        None
    }
}

/// One of the municipality's enabled languages, canonicalised.
pub(super) fn language(
    input: Option<&str>,
    settings: &MunicipalitySettings,
    errors: &mut ValidationErrors,
) -> Option<Option<String>> {
    let Some(raw) = non_empty(input) else {
        return Some(None);
    };
    match LanguageTag::parse(raw) {
        Ok(tag) if settings.languages.contains(&tag) => Some(Some(tag.as_str().to_string())),
        Ok(_) => {
            field_error(
                errors,
                "language",
                "language_not_enabled",
                "Choose one of the municipality's languages.",
            );
            None
        }
        Err(e) => {
            errors.push(FieldError::from_error("language", &e));
            None
        }
    }
}

/// The district must be one of the municipality's; it is required when it has any, because a
/// resident votes in their own district's budget.
pub(super) fn district(
    input: Option<&str>,
    districts: &[DistrictRow],
    errors: &mut ValidationErrors,
) -> Option<Option<DistrictId>> {
    match non_empty(input) {
        None if districts.is_empty() => Some(None),
        None => {
            field_error(
                errors,
                "district_id",
                "required",
                "Choose the district you live in.",
            );
            None
        }
        Some(id) => match districts.iter().find(|d| d.id == id) {
            Some(d) => Some(Some(d.id.clone())),
            None => {
                field_error(
                    errors,
                    "district_id",
                    "unknown_district",
                    "This municipality has no such district.",
                );
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::residents::test_support::{codes, field};

    #[test]
    fn birth_dates_are_iso_past_and_not_before_1800() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            birth_date(" 1990-01-01 ", &mut errors),
            NaiveDate::from_ymd_opt(1990, 1, 1)
        );
        assert!(birth_date("1800-01-01", &mut errors).is_some());
        assert!(errors.is_empty());
        assert!(birth_date("1799-12-31", &mut errors).is_none());
        assert!(birth_date("9999-12-31", &mut errors).is_none());
        for malformed in ["", "01.01.1990", "1990-02-30", "1990-1-1x"] {
            assert!(
                birth_date(malformed, &mut errors).is_none(),
                "{malformed:?}"
            );
        }
        assert_eq!(
            codes(&errors),
            field(&[
                ("birth_date", "birth_date_out_of_range"),
                ("birth_date", "birth_date_out_of_range"),
                ("birth_date", "invalid_date"),
                ("birth_date", "invalid_date"),
                ("birth_date", "invalid_date"),
                ("birth_date", "invalid_date"),
            ])
        );
    }

    #[test]
    fn names_and_emails_are_checked_under_this_request_s_field_names() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            full_name("  Aigerim Sadykova ", &mut errors).as_deref(),
            Some("Aigerim Sadykova")
        );
        assert_eq!(full_name(" ", &mut errors), None);
        assert_eq!(email(None, &mut errors), Some(None));
        assert_eq!(
            email(Some("   "), &mut errors),
            Some(None),
            "an empty form field is absent"
        );
        assert_eq!(
            email(Some("A@Example.org"), &mut errors),
            Some(Some("a@example.org".into()))
        );
        assert_eq!(email(Some("not an address"), &mut errors), None);
        assert_eq!(
            codes(&errors),
            field(&[("full_name", "invalid_name"), ("email", "invalid_email")])
        );
        assert!(!errors.errors()[0].message.is_empty());
    }

    #[test]
    fn phones_are_5_to_20_digits_with_the_usual_separators() {
        let mut errors = ValidationErrors::new();
        assert_eq!(phone(None, &mut errors), Some(None));
        assert_eq!(phone(Some(""), &mut errors), Some(None));
        for ok in [
            "+7 (727) 123-45-67",
            "12345",
            "+36.1.234.5678",
            &"9".repeat(20),
        ] {
            assert_eq!(
                phone(Some(ok), &mut errors),
                Some(Some(ok.to_string())),
                "{ok:?}"
            );
        }
        assert!(errors.is_empty());
        let too_long_text = format!("+{}", "1 ".repeat(17)); // 17 digits, but 34 characters
        for bad in [
            "1234",
            &"9".repeat(21),
            "++77271234567",
            "7727 ext 123",
            "７７２７１２３４５",
            too_long_text.trim_end(),
        ] {
            assert_eq!(phone(Some(bad), &mut errors), None, "{bad:?}");
        }
        assert!(codes(&errors)
            .iter()
            .all(|(f, c)| f == "phone" && *c == "invalid_phone"));
    }
}
