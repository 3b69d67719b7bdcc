//! Recording how a resident was verified: the one function every verifying path calls
//! (registration under `open` and `roll`, an official's verify, the roll import, a letter
//! code, and later the provider and e-mail codes), on the caller's connection inside its
//! `Db::write`.

use chrono::NaiveDateTime;

use crate::db::municipalities::Municipality;
use crate::db::residents as rows;
use crate::db::verifications::{self as verification_rows, VerificationRow};
use crate::db::DbConn;
use crate::domain::ids::AccountId;
use crate::domain::VerificationMethod;
use crate::service::{Error, Result};

/// Records that `method` verified the resident `account` (the first record of a method stays),
/// and verifies them if their registration is pending. A rejection stands: an official decided
/// against this registration, and a method proves who someone is or that they hold a letter,
/// not that the official was wrong; only an official's own verify reverses it.
pub fn record(
    conn: &mut DbConn,
    account: &AccountId,
    method: VerificationMethod,
    by: Option<&AccountId>,
    at: NaiveDateTime,
) -> Result<Recorded> {
    let new_method = verification_rows::insert_if_absent(
        conn,
        &VerificationRow {
            account_id: account.clone(),
            method,
            verified_at: at,
            verified_by: by.cloned(),
        },
    )?;
    let reviewer = by.filter(|_| method == VerificationMethod::Review);
    let verified = rows::verify_if_pending(conn, account, reviewer, at)?;
    Ok(Recorded {
        new_method,
        verified,
    })
}

/// `verification_method_not_offered` unless `municipality` offers `method`: nobody may be
/// verified by a method their city does not offer (a code, or its provider).
pub fn check_offered(municipality: &Municipality, method: VerificationMethod) -> Result<()> {
    if municipality.settings.verification_methods.contains(&method) {
        Ok(())
    } else {
        Err(Error::conflict(
            "verification_method_not_offered",
            format!("This municipality does not offer verification by {method}."),
        ))
    }
}

/// What [`record`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The method had not verified this resident before.
    pub new_method: bool,
    /// The registration went from pending to verified.
    pub verified: bool,
}

/// The methods that verified the resident, in the order they did.
pub fn methods_of(conn: &mut DbConn, account: &AccountId) -> Result<Vec<VerificationMethod>> {
    Ok(verification_rows::methods_of(conn, account)?)
}
