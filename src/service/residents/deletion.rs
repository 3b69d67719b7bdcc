//! A resident's deletion of their own registration.

use crate::db::accounts as account_rows;
use crate::db::one_time_codes;
use crate::db::residents as rows;
use crate::db::sessions;
use crate::db::Db;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

/// Deletes the caller's registration: every session ends, the `residents` row (and with it
/// the ID's keyed hash, so the person may register again) is deleted, and the account is
/// emptied of e-mail, name, password and any one-time code, and marked `deleted` — it stays only so that foreign
/// keys hold. Cast ballots are keyed by a keyed hash of (budget, ID hash), never by the
/// account, so they stay counted and can no longer be tied to anyone.
pub async fn delete_self(db: &Db, caller: &Actor) -> Result<()> {
    let account_id = caller.account_id.clone();
    db.write(move |conn| {
        if rows::by_account(conn, &account_id)?.is_none() {
            return Err(Error::not_found());
        }
        let at = now();
        sessions::revoke_all_of_account(conn, &account_id, "account_deleted", at)?;
        crate::db::verifications::delete_of_account(conn, &account_id)?;
        rows::delete(conn, &account_id)?;
        one_time_codes::delete_of_account(conn, &account_id)?;
        // No way back in through the identity provider either (issue 19).
        crate::db::identity_providers::delete_link(conn, &account_id)?;
        account_rows::scrub(conn, &account_id, at)?;
        Ok(())
    })
    .await
}
