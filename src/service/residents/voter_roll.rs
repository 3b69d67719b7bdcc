//! The voter roll: an official's upload of the municipality's CSV, parsed into keyed hashes,
//! which verifies the pending residents who are on it.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::municipalities::Municipality;
use crate::db::residents as rows;
use crate::db::voter_roll::{self, VoterRollRow};
use crate::db::Db;
use crate::domain::ids::MunicipalityId;
use crate::domain::VerificationMethod;
use crate::domain::{FieldError, MunicipalitySettings, NationalId, Pepper, ValidationErrors};
use crate::service::audit_log;
use crate::service::Actor;
use crate::service::{blocking, now};
use crate::service::{Error, Result};

use super::verifications;

/// What an upload of the voter roll did.
#[derive(Debug, Clone, Copy)]
pub struct RollOutcome {
    /// Entries on the new roll.
    pub rows: usize,
    /// Pending residents verified because they are on it.
    pub newly_verified: usize,
}

/// Largest voter roll accepted, in bytes (a national ID and a date are about 25 bytes a line:
/// room for two million people).
pub const MAX_ROLL_BYTES: usize = 64 * 1024 * 1024;
/// A roll with more bad lines than this is answered with the first ones only.
const MAX_REPORTED_LINES: usize = 100;

/// One roll line's ID and birth date, or its errors pushed to `errors`.
fn roll_line(
    record: &csv::StringRecord,
    line: u64,
    settings: &MunicipalitySettings,
    errors: &mut Vec<(String, &'static str, String)>,
) -> Option<(NationalId, NaiveDate)> {
    let id = NationalId::parse_with(
        settings.national_id_scheme,
        record.get(0).unwrap_or(""),
        settings.check_digit_policy,
    );
    let date = NaiveDate::parse_from_str(record.get(1).unwrap_or(""), "%Y-%m-%d");
    let id = match id {
        Ok((id, _)) => Some(id),
        Err(e) => {
            errors.push((format!("line[{line}].national_id"), e.code(), e.to_string()));
            None
        }
    };
    let date = match date {
        Ok(date) => Some(date),
        Err(_) => {
            errors.push((
                format!("line[{line}].birth_date"),
                "invalid_date",
                "Give the birth date as YYYY-MM-DD.".into(),
            ));
            None
        }
    };
    let (id, date) = (id?, date?);
    if let Err(e) = id.check_birth_date(date) {
        errors.push((format!("line[{line}].birth_date"), e.code(), e.to_string()));
        return None;
    }
    Some((id, date))
}

/// Reads a voter-roll CSV (`national_id,birth_date`, ISO dates) into rows of keyed hashes.
/// Every bad line is reported with its line number (the header is line 1); messages never
/// repeat the line's content.
fn parse_roll(
    csv_bytes: &[u8],
    settings: &MunicipalitySettings,
    pepper: &Pepper,
    municipality_id: &MunicipalityId,
) -> Result<Vec<VoterRollRow>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(csv_bytes);
    let header_ok = match reader.headers() {
        Ok(h) => {
            let names: Vec<String> = h
                .iter()
                .map(|n| n.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                .collect();
            names == ["national_id", "birth_date"]
        }
        Err(_) => false,
    };
    if !header_ok {
        errors.push(FieldError::new(
            "line[1]",
            "invalid_header",
            "The first line must be the header national_id,birth_date.",
        ));
        return Err(errors);
    }
    let imported_at = now();
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut bad_lines = 0usize;
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    loop {
        let mut line_errors: Vec<(String, &'static str, String)> = Vec::new();
        let mut fatal = false;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                line = record.position().map_or(line + 1, csv::Position::line);
                if let Some((id, date)) = roll_line(&record, line, settings, &mut line_errors) {
                    let hash = id.keyed_hash(pepper);
                    match seen.get(&hash) {
                        Some(first) => line_errors.push((
                            format!("line[{line}].national_id"),
                            "duplicate_national_id",
                            format!("The same ID is already on line {first}."),
                        )),
                        None => {
                            seen.insert(hash.clone(), line);
                            out.push(VoterRollRow {
                                municipality_id: municipality_id.clone(),
                                national_id_hash: hash,
                                birth_date: date,
                                imported_at,
                            });
                        }
                    }
                }
            }
            Err(e) => {
                line = e.position().map_or(line + 1, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { .. } => {
                        "Each line must have two fields: national_id,birth_date."
                    }
                    csv::ErrorKind::Utf8 { .. } => "The line is not valid UTF-8.",
                    _ => {
                        fatal = true;
                        "The file could not be read as CSV from this line on."
                    }
                };
                line_errors.push((format!("line[{line}]"), "malformed_line", message.into()));
            }
        }
        if !line_errors.is_empty() {
            bad_lines += 1;
            if bad_lines <= MAX_REPORTED_LINES {
                for (field, code, message) in line_errors {
                    errors.push(FieldError::new(field, code, message));
                }
            }
        }
        if fatal {
            break;
        }
    }
    if bad_lines > MAX_REPORTED_LINES {
        errors.push(FieldError::new(
            "lines",
            "too_many_bad_lines",
            format!("{bad_lines} lines are wrong; only the first {MAX_REPORTED_LINES} are listed."),
        ));
    }
    errors.into_result(|| out)
}

/// Replaces the municipality's voter roll with the uploaded CSV, all or nothing, and verifies
/// the pending residents who are on it. The file is parsed in memory and dropped: only keyed
/// hashes and birth dates are stored, and neither the file nor any line of it is logged.
pub async fn upload_roll(
    db: &Db,
    pepper: &Pepper,
    actor: &Actor,
    municipality: &Municipality,
    csv_bytes: Vec<u8>,
) -> Result<RollOutcome> {
    let settings = municipality.settings.clone();
    let pepper = pepper.clone();
    let municipality_id = municipality.id.clone();
    let roll = blocking(move || parse_roll(&csv_bytes, &settings, &pepper, &municipality_id))
        .await?
        .map_err(Error::from)?;
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        voter_roll::replace(conn, &municipality_id, &roll)?;
        let at = now();
        let mut newly_verified = 0;
        for account in rows::pending_on_roll(conn, &municipality_id)? {
            let recorded =
                verifications::record(conn, &account, VerificationMethod::Roll, None, at)?;
            newly_verified += usize::from(recorded.verified);
        }
        let outcome = RollOutcome {
            rows: roll.len(),
            newly_verified,
        };
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "voter_roll.replaced",
            "municipality",
            &municipality_id,
            serde_json::json!({"rows": outcome.rows, "newly_verified": outcome.newly_verified}),
        )?;
        Ok(outcome)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;
    use crate::service::residents::test_support::{codes, field};

    fn roll(csv: &str) -> Result<usize, Vec<(String, &'static str)>> {
        let settings = MunicipalitySettings::from_country(Country::KZ).unwrap();
        let pepper = Pepper::new(vec![7u8; 32]).unwrap();
        parse_roll(csv.as_bytes(), &settings, &pepper, &"m1".into())
            .map(|rows| rows.len())
            .map_err(|e| codes(&e))
    }

    #[test]
    fn a_voter_roll_needs_its_header_and_may_start_with_a_byte_order_mark() {
        assert_eq!(roll("national_id,birth_date\n"), Ok(0));
        assert_eq!(
            roll("\u{feff}National_ID , Birth_Date\n900101300017,1990-01-01\n"),
            Ok(1)
        );
        for bad in ["", "900101300017,1990-01-01\n", "birth_date,national_id\n"] {
            assert_eq!(
                roll(bad),
                Err(field(&[("line[1]", "invalid_header")])),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_bad_roll_line_is_named_by_its_number() {
        let csv = "national_id,birth_date\n\
                   900101300017,1990-01-01\n\
                   900101300018,1990-01-01\n\
                   900101300017,1990-02-01\n\
                   9001-0130-0017,1990-01-01\n\
                   900101300017\n";
        assert_eq!(
            roll(csv),
            Err(field(&[
                ("line[3].national_id", "invalid_check_digit"),
                ("line[4].birth_date", "birth_date_mismatch"),
                ("line[5].national_id", "duplicate_national_id"),
                ("line[6]", "malformed_line"),
            ]))
        );
    }
}
