//! The audit appender: every staff action is appended to its municipality's hash chain inside
//! the transaction of the action, so the action and its record commit together or not at all.
//! `db::audit` stores the entry; `domain::audit_chain` places and hashes it.

use crate::db::audit::{self, NewEntry};
use crate::db::DbConn;
use crate::domain::ids::MunicipalityId;
use crate::service::now;
use crate::service::Actor;
use crate::service::Result;

/// Appends what `actor` did to `target_type` `target_id` in the municipality's audit chain.
pub fn append(
    conn: &mut DbConn,
    actor: &Actor,
    municipality_id: &MunicipalityId,
    action: &str,
    target_type: &str,
    target_id: &(impl AsRef<str> + ?Sized),
    details: serde_json::Value,
) -> Result<()> {
    audit::append(
        conn,
        NewEntry {
            municipality_id: Some(municipality_id.as_str()),
            actor_account_id: Some(&actor.account_id),
            actor_role: actor.role.as_str(),
            action,
            target_type,
            target_id: Some(target_id.as_ref()),
            details,
        },
        now(),
    )?;
    Ok(())
}

/// Appends what an account did to itself without a session (accepting an invitation, setting
/// a password from a recovery link): actor and target are the account, in its municipality's
/// chain (the platform's for the platform admin).
pub fn append_own_act(
    conn: &mut DbConn,
    account: &crate::db::accounts::AccountRow,
    action: &str,
    at: chrono::NaiveDateTime,
) -> Result<()> {
    audit::append(
        conn,
        NewEntry {
            municipality_id: account.municipality_id.as_ref().map(|m| m.as_str()),
            actor_account_id: Some(&account.id),
            actor_role: account.role.as_str(),
            action,
            target_type: "account",
            target_id: Some(&account.id),
            details: serde_json::json!({}),
        },
        at,
    )?;
    Ok(())
}
