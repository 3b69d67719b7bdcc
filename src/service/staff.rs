//! Staff accounts of a municipality: officials, auditors and admins.

use crate::db::accounts::{self as rows, AccountRow};
use crate::db::municipalities::Municipality;
use crate::db::sessions;
use crate::db::Db;
use crate::domain::ids::AccountId;
use crate::domain::AccountStatus;
use crate::domain::Role;
use crate::service::accounts::{self, StaffInput};
use crate::service::audit_log;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

pub struct StaffChange {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
}

pub async fn list(db: &Db, municipality: &Municipality) -> Result<Vec<AccountRow>> {
    let id = municipality.id.clone();
    db.read(move |conn| rows::staff_of(conn, &id).map_err(Error::from))
        .await
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    input: StaffInput,
) -> Result<AccountRow> {
    let new = accounts::prepare_staff(&municipality.id, input, "").await?;
    let actor = actor.clone();
    db.write(move |conn| {
        let row = accounts::insert(conn, new)?;
        let municipality_id = row
            .municipality_id
            .clone()
            .unwrap_or_else(|| String::new().into());
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "staff.created",
            "account",
            &row.id,
            serde_json::json!({"role": row.role, "email": row.email}),
        )?;
        Ok(row)
    })
    .await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    id: AccountId,
    change: StaffChange,
) -> Result<AccountRow> {
    let role = change
        .role
        .as_deref()
        .map(|r| accounts::staff_role("role", r))
        .transpose()?;
    let status = match change.status.as_deref().map(str::parse) {
        None => None,
        Some(Ok(s @ (AccountStatus::Active | AccountStatus::Disabled))) => Some(s),
        Some(_) => {
            return Err(Error::field(
                "status",
                "invalid_status",
                "Status is active or disabled.",
            ))
        }
    };
    let display_name = change
        .display_name
        .as_deref()
        .map(|n| accounts::display_name("display_name", n))
        .transpose()?;
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let mut row = rows::by_id(conn, &id)?;
        // Another tenant's account, or a resident, is not staff of this municipality.
        let is_staff_here = row.municipality_id.as_deref() == Some(municipality_id.as_str())
            && row.role.is_municipality_staff();
        if !is_staff_here {
            return Err(Error::not_found());
        }
        let was_active_admin = row.role == Role::MunicipalityAdmin && row.status == AccountStatus::Active;
        let role_changed = role.is_some_and(|r| r != row.role);
        if let Some(role) = role {
            row.role = role;
        }
        if let Some(status) = status {
            row.status = status;
        }
        if let Some(name) = &display_name {
            row.display_name = name.clone();
        }
        let still_active_admin = row.role == Role::MunicipalityAdmin && row.status == AccountStatus::Active;
        if was_active_admin && !still_active_admin && rows::count_active_admins(conn, &municipality_id)? <= 1 {
            return Err(Error::conflict(
                "last_admin",
                "A municipality must keep at least one active admin.",
            ));
        }
        row.updated_at = now();
        rows::update_staff(conn, &row.id, row.role.as_str(), &row.display_name, row.status, row.updated_at)?;
        // Tokens carry the role: a changed or disabled account starts over with a new login.
        if row.status == AccountStatus::Disabled || role_changed {
            sessions::revoke_all_of_account(conn, &row.id, "account_changed", row.updated_at)?;
        }
        audit_log::append(conn, &actor, &municipality_id, "staff.changed", "account", &row.id,
            serde_json::json!({"role": row.role, "status": row.status, "display_name": row.display_name}))?;
        Ok(row)
    })
    .await
}
