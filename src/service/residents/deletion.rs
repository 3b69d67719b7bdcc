//! Erasing a registration: a resident's deletion of their own, and an official's release of a
//! rejected one that holds someone else's national ID.

use crate::db::accounts as account_rows;
use crate::db::municipalities::Municipality;
use crate::db::one_time_codes;
use crate::db::residents as rows;
use crate::db::sessions;
use crate::db::Db;
use crate::domain::{AccountId, ResidentStatus};
use crate::service::audit_log;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

/// Deletes the caller's registration: every session ends, the `residents` row (and with it
/// the ID's keyed hash, so the person may register again) is deleted, and the account is
/// emptied of e-mail, name, password and any one-time code, and marked `deleted` — it stays
/// only so that foreign keys hold. Cast ballots are keyed by a keyed hash of (budget, ID hash), never by the
/// account, so they stay counted and can no longer be tied to anyone.
pub async fn delete_self(db: &Db, caller: &Actor) -> Result<()> {
    let account_id = caller.account_id.clone();
    db.write(move |conn| {
        if rows::by_account(conn, &account_id)?.is_none() {
            return Err(Error::not_found());
        }
        erase(conn, &account_id, "account_deleted")
    })
    .await
}

/// Releases a rejected registration's national ID, so that its owner can register (typed or
/// through the identity provider): anyone can type someone else's ID, and otherwise the
/// owner meets `id_taken` or `id_registered_without_provider` for good. Only a *rejected*
/// registration is released: the official's decision that it is not the person comes first,
/// on the record. The registration is erased as a deletion erases it and the release is
/// audit-logged with the rejection's reason. Ballots it cast stay counted under the ID's
/// voter key, which the owner then holds (one ballot per person and budget still).
pub async fn release(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    account_id: AccountId,
) -> Result<()> {
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let resident = rows::find(conn, &municipality_id, &account_id)?;
        if resident.status != ResidentStatus::Rejected {
            return Err(Error::conflict(
                "not_rejected",
                "Only a rejected registration can be released: reject it first, with a reason.",
            ));
        }
        erase(conn, &account_id, "registration_released")?;
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "resident.released",
            "resident",
            &account_id,
            serde_json::json!({"reason": resident.status_reason}),
        )
    })
    .await
}

/// Ends every session and deletes the `residents` row (with the ID's keyed hash), the methods,
/// codes and provider link, and empties the account, which stays, marked `deleted`, so that
/// foreign keys hold.
fn erase(conn: &mut crate::db::DbConn, account_id: &AccountId, why: &str) -> Result<()> {
    let at = now();
    sessions::revoke_all_of_account(conn, account_id, why, at)?;
    crate::db::verifications::delete_of_account(conn, account_id)?;
    rows::delete(conn, account_id)?;
    one_time_codes::delete_of_account(conn, account_id)?;
    // No way back in through the identity provider either (issue 19).
    crate::db::identity_providers::delete_link(conn, account_id)?;
    account_rows::scrub(conn, account_id, at)?;
    Ok(())
}
