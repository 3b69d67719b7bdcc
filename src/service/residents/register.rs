//! Registration under the municipality's ID scheme and registration policy.

use crate::auth::password;
use crate::auth::rate_limit::RegistrationLimiter;
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::districts;
use crate::db::municipalities::Municipality;
use crate::db::residents::{self as rows, ResidentRow};
use crate::db::voter_roll;
use crate::db::Db;
use crate::domain::{
    AccountStatus, FieldError, NationalId, Pepper, RegistrationPolicy, ResidentStatus, Role,
    ValidationErrors, VerificationMethod,
};
use crate::service::{hashing, now, throttle};
use crate::service::{Error, Result};

use super::fields::{birth_date, district, email, full_name, language, phone};
use super::is_unique_violation;

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
    /// The first day the new resident may vote, when they are under the minimum voting age
    /// today ([`votes_from`](super::votes_from)).
    pub votes_from: Option<chrono::NaiveDate>,
    /// The method that verified the new resident at once, if one did.
    pub verified_by: Vec<VerificationMethod>,
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

/// The status a new resident starts in: verified at once under `open`, pending an official's
/// review under `review`, and under `roll` verified only when `on_roll` finds them on the
/// voter roll (asked only under that policy: it is a query).
fn status_under(
    policy: RegistrationPolicy,
    on_roll: impl FnOnce() -> Result<bool>,
) -> Result<ResidentStatus> {
    Ok(match policy {
        RegistrationPolicy::Open => ResidentStatus::Verified,
        RegistrationPolicy::Review => ResidentStatus::Pending,
        RegistrationPolicy::Roll => {
            if on_roll()? {
                ResidentStatus::Verified
            } else {
                ResidentStatus::Pending
            }
        }
    })
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
    throttle::take(db, pepper, limiter.person(&national_id_hash)).await?;
    let password_hash = hashing(move || password::hash(&new_password))
        .await?
        .map_err(Error::internal)?;

    let policy = settings.registration_policy;
    db.write(move |conn| {
        let at = now();
        let status = status_under(policy, || {
            Ok(voter_roll::contains(
                conn,
                &municipality.id,
                &national_id_hash,
                birth,
            )?)
        })?;
        let account = AccountRow {
            id: crate::domain::ids::AccountId::new(),
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
        let method = VerificationMethod::of_registration(policy)
            .filter(|_| status == ResidentStatus::Verified);
        if let Some(method) = method {
            super::verifications::record(conn, &account.id, method, None, at)?;
        }
        let verified_by = method.into_iter().collect();
        Ok(Registered {
            votes_from: super::votes_from(&municipality, &resident, at.and_utc()),
            resident,
            account,
            warnings,
            verified_by,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never_asked() -> Result<bool> {
        panic!("the voter roll is asked only under the roll policy")
    }

    #[test]
    fn open_verifies_and_review_waits_without_asking_the_roll() {
        let open = status_under(RegistrationPolicy::Open, never_asked).unwrap();
        assert_eq!(open, ResidentStatus::Verified);
        let review = status_under(RegistrationPolicy::Review, never_asked).unwrap();
        assert_eq!(review, ResidentStatus::Pending);
    }

    #[test]
    fn roll_verifies_only_those_on_the_roll() {
        let on = status_under(RegistrationPolicy::Roll, || Ok(true)).unwrap();
        assert_eq!(on, ResidentStatus::Verified);
        let off = status_under(RegistrationPolicy::Roll, || Ok(false)).unwrap();
        assert_eq!(off, ResidentStatus::Pending);
    }

    #[test]
    fn a_failing_roll_lookup_fails_the_registration() {
        let failed = status_under(RegistrationPolicy::Roll, || Err(Error::Internal));
        assert_eq!(failed.unwrap_err().code(), "internal_error");
    }
}
