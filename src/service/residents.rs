//! Residents: registration under the municipality's ID scheme and registration policy, the
//! officials' review, the voter roll, a resident's own profile and its deletion, and the
//! eligibility check that ballots rely on.
//!
//! The raw national ID lives only in the request and in `domain::NationalId`; what this module
//! stores, compares and audits is its keyed hash. Nothing here logs a request body.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::password;
use crate::auth::rate_limit::RegistrationLimiter;
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::districts::{self, DistrictRow};
use crate::db::municipalities::Municipality;
use crate::db::residents::{self as rows, ResidentRow};
use crate::db::sessions;
use crate::db::voter_roll::{self, VoterRollRow};
use crate::db::Db;
use crate::domain::{
    age_on, AccountStatus, FieldError, LanguageTag, MunicipalitySettings, NationalId, Pepper,
    RegistrationPolicy, ResidentStatus, Role, ValidationErrors,
};
use crate::service::accounts;
use crate::service::audit_log;
use crate::service::Actor;
use crate::service::{blocking, hashing, now};
use crate::service::{Error, Result};

/// What someone registering sends. Strings throughout, so that every bad value becomes a
/// field error in one 422 answer.
pub struct Registration {
    pub national_id: String,
    pub full_name: String,
    /// ISO 8601 date, `YYYY-MM-DD`.
    pub birth_date: String,
    pub district_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password: String,
    pub language: Option<String>,
}

/// A new resident with their account, and any non-fatal findings about the ID
/// (`unverified_check_digit` under a relaxed check-digit policy).
pub struct Registered {
    pub resident: ResidentRow,
    pub account: AccountRow,
    pub warnings: Vec<&'static str>,
}

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
fn birth_date(input: &str, errors: &mut ValidationErrors) -> Option<NaiveDate> {
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

fn full_name(input: &str, errors: &mut ValidationErrors) -> Option<String> {
    accounts::display_name("full_name", input)
        .map_err(|e| api_field("full_name", "invalid_name", e, errors))
        .ok()
}

/// An empty string counts as absent: forms send empty optional fields.
fn non_empty(input: Option<&str>) -> Option<&str> {
    input.map(str::trim).filter(|s| !s.is_empty())
}

fn email(input: Option<&str>, errors: &mut ValidationErrors) -> Option<Option<String>> {
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
fn phone(input: Option<&str>, errors: &mut ValidationErrors) -> Option<Option<String>> {
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
fn language(
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
fn district(
    input: Option<&str>,
    districts: &[DistrictRow],
    errors: &mut ValidationErrors,
) -> Option<Option<String>> {
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

/// The one answer registration gives when the ID or the e-mail is taken. A clerk at the
/// counter would tell the person holding the ID "you are already registered"; the service
/// cannot tell that person from a neighbour who knows the ID, so it says no more than that,
/// never which of the two matched, and the answer is throttled per address and per ID.
fn already_registered() -> Error {
    Error::conflict(
        "already_registered",
        "This national ID or this e-mail is already registered here. If it is yours, log in \
         or ask the municipality's office.",
    )
}

fn email_taken() -> Error {
    Error::conflict(
        "email_taken",
        "An account with this e-mail already exists here.",
    )
}

fn is_unique_violation(err: &DieselError) -> bool {
    matches!(
        err,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Registers a resident of `municipality` (see the module's rules). The duplicate check is
/// the database's unique constraint; a concurrent second registration of one person gets
/// `already_registered` from it, not from a racy pre-check.
pub async fn register(
    db: &Db,
    pepper: &Pepper,
    limiter: &RegistrationLimiter,
    municipality: Municipality,
    input: Registration,
) -> Result<Registered> {
    let settings = municipality.settings.clone();
    let municipality_id = municipality.id.clone();
    let district_rows = db
        .read(move |conn| districts::of_municipality(conn, &municipality_id).map_err(Error::from))
        .await?;

    let mut errors = ValidationErrors::new();
    let mut warnings = Vec::new();
    let id = match NationalId::parse_with(
        settings.national_id_scheme,
        &input.national_id,
        settings.check_digit_policy,
    ) {
        Ok((id, warning)) => {
            warnings.extend(warning.map(|w| w.code()));
            Some(id)
        }
        Err(e) => {
            errors.push(FieldError::from_error("national_id", &e));
            None
        }
    };
    let full_name = full_name(&input.full_name, &mut errors);
    let birth = birth_date(&input.birth_date, &mut errors);
    if let (Some(id), Some(birth)) = (&id, birth) {
        if let Err(e) = id.check_birth_date(birth) {
            errors.push(FieldError::from_error("birth_date", &e));
        }
    }
    let district_id = district(input.district_id.as_deref(), &district_rows, &mut errors);
    let email = email(input.email.as_deref(), &mut errors);
    let phone = phone(input.phone.as_deref(), &mut errors);
    let language = language(input.language.as_deref(), &settings, &mut errors);
    let new_password =
        password::NewPassword::parse(&input.password, email.as_ref().and_then(|e| e.as_deref()))
            .map_err(|e| errors.push(FieldError::from_error("password", &e)))
            .ok();
    let (
        Some(id),
        Some(full_name),
        Some(birth),
        Some(district_id),
        Some(email),
        Some(phone),
        Some(language),
        Some(new_password),
        true,
    ) = (
        id,
        full_name,
        birth,
        district_id,
        email,
        phone,
        language,
        new_password,
        errors.is_empty(),
    )
    else {
        return Err(errors.into());
    };
    let national_id_hash = id.keyed_hash(pepper);
    drop(id);
    // Before the costly hash: whether this ID is registered is worth a limited number of
    // questions, from any address.
    limiter
        .check_person(&national_id_hash)
        .map_err(Error::too_many_requests)?;
    let password_hash = hashing(move || password::hash(&new_password))
        .await?
        .map_err(Error::internal)?;

    let policy = settings.registration_policy;
    db.write(move |conn| {
        let at = now();
        let status = match policy {
            RegistrationPolicy::Open => ResidentStatus::Verified,
            RegistrationPolicy::Review => ResidentStatus::Pending,
            RegistrationPolicy::Roll => {
                if voter_roll::contains(conn, &municipality.id, &national_id_hash, birth)? {
                    ResidentStatus::Verified
                } else {
                    ResidentStatus::Pending
                }
            }
        };
        let account = AccountRow {
            id: uuid::Uuid::new_v4().to_string(),
            municipality_id: Some(municipality.id.clone()),
            tenant_key: account_rows::tenant_key(Some(&municipality.id)),
            role: Role::Resident,
            email,
            display_name: full_name.clone(),
            password_hash,
            status: AccountStatus::Active,
            created_at: at,
            updated_at: at,
            last_login_at: None,
        };
        account_rows::insert(conn, &account).map_err(|err| {
            if is_unique_violation(&err) {
                already_registered()
            } else {
                err.into()
            }
        })?;
        let resident = ResidentRow {
            account_id: account.id.clone(),
            municipality_id: municipality.id.clone(),
            national_id_hash,
            full_name,
            birth_date: birth,
            district_id,
            phone,
            language,
            status,
            status_reason: None,
            reviewed_by: None,
            reviewed_at: (status == ResidentStatus::Verified).then_some(at),
            created_at: at,
            updated_at: at,
        };
        rows::insert(conn, &resident).map_err(|err| {
            if is_unique_violation(&err) {
                already_registered()
            } else {
                err.into()
            }
        })?;
        Ok(Registered {
            resident,
            account,
            warnings,
        })
    })
    .await
}

/// A resident with their account, as the resident or an official sees them.
pub struct Profile {
    pub resident: ResidentRow,
    pub account: AccountRow,
}

/// The statuses an official can filter by.
pub fn parse_status(input: &str) -> Result<ResidentStatus> {
    input.parse().map_err(|_| {
        Error::malformed(
            "invalid_query",
            "status must be pending, verified or rejected.",
        )
    })
}

/// A page of the municipality's residents in registration order; `cursor` is the id of the
/// previous page's last resident. Returns the page and whether more follow.
pub async fn list(
    db: &Db,
    municipality: &Municipality,
    status: Option<ResidentStatus>,
    cursor: Option<String>,
    limit: i64,
) -> Result<(Vec<Profile>, bool)> {
    let municipality_id = municipality.id.clone();
    db.read(move |conn| {
        let after = match cursor {
            None => None,
            Some(id) => match rows::find(conn, &municipality_id, &id) {
                Ok(row) => Some((row.created_at, row.account_id)),
                Err(DieselError::NotFound) => {
                    return Err(Error::malformed(
                        "invalid_cursor",
                        "The cursor does not name a resident of this list.",
                    ))
                }
                Err(e) => return Err(e.into()),
            },
        };
        let found = rows::page(conn, &municipality_id, status, after, limit + 1)?;
        let more = found.len() as i64 > limit;
        let mut out = Vec::with_capacity(found.len());
        for resident in found.into_iter().take(limit as usize) {
            let account = account_rows::by_id(conn, &resident.account_id)?;
            out.push(Profile { resident, account });
        }
        Ok((out, more))
    })
    .await
}

/// An official's decision about a registration.
pub enum Decision {
    Verify,
    Reject { reason: String },
}

/// Longest rejection reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

pub fn rejection_reason(input: &str) -> Result<String> {
    let reason = input.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(Error::field(
            "reason",
            "invalid_reason",
            format!("Give a reason of 1 to {REASON_MAX_CHARS} characters."),
        ));
    }
    Ok(reason.to_string())
}

/// Verifies or rejects a registration. Asking for the status a resident already has changes
/// nothing (so a retried request is harmless); otherwise the decision is audit-logged. An
/// official may also reverse an earlier decision (a rejected resident who brings proof, a
/// verified one found to be ineligible).
pub async fn review(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    account_id: String,
    decision: Decision,
) -> Result<Profile> {
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let mut resident = rows::find(conn, &municipality_id, &account_id)?;
        let (status, reason) = match decision {
            Decision::Verify => (ResidentStatus::Verified, None),
            Decision::Reject { reason } => (ResidentStatus::Rejected, Some(reason)),
        };
        if resident.status != status {
            let at = now();
            rows::set_status(
                conn,
                &resident.account_id,
                status,
                reason.as_deref(),
                Some(&actor.account_id),
                at,
            )?;
            audit_log::append(
                conn,
                &actor,
                &municipality_id,
                if status == ResidentStatus::Verified {
                    "resident.verified"
                } else {
                    "resident.rejected"
                },
                "resident",
                &resident.account_id,
                serde_json::json!({"from": resident.status, "reason": reason}),
            )?;
            resident.status = status;
            resident.status_reason = reason;
            resident.reviewed_by = Some(actor.account_id.clone());
            resident.reviewed_at = Some(at);
            resident.updated_at = at;
        }
        let account = account_rows::by_id(conn, &resident.account_id)?;
        Ok(Profile { resident, account })
    })
    .await
}

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
    municipality_id: &str,
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
                                municipality_id: municipality_id.to_string(),
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
        let newly_verified = rows::verify_pending_on_roll(conn, &municipality_id, now())?;
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

/// The caller's own profile.
pub async fn own_profile(db: &Db, caller: &Actor) -> Result<Profile> {
    let account_id = caller.account_id.clone();
    db.read(move |conn| {
        let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
        let account = account_rows::by_id(conn, &account_id)?;
        Ok(Profile { resident, account })
    })
    .await
}

/// A resident's correction of their own profile: `None` keeps a field; for the optional
/// fields `Some(None)` clears it.
#[derive(Default)]
pub struct ProfilePatch {
    pub full_name: Option<String>,
    pub district_id: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub language: Option<Option<String>>,
}

/// Applies a resident's corrections. The birth date and the national ID are not here: they
/// are what the ID check, the voter roll match and the minimum-age rule were decided on, so a
/// wrong one is fixed by deleting the registration and registering again (and, under `review`
/// or `roll`, passing that check again), never by a self-service edit.
pub async fn update_profile(db: &Db, caller: &Actor, patch: ProfilePatch) -> Result<Profile> {
    let Profile {
        mut resident,
        mut account,
    } = own_profile(db, caller).await?;
    let municipality_id = resident.municipality_id.clone();
    let (municipality, district_rows) = db
        .read(move |conn| {
            let m = crate::db::municipalities::by_id(conn, &municipality_id)?;
            let d = districts::of_municipality(conn, &municipality_id)?;
            Ok::<_, Error>((m, d))
        })
        .await?;
    let settings = municipality.settings.clone();

    let mut errors = ValidationErrors::new();
    if let Some(name) = &patch.full_name {
        if let Some(name) = full_name(name, &mut errors) {
            resident.full_name = name.clone();
            account.display_name = name;
        }
    }
    if let Some(input) = &patch.district_id {
        if let Some(d) = district(input.as_deref(), &district_rows, &mut errors) {
            resident.district_id = d;
        }
    }
    if let Some(input) = &patch.email {
        if let Some(e) = email(input.as_deref(), &mut errors) {
            account.email = e;
        }
    }
    if let Some(input) = &patch.phone {
        if let Some(p) = phone(input.as_deref(), &mut errors) {
            resident.phone = p;
        }
    }
    if let Some(input) = &patch.language {
        if let Some(l) = language(input.as_deref(), &settings, &mut errors) {
            resident.language = l;
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let at = now();
    resident.updated_at = at;
    account.updated_at = at;
    db.write(move |conn| {
        account_rows::update_contact(
            conn,
            &account.id,
            account.email.as_deref(),
            &account.display_name,
            at,
        )
        .map_err(|err| {
            if is_unique_violation(&err) {
                email_taken()
            } else {
                err.into()
            }
        })?;
        rows::update_profile(conn, &resident)?;
        Ok(Profile { resident, account })
    })
    .await
}

/// Deletes the caller's registration: every session ends, the `residents` row (and with it
/// the ID's keyed hash, so the person may register again) is deleted, and the account is
/// emptied of e-mail, name and password and marked `deleted` — it stays only so that foreign
/// keys hold. Cast ballots are keyed by a keyed hash of (budget, ID hash), never by the
/// account, so they stay counted and can no longer be tied to anyone.
pub async fn delete_self(db: &Db, caller: &Actor) -> Result<()> {
    let account_id = caller.account_id.clone();
    db.write(move |conn| {
        if rows::by_account(conn, &account_id)?.is_none() {
            return Err(Error::not_found());
        }
        let at = now();
        sessions::revoke_all_of_account(conn, &account_id, "account_deleted", at)?;
        rows::delete(conn, &account_id)?;
        account_rows::scrub(conn, &account_id, at)?;
        Ok(())
    })
    .await
}

fn not_eligible(reason: &str, explanation: &str) -> Error {
    Error::refused("not_eligible", format!("{reason}: {explanation}"))
}

/// Whether the account may vote in a budget of `municipality` at the instant `at`; for the
/// ballot code, inside its own transaction (it only reads).
///
/// - `budget_district`: the budget's district id, or `None` for a city-wide budget (which
///   every resident of the municipality may vote in).
/// - `at`: the moment of casting; the age rule is decided on that day's calendar date in the
///   municipality's time zone, so someone turning 18 today may vote from local midnight.
///
/// Returns the resident (for the keyed hash the voter key is built from). Otherwise a 403
/// with code `not_eligible` whose detail starts with the reason, checked in this order:
/// `not_registered` (no resident of this municipality: staff, a deleted account, another
/// tenant's resident), `not_verified` (pending or rejected), `too_young` (under the minimum
/// voting age on that local day), `wrong_district` (a district budget of another district).
/// The resident's age on the municipality's calendar day at `at` (`None` before birth).
pub fn age_at(
    municipality: &Municipality,
    resident: &ResidentRow,
    at: DateTime<Utc>,
) -> Result<Option<u32>> {
    let zone = municipality.settings.time_zone;
    Ok(age_on(resident.birth_date, zone.local_date(at)))
}

/// `resident` (the caller's registration, read with their session) may vote at `at` in a
/// budget of `municipality` for `budget_district` (any district when `None`).
pub fn check_eligible(
    municipality: &Municipality,
    resident: Option<ResidentRow>,
    budget_district: Option<&str>,
    at: DateTime<Utc>,
) -> Result<ResidentRow> {
    let resident = resident
        .filter(|r| r.municipality_id == municipality.id)
        .ok_or_else(|| {
            not_eligible(
                "not_registered",
                "only registered residents of this municipality may vote.",
            )
        })?;
    if resident.status != ResidentStatus::Verified {
        return Err(not_eligible(
            "not_verified",
            "your registration has not been verified.",
        ));
    }
    let min_age = u32::from(municipality.settings.min_voting_age);
    if age_at(municipality, &resident, at)?.is_none_or(|age| age < min_age) {
        return Err(not_eligible(
            "too_young",
            "you are under the minimum voting age.",
        ));
    }
    if let Some(district) = budget_district {
        if resident.district_id.as_deref() != Some(district) {
            return Err(not_eligible(
                "wrong_district",
                "this budget is for another district.",
            ));
        }
    }
    Ok(resident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;

    fn codes(errors: &ValidationErrors) -> Vec<(String, &'static str)> {
        errors
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.code))
            .collect()
    }

    fn field(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        pairs.iter().map(|(f, c)| (f.to_string(), *c)).collect()
    }

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

    #[test]
    fn officials_filter_by_the_three_review_statuses_only() {
        assert_eq!(parse_status("pending").unwrap(), ResidentStatus::Pending);
        assert_eq!(parse_status("verified").unwrap(), ResidentStatus::Verified);
        assert_eq!(parse_status("rejected").unwrap(), ResidentStatus::Rejected);
        for bad in ["", "Pending", "deleted", "active", " pending"] {
            assert_eq!(
                parse_status(bad).unwrap_err().code(),
                "invalid_query",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_rejection_reason_is_1_to_500_characters() {
        assert_eq!(
            rejection_reason("  no such address ").unwrap(),
            "no such address"
        );
        assert!(rejection_reason(&"ş".repeat(REASON_MAX_CHARS)).is_ok());
        for bad in [
            String::new(),
            "  \n ".into(),
            "ş".repeat(REASON_MAX_CHARS + 1),
        ] {
            assert_eq!(
                rejection_reason(&bad).unwrap_err().code(),
                "validation_failed"
            );
        }
    }

    fn roll(csv: &str) -> Result<usize, Vec<(String, &'static str)>> {
        let settings = MunicipalitySettings::from_country(Country::KZ).unwrap();
        let pepper = Pepper::new(vec![7u8; 32]).unwrap();
        parse_roll(csv.as_bytes(), &settings, &pepper, "m1")
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
