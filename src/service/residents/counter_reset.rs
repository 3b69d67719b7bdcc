//! The counter reset code, for a resident without e-mail who forgot their password: an
//! official, having checked the person at the counter, issues a one-time code; the resident
//! sets a new password with their national ID, the code and the new password.

use crate::auth::password;
use crate::auth::rate_limit::CodeLimiter;
use crate::db::municipalities::Municipality;
use crate::db::residents as rows;
use crate::db::Db;
use crate::domain::ids::AccountId;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{NationalId, Pepper};
use crate::service::accounts::replace_password;
use crate::service::one_time_codes::{self, invalid_code, issue_for_resident, Issued};
use crate::service::{hashing, now, throttle, Actor, Error, Result};

/// Issues a counter reset code for a resident of `municipality` (another tenant's is not
/// found), replacing any earlier one. Answered once, to hand over; the audit log records that
/// one was issued and until when, never the code.
pub async fn issue_counter_code(
    db: &Db,
    pepper: &Pepper,
    actor: &Actor,
    municipality: &Municipality,
    account_id: AccountId,
) -> Result<Issued> {
    issue_for_resident(
        db,
        pepper,
        actor,
        municipality,
        account_id,
        CodePurpose::PasswordResetCounter,
        "resident.password_reset_code_issued",
    )
    .await
}

/// What the resident sends at the counter's reset page.
pub struct CounterReset {
    pub national_id: String,
    pub code: String,
    pub new_password: String,
}

/// Sets a new password with a counter code: one `Db::write` redeems the code, sets the
/// password and ends every session. Attempts are throttled per client address, then per ID.
/// An ID that is malformed or not registered here and a wrong code get the same
/// `invalid_code`, after the same work (the new password is hashed either way), so neither
/// the answer nor its time tells whether someone is registered. The password policy is
/// checked first, without the account's e-mail, so its refusal says nothing about the ID.
pub async fn reset_at_counter(
    db: &Db,
    pepper: &Pepper,
    limiter: &CodeLimiter,
    municipality: &Municipality,
    client_ip: &str,
    input: CounterReset,
) -> Result<()> {
    throttle::take(db, pepper, limiter.counter_address(client_ip)).await?;
    let new_password = password::NewPassword::parse(&input.new_password, None)
        .map_err(|e| Error::field("new_password", e.code(), e.to_string()))?;
    let settings = &municipality.settings;
    let national_id_hash = NationalId::parse_with(
        settings.national_id_scheme,
        &input.national_id,
        settings.check_digit_policy,
    )
    .ok()
    .map(|(id, _)| id.keyed_hash(pepper));
    if let Some(hash) = &national_id_hash {
        throttle::take(db, pepper, limiter.counter_person(hash)).await?;
    }
    let hash = hashing(move || password::hash(&new_password))
        .await?
        .map_err(Error::internal)?;
    let national_id_hash = national_id_hash.ok_or_else(invalid_code)?;
    let (pepper, municipality_id, code) = (pepper.clone(), municipality.id.clone(), input.code);
    db.write(move |conn| {
        let resident =
            rows::by_hash(conn, &municipality_id, &national_id_hash)?.ok_or_else(invalid_code)?;
        let at = now();
        let purpose = CodePurpose::PasswordResetCounter;
        let account = &resident.account_id;
        one_time_codes::redeem_typed(conn, &pepper, purpose, account, &code, at)?;
        replace_password(conn, account, &hash, "password_reset_counter", at)
    })
    .await
}
