//! A logged-in resident enters a typed code that was given or sent to them (a letter code, an
//! e-mail code): the one redemption both methods share.

use crate::auth::rate_limit::CodeLimiter;
use crate::db::accounts as account_rows;
use crate::db::municipalities as municipality_rows;
use crate::db::residents as rows;
use crate::db::Db;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{Pepper, VerificationMethod};
use crate::service::{now, one_time_codes, throttle, Actor, Error, Result};

use super::{verifications, Profile};

/// A code a resident enters themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnCode {
    /// The printed letter an official issued.
    Letter,
    /// The code mailed to the account's address.
    Email,
}

impl OwnCode {
    fn purpose(self) -> CodePurpose {
        match self {
            Self::Letter => CodePurpose::LetterVerification,
            Self::Email => CodePurpose::EmailVerification,
        }
    }

    fn method(self) -> VerificationMethod {
        match self {
            Self::Letter => VerificationMethod::LetterCode,
            Self::Email => VerificationMethod::EmailCode,
        }
    }
}

/// The caller enters their code of `kind`: once good, its method is recorded (with whoever
/// issued the code) and a pending registration becomes verified, in one transaction. Attempts
/// are throttled per account and kind before the code is looked at; every wrong, used, expired
/// or other resident's code is the one `invalid_code`. Only where the municipality offers the
/// method.
pub async fn redeem_own_code(
    db: &Db,
    pepper: &Pepper,
    limiter: &CodeLimiter,
    caller: &Actor,
    kind: OwnCode,
    code: String,
) -> Result<Profile> {
    let account = caller.account_id.as_ref();
    let attempts = match kind {
        OwnCode::Letter => limiter.letter(account),
        OwnCode::Email => limiter.email_code(account),
    };
    throttle::take(db, pepper, attempts).await?;
    let (purpose, method) = (kind.purpose(), kind.method());
    let (pepper, account_id) = (pepper.clone(), caller.account_id.clone());
    db.write(move |conn| {
        let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
        let municipality = municipality_rows::by_id(conn, &resident.municipality_id)?;
        verifications::check_offered(&municipality, method)?;
        let at = now();
        let row = one_time_codes::redeem_typed(conn, &pepper, purpose, &account_id, &code, at)?;
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
