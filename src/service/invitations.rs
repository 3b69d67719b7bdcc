//! Accepting a staff invitation: the invitee sets their own first password with the link an
//! admin's invitation e-mailed them (`service::staff::create`), so no admin ever knows it.

use crate::db::accounts as account_rows;
use crate::db::Db;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{AccountStatus, Pepper};
use crate::service::accounts::{hash_new_password, replace_password};
use crate::service::one_time_codes::{invalid_code, link_holder, redeem_link};
use crate::service::{audit_log, now, Result};

/// Sets the invited account's password under the policy and makes it active, using the link
/// once; recorded in the municipality's audit chain as the invitee's own act. Any token that
/// opens nothing, or an account no longer invited (disabled meanwhile), is `invalid_code`.
pub async fn accept(db: &Db, pepper: &Pepper, token: String, password: String) -> Result<()> {
    let purpose = CodePurpose::StaffInvitation;
    let (token, account) = link_holder(db, pepper, purpose, &token).await?;
    let email = account.email.clone().unwrap_or_default();
    let hash = hash_new_password("password", password, &email).await?;
    let pepper = pepper.clone();
    db.write(move |conn| {
        let at = now();
        let holder = redeem_link(conn, &pepper, purpose, &token, at)?;
        let account = account_rows::by_id(conn, &holder)?;
        // Only a municipality's staff are invited; the platform admin never is.
        if account.municipality_id.is_none() || account.status != AccountStatus::Invited {
            return Err(invalid_code());
        }
        replace_password(conn, &account.id, &hash, "invitation_accepted", at)?;
        let role = account.role.as_str();
        account_rows::update_staff(
            conn,
            &account.id,
            role,
            &account.display_name,
            AccountStatus::Active,
            at,
        )?;
        // The invitee acts for themselves, without a session yet.
        audit_log::append_own_act(conn, &account, "staff.invitation_accepted", at)?;
        Ok(())
    })
    .await
}
