//! Logging in, refreshing and logging out.
//!
//! A failed login says only "the login or the password is wrong", whether or not the account
//! exists, and costs one argon2 verification either way (a dummy hash stands in for a
//! missing account), so neither the answer nor its timing reveals who has an account.
//!
//! Residents may log in with their national ID instead of an e-mail: it is parsed with the
//! municipality's scheme and looked up by its keyed hash, never stored or logged as typed. A
//! malformed ID is just another login that matches nobody.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};

use crate::auth::AuthState;
use crate::auth::{password, refresh};
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::municipalities;
use crate::db::residents;
use crate::db::sessions::{self, RefreshTokenRow, SessionRow};
use crate::db::{Db, DbConn};
use crate::domain::AccountStatus;
use crate::domain::SessionId;
use crate::domain::{NationalId, Pepper};
use crate::service::{hashing, now, throttle};
use crate::service::{Error, Result};

pub struct LoginInput {
    pub municipality: Option<String>,
    pub login: String,
    pub password: String,
    pub client_ip: String,
}

/// A freshly issued pair of tokens.
pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub account: AccountRow,
}

/// The throttling key of a login attempt: the same person typing their e-mail in another
/// case must hit the same bucket.
/// A national ID counts once however it is spaced or dashed.
fn identifier_key(municipality: Option<&str>, login: &str) -> String {
    let login = login.trim().to_lowercase();
    let login = if login.contains('@') {
        login
    } else {
        login
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect()
    };
    format!(
        "{}:{}",
        municipality.unwrap_or("platform").to_lowercase(),
        login
    )
}

pub async fn login(
    db: &Db,
    auth: &AuthState,
    pepper: &Pepper,
    input: LoginInput,
) -> Result<Tokens> {
    // Keyed like a national ID's hash: a login may be one, and the throttle's memory should
    // hold no clear ID either.
    let throttle_key = pepper.mac(&[
        b"login-throttle:",
        identifier_key(input.municipality.as_deref(), &input.login).as_bytes(),
    ]);
    throttle::take(
        db,
        pepper,
        auth.limiter.buckets(&input.client_ip, &throttle_key),
    )
    .await?;

    let municipality = input.municipality.clone();
    let login = input.login;
    let pepper = pepper.clone();
    let account = db
        .read(move |conn| find_account(conn, &pepper, municipality.as_deref(), &login))
        .await?;

    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_text = input.password;
    let verification = hashing(move || match stored_hash {
        Some(hash) => password::verify(&password_text, &hash).map(|v| (v, Some(password_text))),
        None => {
            password::verify_dummy(&password_text);
            Ok((password::Verification::FAILED, None))
        }
    })
    .await?;
    let (verification, password_text) = verification.map_err(Error::internal)?;

    let account = match account {
        Some(account) if verification.ok && account.status == AccountStatus::Active => account,
        _ => return Err(Error::invalid_credentials()),
    };

    if verification.needs_rehash {
        if let Some(password_text) = password_text {
            let new_hash = hashing(move || password::rehash(&password_text))
                .await?
                .map_err(Error::internal)?;
            let id = account.id.clone();
            db.write(move |conn| {
                account_rows::set_password_hash(conn, &id, &new_hash, now()).map_err(Error::from)
            })
            .await?;
        }
    }
    start_session(db, auth, account).await
}

/// Platform admins log in without a municipality; everyone else within theirs. A login
/// without `@` in a municipality is read as a resident's national ID.
fn find_account(
    conn: &mut DbConn,
    pepper: &Pepper,
    municipality: Option<&str>,
    login: &str,
) -> Result<Option<AccountRow>> {
    let municipality = match municipality {
        None => None,
        Some(slug) => match municipalities::by_slug(conn, slug) {
            Ok(m) => Some(m),
            Err(diesel::result::Error::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        },
    };
    let Some(municipality) = municipality else {
        return Ok(account_rows::by_email(
            conn,
            None,
            &login.trim().to_lowercase(),
        )?);
    };
    if login.contains('@') {
        return Ok(account_rows::by_email(
            conn,
            Some(&municipality.id),
            &login.trim().to_lowercase(),
        )?);
    }
    let scheme = municipality.settings.national_id_scheme;
    let policy = municipality.settings.check_digit_policy;
    // The municipality's own check-digit policy: an ID registered under `warn` must log in.
    let Ok((id, _)) = NationalId::parse_with(scheme, login, policy) else {
        return Ok(None);
    };
    let hash = id.keyed_hash(pepper);
    match residents::by_hash(conn, &municipality.id, &hash)? {
        Some(resident) => Ok(Some(account_rows::by_id(conn, &resident.account_id)?)),
        None => Ok(None),
    }
}

pub(crate) async fn start_session(
    db: &Db,
    auth: &AuthState,
    account: AccountRow,
) -> Result<Tokens> {
    let at = now();
    let session = SessionRow {
        id: SessionId::new(),
        account_id: account.id.clone(),
        created_at: at,
        expires_at: at + Duration::days(auth.refresh_ttl_days),
        revoked_at: None,
        revoked_reason: None,
    };
    let refresh_token = refresh::RefreshToken::generate();
    let refresh_row = refresh_row(refresh_token.expose(), &session.id, at, session.expires_at);
    let access_token = issue_access(auth, &account, &session.id)?;
    let account_id = account.id.clone();
    db.write(move |conn| {
        sessions::insert_session(conn, &session)?;
        sessions::insert_refresh(conn, &refresh_row)?;
        account_rows::touch_login(conn, &account_id, at)?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(Tokens {
        access_token,
        expires_in: auth.access_ttl_minutes * 60,
        refresh_token: refresh_token.expose().to_string(),
        account,
    })
}

fn refresh_row(
    token: &str,
    session_id: &SessionId,
    at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> RefreshTokenRow {
    RefreshTokenRow {
        token_hash: refresh::hash(token),
        session_id: session_id.clone(),
        issued_at: at,
        expires_at,
        used_at: None,
    }
}

fn issue_access(auth: &AuthState, account: &AccountRow, session_id: &SessionId) -> Result<String> {
    let uuid = |text: &str| uuid::Uuid::parse_str(text).map_err(Error::internal);
    let role = account.role;
    let municipality = account.municipality_id.as_deref().map(uuid).transpose()?;
    auth.tokens
        .issue(
            uuid(&account.id)?,
            role,
            municipality,
            uuid(session_id)?,
            chrono::Utc::now(),
        )
        .map(|issued| issued.token)
        .map_err(Error::internal)
}

/// What refreshing found, decided inside one transaction.
enum RefreshOutcome {
    Rotated(Box<Tokens>),
    Reused,
    Invalid,
}

/// Exchanges a refresh token for a new pair. A token already exchanged is proof of theft or
/// replay: the whole session is revoked, so the thief's successor token dies too.
pub async fn refresh(db: &Db, auth: Arc<AuthState>, presented: String) -> Result<Tokens> {
    if !refresh::is_well_formed(&presented) {
        return Err(invalid_refresh());
    }
    let token_hash = refresh::hash(&presented);
    let successor = refresh::RefreshToken::generate().expose().to_string();
    let auth_inner = auth.clone();
    let outcome = db
        .write(move |conn| rotate(conn, &auth_inner, &token_hash, successor))
        .await?;
    match outcome {
        RefreshOutcome::Rotated(tokens) => Ok(*tokens),
        RefreshOutcome::Reused => Err(Error::unauthorized(
            "refresh_token_reused",
            "This refresh token was already used; the session has been ended. Log in again.",
        )),
        RefreshOutcome::Invalid => Err(invalid_refresh()),
    }
}

fn invalid_refresh() -> Error {
    Error::unauthorized(
        "invalid_refresh_token",
        "The refresh token is unknown, expired or revoked.",
    )
}

fn rotate(
    conn: &mut DbConn,
    auth: &AuthState,
    token_hash: &str,
    successor: String,
) -> Result<RefreshOutcome> {
    let at = now();
    let Some(token) = sessions::refresh_token(conn, token_hash)? else {
        return Ok(RefreshOutcome::Invalid);
    };
    let Some(session) = sessions::session(conn, &token.session_id)? else {
        return Ok(RefreshOutcome::Invalid);
    };
    if token.used_at.is_some() || !sessions::consume_refresh(conn, token_hash, at)? {
        sessions::revoke_session(conn, &session.id, "refresh_token_reused", at)?;
        return Ok(RefreshOutcome::Reused);
    }
    let account = account_rows::by_id(conn, &session.account_id)?;
    if session.revoked_at.is_some()
        || session.expires_at <= at
        || token.expires_at <= at
        || account.status != AccountStatus::Active
    {
        return Ok(RefreshOutcome::Invalid);
    }
    sessions::insert_refresh(
        conn,
        &refresh_row(&successor, &session.id, at, session.expires_at),
    )?;
    let access_token = issue_access(auth, &account, &session.id)?;
    Ok(RefreshOutcome::Rotated(Box::new(Tokens {
        access_token,
        expires_in: auth.access_ttl_minutes * 60,
        refresh_token: successor,
        account,
    })))
}

pub async fn logout(db: &Db, session_id: SessionId) -> Result<()> {
    db.write(move |conn| {
        sessions::revoke_session(conn, &session_id, "logout", now()).map_err(Error::from)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_logins_share_a_bucket_whatever_their_case_and_padding() {
        assert_eq!(
            identifier_key(Some("Almaty"), "  Ayse@Example.org "),
            identifier_key(Some("almaty"), "ayse@example.org")
        );
        assert_eq!(
            identifier_key(Some("almaty"), "ayse@example.org"),
            "almaty:ayse@example.org"
        );
    }

    #[test]
    fn national_ids_share_a_bucket_however_spaced_or_dashed() {
        assert_eq!(
            identifier_key(Some("almaty"), "900101-300 017"),
            "almaty:900101300017"
        );
        assert_eq!(
            identifier_key(Some("almaty"), "9001 0130-0017"),
            identifier_key(Some("almaty"), "900101300017")
        );
    }

    #[test]
    fn an_e_mail_keeps_its_dashes_and_platform_logins_have_their_own_bucket() {
        assert_eq!(
            identifier_key(None, "ops-team@example.org"),
            "platform:ops-team@example.org"
        );
        assert_ne!(
            identifier_key(None, "ayse@example.org"),
            identifier_key(Some("almaty"), "ayse@example.org")
        );
        assert_eq!(identifier_key(None, ""), "platform:");
    }
}
