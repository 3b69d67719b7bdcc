//! Staff accounts of a municipality: officials, auditors and admins.

use crate::auth::rate_limit::RecoveryLimiter;
use crate::auth::sealing::Sealer;
use crate::db::accounts::{self as rows, AccountRow};
use crate::db::municipalities::Municipality;
use crate::db::sessions;
use crate::db::{Db, DbConn};
use crate::domain::ids::{AccountId, MunicipalityId};
use crate::domain::mail::{self, MailKind};
use crate::domain::one_time_code::CodePurpose;
use crate::domain::translations::pick;
use crate::domain::AccountStatus;
use crate::domain::Pepper;
use crate::domain::Role;
use crate::service::accounts::{self, StaffInput};
use crate::service::audit_log;
use crate::service::now;
use crate::service::one_time_codes;
use crate::service::outbox::{self, Mailing};
use crate::service::throttle;
use crate::service::Actor;
use crate::service::{Error, Result};

pub struct StaffChange {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
}

/// The status an admin may give a staff account: `active` or `disabled` (`deleted` is a
/// resident's own doing, never an admin's).
fn staff_status(input: &str) -> Result<AccountStatus> {
    match input.parse() {
        Ok(s @ (AccountStatus::Active | AccountStatus::Disabled)) => Ok(s),
        _ => Err(Error::field(
            "status",
            "invalid_status",
            "Status is active or disabled.",
        )),
    }
}

/// Whether the account counts towards the municipality's one admin it must keep.
fn is_active_admin(role: Role, status: AccountStatus) -> bool {
    role == Role::MunicipalityAdmin && status == AccountStatus::Active
}

pub async fn list(db: &Db, municipality: &Municipality) -> Result<Vec<AccountRow>> {
    let id = municipality.id.clone();
    db.read(move |conn| rows::staff_of(conn, &id).map_err(Error::from))
        .await
}

/// Creates a staff account, `invited`: an invitation link is issued and its e-mail queued in the
/// same transaction, and the invitee sets the password (`service::invitations`), so no admin
/// ever knows or sets it.
pub async fn create(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    input: StaffInput,
    invitations: (&Pepper, &Mailing),
) -> Result<AccountRow> {
    let new = accounts::prepare_staff(&municipality.id, input, "").await?;
    let actor = actor.clone();
    let (pepper, mailing) = invitations;
    let (pepper, sealer) = (pepper.clone(), mailing.sealer.clone());
    let base = mailing.public_url.clone();
    let municipality = municipality.clone();
    let row = db
        .write(move |conn| {
            let row = accounts::insert(conn, new)?;
            audit_log::append(
                conn,
                &actor,
                &municipality.id,
                "staff.created",
                "account",
                &row.id,
                serde_json::json!({"role": row.role, "email": row.email, "invited": true}),
            )?;
            invite(conn, &pepper, &sealer, &base, &municipality, &actor, &row)?;
            Ok::<_, Error>(row)
        })
        .await?;
    mailing.outbox.committed(1);
    Ok(row)
}

/// Issues the invitation link and queues its e-mail, in the municipality's default language.
pub(super) fn invite(
    conn: &mut DbConn,
    pepper: &Pepper,
    sealer: &Sealer,
    base: &str,
    municipality: &Municipality,
    actor: &Actor,
    row: &AccountRow,
) -> Result<()> {
    let purpose = CodePurpose::StaffInvitation;
    let issued = one_time_codes::issue(
        conn,
        pepper,
        purpose,
        &row.id,
        Some(&actor.account_id),
        now(),
    )?;
    let slug = &municipality.slug;
    let link = format!("{base}/#/m/{slug}/invitation?token={}", issued.code);
    let language = municipality.default_language();
    let place = pick(&municipality.names, language, language);
    let days = purpose.lifetime().num_days().to_string();
    let letter = mail::render(
        MailKind::StaffInvitation,
        language,
        &[("municipality", &place), ("link", &link), ("days", &days)],
    );
    let recipient = row.email.as_deref().unwrap_or_default();
    outbox::queue(conn, sealer, MailKind::StaffInvitation, recipient, &letter)
}

/// Issues an `invited` account a new invitation link (the earlier one stops working:
/// `one_time_codes::issue` replaces it) and queues the same e-mail as the first, in one
/// transaction; audit-logged as `staff.invitation_resent`, never with the link. Another
/// tenant's account or a resident is not found; an account no longer invited is `not_invited`.
/// Throttled per account like recovery e-mail per address, so no one floods an inbox.
pub async fn resend_invitation(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    id: AccountId,
    invitations: (&Pepper, &Mailing, &RecoveryLimiter),
) -> Result<()> {
    let (pepper, mailing, limiter) = invitations;
    let account_key = format!("{}\n{}", municipality.id.as_str(), id.as_str());
    throttle::take(db, pepper, limiter.invitation(&account_key)).await?;
    let actor = actor.clone();
    let (pepper, sealer) = (pepper.clone(), mailing.sealer.clone());
    let base = mailing.public_url.clone();
    let municipality = municipality.clone();
    db.write(move |conn| {
        let row = staff_here(conn, &municipality.id, &id)?;
        if row.status != AccountStatus::Invited {
            return Err(Error::conflict(
                "not_invited",
                "This account is not waiting for an invitation: it has set its password or is disabled.",
            ));
        }
        invite(conn, &pepper, &sealer, &base, &municipality, &actor, &row)?;
        audit_log::append(
            conn,
            &actor,
            &municipality.id,
            "staff.invitation_resent",
            "account",
            &row.id,
            serde_json::json!({"email": row.email}),
        )?;
        Ok(())
    })
    .await?;
    mailing.outbox.committed(1);
    Ok(())
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
    let status = change.status.as_deref().map(staff_status).transpose()?;
    let display_name = change
        .display_name
        .as_deref()
        .map(|n| accounts::display_name("display_name", n))
        .transpose()?;
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let mut row = staff_here(conn, &municipality_id, &id)?;
        let was_active_admin = is_active_admin(row.role, row.status);
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
        let still_active_admin = is_active_admin(row.role, row.status);
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

/// The staff account `id` of this municipality: another tenant's account, or a resident, is
/// not found.
fn staff_here(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    id: &AccountId,
) -> Result<AccountRow> {
    let row = rows::by_id(conn, id)?;
    let is_staff_here = row.municipality_id.as_deref() == Some(municipality_id.as_str())
        && row.role.is_municipality_staff();
    if !is_staff_here {
        return Err(Error::not_found());
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::error_codes;

    #[test]
    fn an_admin_sets_a_staff_account_active_or_disabled_only() {
        assert_eq!(staff_status("active").unwrap(), AccountStatus::Active);
        assert_eq!(staff_status("disabled").unwrap(), AccountStatus::Disabled);
        for refused in ["deleted", "Active ", "", "suspended"] {
            let err = staff_status(refused).unwrap_err();
            assert_eq!(
                error_codes(&err),
                [("status".to_string(), "invalid_status")]
            );
        }
    }

    #[test]
    fn only_an_active_admin_keeps_the_municipality_administered() {
        assert!(is_active_admin(
            Role::MunicipalityAdmin,
            AccountStatus::Active
        ));
        assert!(!is_active_admin(
            Role::MunicipalityAdmin,
            AccountStatus::Disabled
        ));
        assert!(!is_active_admin(
            Role::MunicipalityAdmin,
            AccountStatus::Deleted
        ));
        for role in [
            Role::Official,
            Role::Auditor,
            Role::PlatformAdmin,
            Role::Resident,
        ] {
            assert!(!is_active_admin(role, AccountStatus::Active), "{role:?}");
        }
    }
}
