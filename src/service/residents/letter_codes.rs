//! The printed letter code (CONSUL's letter): an official of the municipality issues a code for
//! one resident, to post or hand over; the resident, logged in, types it and `letter_code` is
//! recorded as a way their registration was proven. Only where the municipality offers it.

use crate::auth::rate_limit::CodeLimiter;
use crate::db::accounts as account_rows;
use crate::db::municipalities::{self as municipality_rows, Municipality};
use crate::db::residents as rows;
use crate::db::Db;
use crate::domain::ids::AccountId;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{Pepper, VerificationMethod};
use crate::service::one_time_codes::{self, issue_for_resident, Issued};
use crate::service::{now, throttle, Actor, Error, Result};

use super::{verifications, Profile};

fn check_offered(municipality: &Municipality) -> Result<()> {
    verifications::check_offered(municipality, VerificationMethod::LetterCode)
}

/// Issues a letter code for a resident of `municipality` (another tenant's is not found),
/// replacing any earlier one. The code is answered once, to print; the audit log records that
/// one was issued and until when, never the code.
pub async fn issue_letter_code(
    db: &Db,
    pepper: &Pepper,
    actor: &Actor,
    municipality: &Municipality,
    account_id: AccountId,
) -> Result<Issued> {
    check_offered(municipality)?;
    issue_for_resident(
        db,
        pepper,
        actor,
        municipality,
        account_id,
        CodePurpose::LetterVerification,
        "resident.letter_code_issued",
    )
    .await
}

/// The caller, a resident, enters their letter code: once good, `letter_code` is recorded
/// (with the official who issued it) and a pending registration becomes verified. Attempts are
/// throttled per account before the code is looked at; every wrong, used, expired or other
/// resident's code is the one `invalid_code`.
pub async fn redeem_letter_code(
    db: &Db,
    pepper: &Pepper,
    limiter: &CodeLimiter,
    caller: &Actor,
    code: String,
) -> Result<Profile> {
    throttle::take(db, pepper, limiter.letter(caller.account_id.as_ref())).await?;
    let (pepper, account_id) = (pepper.clone(), caller.account_id.clone());
    db.write(move |conn| {
        let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
        check_offered(&municipality_rows::by_id(conn, &resident.municipality_id)?)?;
        let at = now();
        let row = one_time_codes::redeem_typed(
            conn,
            &pepper,
            CodePurpose::LetterVerification,
            &account_id,
            &code,
            at,
        )?;
        let method = VerificationMethod::LetterCode;
        verifications::record(conn, &account_id, method, row.issued_by.as_ref(), at)?;
        let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
        Ok(Profile {
            resident,
            account: account_rows::by_id(conn, &account_id)?,
            verified_by: verifications::methods_of(conn, &account_id)?,
        })
    })
    .await
}
