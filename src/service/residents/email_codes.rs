//! The e-mail code: a logged-in resident asks for a typed code sent to their account's address,
//! and enters it; `email_code` is then recorded as a way their registration was proven. It
//! proves that they read mail at that address, nothing about who they are or where they live.
//! Only where the municipality offers it. The resident enters it with `own_codes`.
//!
//! A code belongs to the address it was sent to: changing the address ([`address_changed`],
//! called by the profile's update in its transaction) drops the live code and the `email_code`
//! record, so a code read at an old address never proves a new one, and an address that
//! proved one account cannot be moved on to prove another while the first keeps the method.

use crate::auth::rate_limit::CodeLimiter;
use crate::db::accounts as account_rows;
use crate::db::municipalities as municipality_rows;
use crate::db::one_time_codes as code_rows;
use crate::db::residents as rows;
use crate::db::verifications as verification_rows;
use crate::db::{Db, DbConn};
use crate::domain::ids::AccountId;
use crate::domain::mail::{self, MailKind};
use crate::domain::one_time_code::CodePurpose;
use crate::domain::translations::pick;
use crate::domain::{Pepper, VerificationMethod};
use crate::service::outbox::{self, Mailing};
use crate::service::{now, one_time_codes, throttle, Actor, Error, Result};

use super::verifications;

const PURPOSE: CodePurpose = CodePurpose::EmailVerification;
const METHOD: VerificationMethod = VerificationMethod::EmailCode;

fn email_missing() -> Error {
    Error::conflict(
        "email_missing",
        "Your account has no e-mail address: add one to your profile first.",
    )
}

/// Where a code was sent, and until when it is good.
#[derive(Debug, Clone)]
pub struct EmailCodeSent {
    pub address: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// Issues the caller a code (replacing any earlier one) and queues the mail carrying it, in
/// the resident's language, in one transaction; the code is in the mail only. Sends are
/// throttled per account, so nobody can flood an address by asking again and again.
pub async fn send_email_code(
    db: &Db,
    pepper: &Pepper,
    limiter: &CodeLimiter,
    mailing: &Mailing,
    caller: &Actor,
) -> Result<EmailCodeSent> {
    throttle::take(
        db,
        pepper,
        limiter.email_code_sends(caller.account_id.as_ref()),
    )
    .await?;
    let (pepper, account_id) = (pepper.clone(), caller.account_id.clone());
    let (sealer, base) = (mailing.sealer.clone(), mailing.public_url.clone());
    let sent = db
        .write(move |conn| {
            let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
            let municipality = municipality_rows::by_id(conn, &resident.municipality_id)?;
            verifications::check_offered(&municipality, METHOD)?;
            let address = account_rows::by_id(conn, &account_id)?
                .email
                .ok_or_else(email_missing)?;
            let issued = one_time_codes::issue(conn, &pepper, PURPOSE, &account_id, None, now())?;
            let default = municipality.default_language().to_string();
            let language = resident.language.unwrap_or_else(|| default.clone());
            let minutes = PURPOSE.lifetime().num_minutes().to_string();
            let link = format!("{base}/#/m/{}/account", municipality.slug);
            let letter = mail::render(
                MailKind::EmailCode,
                &language,
                &[
                    (
                        "municipality",
                        &pick(&municipality.names, &language, &default),
                    ),
                    ("code", &issued.code),
                    ("link", &link),
                    ("minutes", &minutes),
                ],
            );
            outbox::queue(conn, &sealer, MailKind::EmailCode, &address, &letter)?;
            Ok::<_, Error>(EmailCodeSent {
                address,
                expires_at: issued.expires_at,
            })
        })
        .await?;
    mailing.outbox.committed(1);
    Ok(sent)
}

/// The account's address changed: its live e-mail code and its `email_code` record go (the
/// registration's status stays; only what the method proved is forgotten).
pub(super) fn address_changed(conn: &mut DbConn, account: &AccountId) -> Result<()> {
    code_rows::delete_of_purpose(conn, account, PURPOSE.as_str())?;
    verification_rows::delete_method(conn, account, METHOD)?;
    Ok(())
}
