//! Password recovery by an e-mailed link.
//!
//! Asking (`request`) always ends the same way for the caller, whether or not the address
//! belongs to an account: the answer never tells a stranger who is registered. When it is an
//! active account of the named municipality (or a platform admin, with none named), a
//! single-use `PasswordResetLink` code is issued and the e-mail carrying it is queued, in one
//! transaction. Using the link (`reset`) redeems the code once, sets the new password under the
//! policy and ends every session of the account, in one transaction; a staff member's reset is
//! recorded in their municipality's audit chain (a resident's is not: residents' own actions
//! are not staff actions).

use chrono::Duration;

use crate::auth::rate_limit::RecoveryLimiter;
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::{municipalities, residents, Db, DbConn};
use crate::domain::mail::{self, MailKind};
use crate::domain::one_time_code::CodePurpose;
use crate::domain::translations::pick;
use crate::domain::{AccountStatus, Pepper, Role};
use crate::service::accounts::{hash_new_password, normalise_email, replace_password};
use crate::service::one_time_codes::{invalid_code, issue_lasting, link_holder, redeem_link};
use crate::service::outbox::{self, Mailing};
use crate::service::{audit_log, now, throttle, Error, Result};

/// A request for a recovery link.
pub struct RecoveryRequest {
    /// The municipality's slug; `None` for a platform admin.
    pub municipality: Option<String>,
    pub email: String,
    pub client_ip: String,
}

/// Takes the throttles and, when the address is an active account's, issues a link and queues
/// its e-mail. `Ok(())` either way.
pub async fn request(
    db: &Db,
    pepper: &Pepper,
    limiter: &RecoveryLimiter,
    mailing: &Mailing,
    link_lifetime: Duration,
    input: RecoveryRequest,
) -> Result<()> {
    let email = normalise_email("email", &input.email)?;
    let tenant = input.municipality.clone().unwrap_or_default();
    let email_key = pepper.mac(&[b"recovery:", tenant.as_bytes(), b"\0", email.as_bytes()]);
    throttle::take(db, pepper, limiter.buckets(&input.client_ip, &email_key)).await?;
    let (pepper, sealer) = (pepper.clone(), mailing.sealer.clone());
    let (base, lifetime) = (mailing.public_url.clone(), link_lifetime);
    let slug = input.municipality;
    let queued = db
        .write(move |conn| {
            let Some(target) = recipient(conn, slug.as_deref(), &email)? else {
                return Ok(0);
            };
            let at = now();
            let purpose = CodePurpose::PasswordResetLink;
            let issued = issue_lasting(
                conn,
                &pepper,
                purpose,
                &target.account.id,
                None,
                at,
                lifetime,
            )?;
            let link = match &target.slug {
                Some(slug) => format!("{base}/#/m/{slug}/reset-password?token={}", issued.code),
                None => format!("{base}/#/reset-password?token={}", issued.code),
            };
            let minutes = lifetime.num_seconds().max(60).div_euclid(60).to_string();
            let letter = mail::render(
                MailKind::PasswordRecovery,
                &target.language,
                &[
                    ("municipality", &target.place),
                    ("link", &link),
                    ("minutes", &minutes),
                ],
            );
            outbox::queue(conn, &sealer, MailKind::PasswordRecovery, &email, &letter)?;
            Ok::<u64, Error>(1)
        })
        .await?;
    mailing.outbox.committed(queued);
    Ok(())
}

/// Who a recovery e-mail goes to, and in which words.
struct Recipient {
    account: AccountRow,
    slug: Option<String>,
    /// The municipality's name in the message's language (the service's name for admins).
    place: String,
    language: String,
}

/// The active account with this address in the named municipality (or among platform admins),
/// with the language its e-mail is written in: a resident's own, else the municipality's.
fn recipient(conn: &mut DbConn, slug: Option<&str>, email: &str) -> Result<Option<Recipient>> {
    let municipality = match slug {
        None => None,
        Some(slug) => match municipalities::by_slug(conn, slug) {
            Ok(m) => Some(m),
            Err(diesel::result::Error::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        },
    };
    let account = account_rows::by_email(conn, municipality.as_ref().map(|m| &m.id), email)?;
    let Some(account) = account.filter(|a| a.status == AccountStatus::Active) else {
        return Ok(None);
    };
    let Some(municipality) = municipality else {
        return Ok(Some(Recipient {
            account,
            slug: None,
            place: "Kurultai".into(),
            language: "en".into(),
        }));
    };
    let default = municipality.default_language().to_string();
    let language = match account.role {
        Role::Resident => residents::by_account(conn, &account.id)?
            .and_then(|r| r.language)
            .unwrap_or_else(|| default.clone()),
        _ => default.clone(),
    };
    Ok(Some(Recipient {
        place: pick(&municipality.names, &language, &default),
        slug: Some(municipality.slug.clone()),
        account,
        language,
    }))
}

/// Sets a new password with a recovery link's token: once, under the policy, ending every
/// session. Any token that opens nothing is `invalid_code`.
pub async fn reset(db: &Db, pepper: &Pepper, token: String, new_password: String) -> Result<()> {
    let purpose = CodePurpose::PasswordResetLink;
    let (token, account) = link_holder(db, pepper, purpose, &token).await?;
    let email = account.email.clone().unwrap_or_default();
    let hash = hash_new_password("new_password", new_password, &email).await?;
    let pepper = pepper.clone();
    db.write(move |conn| {
        let at = now();
        let holder = redeem_link(conn, &pepper, purpose, &token, at)?;
        let account = account_rows::by_id(conn, &holder)?;
        if account.status != AccountStatus::Active {
            return Err(invalid_code());
        }
        replace_password(conn, &account.id, &hash, "password_reset", at)?;
        if account.role != Role::Resident {
            audit_log::append_own_act(conn, &account, "account.password_reset_by_link", at)?;
        }
        Ok(())
    })
    .await
}
