//! Login sessions and their refresh tokens.
//!
//! A session is one token family: each refresh consumes the presented token and issues a
//! successor in the same session. Presenting a consumed token again means it was stolen or
//! replayed, so the whole session is revoked. Access tokens name their session (`sid`), so
//! revoking it (logout, reuse, disabled account) stops them at once too.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, refresh_tokens, sessions};
use super::DbConn;
use crate::domain::ids::{AccountId, SessionId};
use crate::domain::AccountStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub account_id: AccountId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub token_hash: String,
    pub session_id: SessionId,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// The session `id` belongs to `account_id` and is neither revoked nor expired at `now`: the
/// test behind every authenticated request.
/// (Owned ids: a join's `ON` with borrowed binds does not compile.)
#[diesel::dsl::auto_type(no_type_alias)]
pub fn is_live(id: SessionId, account_id: AccountId, now: NaiveDateTime) -> _ {
    sessions::id
        .eq(id)
        .and(sessions::account_id.eq(account_id))
        .and(sessions::revoked_at.is_null())
        .and(sessions::expires_at.gt(now))
}

/// The session is neither revoked nor expired and its account is active.
pub fn is_live_and_active(
    conn: &mut DbConn,
    session_id: &SessionId,
    account_id: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let found: i64 = sessions::table
        .inner_join(accounts::table)
        .filter(is_live(session_id.clone(), account_id.clone(), now))
        .filter(accounts::status.eq(AccountStatus::Active.as_str()))
        .count()
        .get_result(conn)?;
    Ok(found == 1)
}

pub fn insert_session(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_refresh(conn: &mut DbConn, row: &RefreshTokenRow) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn session(conn: &mut DbConn, id: &SessionId) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn refresh_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .find(token_hash)
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the token used, but only if nobody else did first; false when it was already used
/// (so two concurrent refreshes with one token cannot both succeed).
pub fn consume_refresh(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table
            .find(token_hash)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke_session(
    conn: &mut DbConn,
    id: &SessionId,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(at)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Revokes every live session of the account (its deletion, a staff change).
pub fn revoke_all_of_account(
    conn: &mut DbConn,
    account_id: &AccountId,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    revoke_of_account(conn, account_id, None, reason, at)
}

/// Revokes every live session of the account but `keep` (a password change ends the others).
pub fn revoke_others_of_account(
    conn: &mut DbConn,
    account_id: &AccountId,
    keep: &SessionId,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    revoke_of_account(conn, account_id, Some(keep), reason, at)
}

fn revoke_of_account(
    conn: &mut DbConn,
    account_id: &AccountId,
    keep: Option<&SessionId>,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::id.ne_all(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(at)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)
    .map(|_| ())
}
