//! Drawing and redeeming single-use codes (format and lifetimes in `domain::one_time_code`).
//!
//! Both run on the caller's connection, inside the caller's `Db::write`: issuing a code and
//! queueing the e-mail that carries it, or redeeming one and setting the password it allows,
//! are each one transaction. Every way a code fails (unknown, mistyped, used, expired, another
//! account's, another purpose's) is the same `invalid_code` refusal, so an answer tells a
//! guesser nothing about which.

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::db::one_time_codes::{self as rows, CodeRow};
use crate::db::DbConn;
use crate::domain::ids::AccountId;
use crate::domain::one_time_code::{
    canonical, code_hash, CodePurpose, CodeShape, LINK_BYTES, TYPED,
};
use crate::domain::Pepper;
use crate::service::{Error, Result};

/// A code just drawn: give it to its holder now, it is never shown again.
#[derive(Debug, Clone)]
pub struct Issued {
    pub code: String,
    pub expires_at: NaiveDateTime,
}

/// The one refusal for a code that opens nothing.
pub fn invalid_code() -> Error {
    Error::refused(
        "invalid_code",
        "This code or link is not valid: it may be mistyped, already used or expired.",
    )
}

/// A fresh code of `purpose`'s shape, from the operating system's generator.
fn draw(purpose: CodePurpose) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    match purpose.shape() {
        CodeShape::Link => {
            let mut bytes = [0u8; LINK_BYTES];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD.encode(bytes)
        }
        CodeShape::Typed => {
            let mut bytes = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            TYPED.encode(u128::from(u64::from_be_bytes(bytes)))
        }
    }
}

/// The stored key of `code`: typed codes are bound to their account.
fn key(pepper: &Pepper, purpose: CodePurpose, account: &AccountId, code: &str) -> String {
    let scope = (purpose.shape() == CodeShape::Typed).then_some(account);
    code_hash(pepper, purpose, scope, code)
}

/// Draws a code of `purpose` for `account` (replacing any earlier one of the same purpose),
/// stores its keyed hash, and returns it in clear, once.
pub fn issue(
    conn: &mut DbConn,
    pepper: &Pepper,
    purpose: CodePurpose,
    account: &AccountId,
    issued_by: Option<&AccountId>,
    now: NaiveDateTime,
) -> Result<Issued> {
    issue_lasting(
        conn,
        pepper,
        purpose,
        account,
        issued_by,
        now,
        purpose.lifetime(),
    )
}

/// [`issue`] with a lifetime of the caller's (a configured one; never longer than needed).
pub fn issue_lasting(
    conn: &mut DbConn,
    pepper: &Pepper,
    purpose: CodePurpose,
    account: &AccountId,
    issued_by: Option<&AccountId>,
    now: NaiveDateTime,
    lifetime: chrono::Duration,
) -> Result<Issued> {
    let code = draw(purpose);
    let expires_at = now + lifetime;
    rows::replace(
        conn,
        &CodeRow {
            code_hash: key(pepper, purpose, account, &code),
            purpose: purpose.as_str().to_string(),
            account_id: account.clone(),
            issued_by: issued_by.cloned(),
            created_at: now,
            expires_at,
            used_at: None,
        },
    )?;
    Ok(Issued { code, expires_at })
}

/// Forgets expired codes (run by the scheduler): they can open nothing, and what is not kept
/// cannot leak.
pub async fn forget_expired(db: &crate::db::Db) -> Result<usize> {
    let now = crate::service::now();
    db.write(move |conn| rows::forget_expired(conn, now).map_err(Error::from))
        .await
}

/// Whose live link `token` is, read without using it, with the token in canonical form: for
/// the slow work that must precede the redeeming transaction (hashing a new password, which
/// the policy checks against the holder's address). Anything that opens nothing:
/// `invalid_code`.
pub async fn link_holder(
    db: &crate::db::Db,
    pepper: &Pepper,
    purpose: CodePurpose,
    token: &str,
) -> Result<(String, crate::db::accounts::AccountRow)> {
    debug_assert_eq!(purpose.shape(), CodeShape::Link);
    let token = canonical(purpose, token).ok_or_else(invalid_code)?;
    let hash = code_hash(pepper, purpose, None, &token);
    let account = db
        .read(move |conn| {
            let Some(code) = rows::live(conn, &hash, purpose.as_str(), crate::service::now())?
            else {
                return Ok(None);
            };
            Ok::<_, Error>(Some(crate::db::accounts::by_id(conn, &code.account_id)?))
        })
        .await?
        .ok_or_else(invalid_code)?;
    Ok((token, account))
}

/// An official (`actor`) of `municipality` issues a typed code of `purpose` for one of its
/// residents (another tenant's is not found), audit-logged as `action` with its expiry and
/// never the code, in one `Db::write`.
pub async fn issue_for_resident(
    db: &crate::db::Db,
    pepper: &Pepper,
    actor: &crate::service::Actor,
    municipality: &crate::db::municipalities::Municipality,
    account_id: AccountId,
    purpose: CodePurpose,
    action: &'static str,
) -> Result<Issued> {
    let (pepper, actor, municipality_id) = (pepper.clone(), actor.clone(), municipality.id.clone());
    db.write(move |conn| {
        let resident = crate::db::residents::find(conn, &municipality_id, &account_id)?;
        let issued = issue(
            conn,
            &pepper,
            purpose,
            &resident.account_id,
            Some(&actor.account_id),
            crate::service::now(),
        )?;
        crate::service::audit_log::append(
            conn,
            &actor,
            &municipality_id,
            action,
            "resident",
            &resident.account_id,
            serde_json::json!({"expires_at": issued.expires_at.and_utc()}),
        )?;
        Ok(issued)
    })
    .await
}

/// Redeems a link token: the account it was issued to, or `invalid_code`.
pub fn redeem_link(
    conn: &mut DbConn,
    pepper: &Pepper,
    purpose: CodePurpose,
    token: &str,
    now: NaiveDateTime,
) -> Result<AccountId> {
    debug_assert_eq!(purpose.shape(), CodeShape::Link);
    let token = canonical(purpose, token).ok_or_else(invalid_code)?;
    let hash = code_hash(pepper, purpose, None, &token);
    let row = rows::take(conn, &hash, purpose.as_str(), now)?.ok_or_else(invalid_code)?;
    Ok(row.account_id)
}

/// Redeems a typed code for the account its holder named, or `invalid_code`. Callers
/// throttle attempts per account: 50 bits are safe only when guesses are few.
pub fn redeem_typed(
    conn: &mut DbConn,
    pepper: &Pepper,
    purpose: CodePurpose,
    account: &AccountId,
    typed: &str,
    now: NaiveDateTime,
) -> Result<CodeRow> {
    debug_assert_eq!(purpose.shape(), CodeShape::Typed);
    let code = canonical(purpose, typed).ok_or_else(invalid_code)?;
    let hash = key(pepper, purpose, account, &code);
    rows::take(conn, &hash, purpose.as_str(), now)?.ok_or_else(invalid_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_codes_have_their_purposes_shape_and_differ() {
        let link = draw(CodePurpose::PasswordResetLink);
        assert_eq!(
            canonical(CodePurpose::PasswordResetLink, &link).as_deref(),
            Some(link.as_str())
        );
        let typed = draw(CodePurpose::LetterVerification);
        assert_eq!(
            canonical(CodePurpose::LetterVerification, &typed).as_deref(),
            Some(typed.as_str())
        );
        assert_ne!(
            draw(CodePurpose::StaffInvitation),
            draw(CodePurpose::StaffInvitation)
        );
        assert_ne!(
            draw(CodePurpose::EmailVerification),
            draw(CodePurpose::EmailVerification)
        );
    }

    fn database(dir: &tempfile::TempDir) -> crate::db::Db {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = crate::db::Db::connect(&url, 2).expect("the pool");
        db.migrate().expect("migrations");
        db
    }

    /// A stored account to issue codes to (the table's foreign key needs one).
    async fn stored_account(db: &crate::db::Db) -> AccountId {
        let row = crate::db::accounts::AccountRow {
            id: AccountId::new(),
            municipality_id: None,
            role: crate::domain::Role::PlatformAdmin,
            email: None,
            ..crate::service::test_support::account_row()
        };
        let id = row.id.clone();
        db.write(move |conn| crate::db::accounts::insert(conn, &row).map_err(Error::from))
            .await
            .unwrap();
        id
    }

    #[tokio::test]
    async fn a_code_opens_once_for_its_account_and_purpose_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let pepper = Pepper::new([5u8; 32]).unwrap();
        let alice = stored_account(&db).await;
        let bob = stored_account(&db).await;
        let now = crate::service::now();
        let letter = CodePurpose::LetterVerification;
        let (p, a, b) = (pepper.clone(), alice.clone(), bob.clone());
        db.write(move |conn| {
            let issued = issue(conn, &p, letter, &a, None, now)?;
            let sloppy = issued.code.to_lowercase().replace('-', " ");
            // Another account, another purpose, a typo: the same refusal, and the code lives on.
            for (account, purpose, code) in [
                (&b, letter, issued.code.as_str()),
                (&a, CodePurpose::EmailVerification, issued.code.as_str()),
                (&a, letter, "00000-00000"),
                (&a, letter, "not a code"),
            ] {
                let err = redeem_typed(conn, &p, purpose, account, code, now).unwrap_err();
                assert_eq!(err.code(), "invalid_code");
            }
            let row = redeem_typed(conn, &p, letter, &a, &sloppy, now)?;
            assert_eq!(row.account_id, a);
            // Used once: never again.
            let again = redeem_typed(conn, &p, letter, &a, &issued.code, now).unwrap_err();
            assert_eq!(again.code(), "invalid_code");

            // A link expires with its lifetime, and a new one replaces the old.
            let reset = CodePurpose::PasswordResetLink;
            let old = issue(conn, &p, reset, &a, None, now)?;
            let new = issue(conn, &p, reset, &a, None, now)?;
            assert_eq!(
                redeem_link(conn, &p, reset, &old.code, now)
                    .unwrap_err()
                    .code(),
                "invalid_code"
            );
            let late = new.expires_at + chrono::Duration::seconds(1);
            assert_eq!(
                redeem_link(conn, &p, reset, &new.code, late)
                    .unwrap_err()
                    .code(),
                "invalid_code"
            );
            assert_eq!(redeem_link(conn, &p, reset, &new.code, now)?, a);
            // The replaced link is gone already; the letter code lives on for weeks.
            assert_eq!(rows::forget_expired(conn, late)?, 1);
            Ok::<(), Error>(())
        })
        .await
        .unwrap();
    }
}
