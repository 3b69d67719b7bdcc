//! Single-use codes, stored by keyed hash (`domain::one_time_code`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::one_time_codes;
use super::DbConn;
use crate::domain::ids::AccountId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = one_time_codes)]
pub struct CodeRow {
    pub code_hash: String,
    pub purpose: String,
    pub account_id: AccountId,
    pub issued_by: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Stores a new code, first removing the account's earlier codes of the same purpose, used or
/// not: a new letter, link or invitation replaces the one before.
pub fn replace(conn: &mut DbConn, row: &CodeRow) -> QueryResult<()> {
    diesel::delete(
        one_time_codes::table
            .filter(one_time_codes::account_id.eq(&row.account_id))
            .filter(one_time_codes::purpose.eq(&row.purpose)),
    )
    .execute(conn)?;
    diesel::insert_into(one_time_codes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The code with this hash and purpose is neither used nor expired at `now`.
#[diesel::dsl::auto_type(no_type_alias)]
fn is_live(code_hash: String, purpose: String, now: NaiveDateTime) -> _ {
    one_time_codes::code_hash
        .eq(code_hash)
        .and(one_time_codes::purpose.eq(purpose))
        .and(one_time_codes::used_at.is_null())
        .and(one_time_codes::expires_at.gt(now))
}

/// Marks the live code with this hash and purpose used at `now`, and returns it; `None` when
/// there is none (unknown, used, expired). The `used_at IS NULL` in the update is what makes
/// a code single-use under concurrency: of two redemptions racing, one updates the row and the
/// other finds nothing to update.
pub fn take(
    conn: &mut DbConn,
    code_hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<CodeRow>> {
    let Some(row) = live(conn, code_hash, purpose, now)? else {
        return Ok(None);
    };
    let taken = diesel::update(one_time_codes::table)
        .filter(is_live(code_hash.to_string(), purpose.to_string(), now))
        .set(one_time_codes::used_at.eq(Some(now)))
        .execute(conn)?;
    Ok((taken == 1).then_some(CodeRow {
        used_at: Some(now),
        ..row
    }))
}

/// The live code with this hash and purpose, without using it (to learn whose it is before the
/// slow work that precedes redeeming it).
pub fn live(
    conn: &mut DbConn,
    code_hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<CodeRow>> {
    one_time_codes::table
        .filter(is_live(code_hash.to_string(), purpose.to_string(), now))
        .select(CodeRow::as_select())
        .first(conn)
        .optional()
}

/// Removes every code of an account (a deleted account keeps no way back in).
pub fn delete_of_account(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<usize> {
    diesel::delete(one_time_codes::table.filter(one_time_codes::account_id.eq(account_id)))
        .execute(conn)
}

/// Removes an account's codes of one purpose (what they were sent to is no longer theirs).
pub fn delete_of_purpose(
    conn: &mut DbConn,
    account_id: &AccountId,
    purpose: &str,
) -> QueryResult<usize> {
    diesel::delete(
        one_time_codes::table
            .filter(one_time_codes::account_id.eq(account_id))
            .filter(one_time_codes::purpose.eq(purpose)),
    )
    .execute(conn)
}

/// Forgets codes that expired before `now`, used or not: they can open nothing.
pub fn forget_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(one_time_codes::table.filter(one_time_codes::expires_at.le(now))).execute(conn)
}
