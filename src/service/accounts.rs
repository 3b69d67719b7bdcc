//! Accounts: creating platform admins and municipality staff, listing and changing staff,
//! and changing one's own password.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::password;
use crate::auth::rate_limit::LoginLimiter;
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::audit::{self, NewEntry};
use crate::db::sessions;
use crate::db::{Db, DbConn};
use crate::domain::ids::{AccountId, MunicipalityId};
use crate::domain::Pepper;
use crate::domain::{AccountStatus, Role};
use crate::service::{hashing, now, throttle, Actor};
use crate::service::{Error, Result};

/// Lower-cases and checks an e-mail address; the parse is deliberately loose (one `@`, a
/// dot in the domain, no spaces) because the only real check is a message that arrives.
pub fn normalise_email(field: &str, input: &str) -> Result<String> {
    let email = input.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(email)
    } else {
        Err(Error::field(
            field,
            "invalid_email",
            "This is not an e-mail address.",
        ))
    }
}

pub fn display_name(field: &str, input: &str) -> Result<String> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::field(
            field,
            "invalid_name",
            "Give a name of 1 to 200 characters.",
        ));
    }
    Ok(name.to_string())
}

/// Checks the password policy and hashes it off the async workers.
pub async fn hash_new_password(field: &str, password: String, email: &str) -> Result<String> {
    let password = password::NewPassword::parse(&password, Some(email))
        .map_err(|e| Error::field(field, e.code(), e.to_string()))?;
    hashing(move || password::hash(&password))
        .await?
        .map_err(Error::internal)
}

/// A new account, ready to insert.
pub struct NewAccount {
    pub municipality_id: Option<MunicipalityId>,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    /// `invited` for staff (they set their own password), `active` otherwise.
    pub status: AccountStatus,
}

pub fn insert(conn: &mut DbConn, new: NewAccount) -> Result<AccountRow> {
    let at = now();
    let row = AccountRow {
        id: AccountId::new(),
        tenant_key: account_rows::tenant_key(new.municipality_id.as_ref()),
        municipality_id: new.municipality_id,
        role: new.role,
        email: Some(new.email),
        display_name: new.display_name,
        password_hash: new.password_hash,
        status: new.status,
        created_at: at,
        updated_at: at,
        last_login_at: None,
    };
    account_rows::insert(conn, &row).map_err(|err| match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Error::conflict(
            "email_taken",
            "An account with this e-mail already exists here.",
        ),
        other => other.into(),
    })?;
    Ok(row)
}

/// `kurultai admin create-platform-admin`, and the test suite's way to the same.
pub async fn create_platform_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: String,
) -> Result<AccountRow> {
    let email = normalise_email("email", email)?;
    let name = display_name("name", name)?;
    let password_hash = hash_new_password("password", password, &email).await?;
    db.write(move |conn| {
        let row = insert(
            conn,
            NewAccount {
                municipality_id: None,
                role: Role::PlatformAdmin,
                email,
                display_name: name,
                password_hash,
                status: AccountStatus::Active,
            },
        )?;
        audit::append(
            conn,
            NewEntry {
                municipality_id: None,
                actor_account_id: None,
                actor_role: "operator",
                action: "platform_admin.created",
                target_type: "account",
                target_id: Some(&row.id),
                details: serde_json::json!({"email": row.email}),
            },
            row.created_at,
        )?;
        Ok(row)
    })
    .await
}

/// What a municipality admin sends to create a staff account: never a password, which only its
/// holder sets, through the invitation (`service::staff`).
pub struct StaffInput {
    pub email: String,
    pub display_name: String,
    pub role: String,
}

pub fn staff_role(field: &str, input: &str) -> Result<Role> {
    match input.parse::<Role>() {
        Ok(role) if role.is_municipality_staff() => Ok(role),
        _ => Err(Error::field(
            field,
            "invalid_role",
            "Staff roles are municipality_admin, official and auditor.",
        )),
    }
}

/// Validates and hashes a staff account's input, ready to insert in the caller's transaction.
pub async fn prepare_staff(
    municipality_id: &MunicipalityId,
    input: StaffInput,
    prefix: &str,
) -> Result<NewAccount> {
    let field = |name: &str| format!("{prefix}{name}");
    let email = normalise_email(&field("email"), &input.email)?;
    let display_name = display_name(&field("display_name"), &input.display_name)?;
    let role = staff_role(&field("role"), &input.role)?;
    // Invited (`service::staff::create`): a hash no one can match until the holder sets one.
    let password_hash = unusable_hash().await?;
    Ok(NewAccount {
        municipality_id: Some(municipality_id.clone()),
        role,
        email,
        display_name,
        password_hash,
        status: AccountStatus::Invited,
    })
}

/// The hash of a random password no one is told: an invited account's until its holder sets
/// one. A real hash, so a login attempt on the account costs what any other does.
async fn unusable_hash() -> Result<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let random = hex::encode(bytes);
    let password = password::NewPassword::parse(&random, None).map_err(Error::internal)?;
    hashing(move || password::hash(&password))
        .await?
        .map_err(Error::internal)
}

/// Changes the caller's password: the current one must be given (a session left open on a
/// shared device is not enough), the new one meets the policy, and every other session of the
/// account ends, in the same transaction as the change.
pub async fn change_password(
    db: &Db,
    throttle: (&LoginLimiter, &Pepper),
    caller: &Actor,
    current: String,
    new: String,
) -> Result<()> {
    // Taken before the check, as at login: a refused guess must cost the guesser.
    let (limiter, pepper) = throttle;
    let buckets = limiter.password_change(caller.account_id.as_ref());
    throttle::take(db, pepper, buckets).await?;
    let account = find(db, caller.account_id.clone()).await?;
    let stored = account.password_hash.clone();
    let verified = hashing(move || password::verify(&current, &stored))
        .await?
        .map_err(Error::internal)?;
    if !verified.ok {
        return Err(Error::field(
            "current_password",
            "wrong_password",
            "The current password is wrong.",
        ));
    }
    let email = account.email.clone().unwrap_or_default();
    let hash = hash_new_password("new_password", new, &email).await?;
    let (account_id, keep) = (caller.account_id.clone(), caller.session_id.clone());
    db.write(move |conn| {
        let at = now();
        account_rows::set_password_hash(conn, &account_id, &hash, at)?;
        sessions::revoke_others_of_account(conn, &account_id, &keep, "password_changed", at)?;
        Ok(())
    })
    .await
}

/// Sets a new password hash on the account (recovery, a counter reset code, an invitation) and
/// ends every session of it, on the caller's connection so that it joins the transaction that
/// redeemed the code: whoever held the account before the reset is logged out with it.
pub fn replace_password(
    conn: &mut crate::db::DbConn,
    account_id: &AccountId,
    hash: &str,
    reason: &str,
    at: chrono::NaiveDateTime,
) -> Result<()> {
    account_rows::set_password_hash(conn, account_id, hash, at)?;
    sessions::revoke_all_of_account(conn, account_id, reason, at)?;
    Ok(())
}

/// The account of an id (`not_found` if none).
pub async fn find(db: &Db, id: AccountId) -> Result<AccountRow> {
    db.read(move |conn| account_rows::by_id(conn, &id).map_err(Error::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field and code of a one-field refusal.
    fn refusal<T: std::fmt::Debug>(result: Result<T>) -> (String, &'static str) {
        match result {
            Err(Error::Invalid(fields)) if fields.len() == 1 => {
                (fields[0].field.clone(), fields[0].code)
            }
            other => panic!("expected one field error, got {other:?}"),
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalise_email("email", "  Ayse.Yilmaz@Example.ORG ").unwrap(),
            "ayse.yilmaz@example.org"
        );
        assert_eq!(normalise_email("email", "a@b.c").unwrap(), "a@b.c");
    }

    #[test]
    fn malformed_emails_are_refused_under_the_given_field() {
        for bad in [
            "",
            "   ",
            "no-at-sign.example.org",
            "@example.org",
            "someone@localhost",
            "two@@example.org",
            "a@b@example.org",
            "someone@.example.org",
            "someone@example.org.",
            "some one@example.org",
        ] {
            assert_eq!(
                refusal(normalise_email("staff[0].email", bad)),
                ("staff[0].email".to_string(), "invalid_email"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn emails_longer_than_254_characters_are_refused() {
        let local = "a".repeat(64);
        let longest = format!("{local}@{}.org", "d".repeat(254 - 64 - 1 - 4));
        assert_eq!(longest.len(), 254);
        assert!(normalise_email("email", &longest).is_ok());
        let too_long = format!("{local}@{}.org", "d".repeat(254 - 64 - 4));
        assert_eq!(
            refusal(normalise_email("email", &too_long)).1,
            "invalid_email"
        );
    }

    #[test]
    fn display_names_are_trimmed_and_1_to_200_characters() {
        assert_eq!(display_name("name", "  Aigerim  ").unwrap(), "Aigerim");
        // Counted in characters, not bytes: 200 Cyrillic letters are 400 bytes.
        assert!(display_name("name", &"Ж".repeat(200)).is_ok());
        assert_eq!(
            refusal(display_name("name", &"Ж".repeat(201))).1,
            "invalid_name"
        );
        assert_eq!(
            refusal(display_name("display_name", " \t ")),
            ("display_name".to_string(), "invalid_name")
        );
    }

    #[test]
    fn only_municipality_staff_roles_can_be_given_to_staff() {
        assert_eq!(staff_role("role", "official").unwrap(), Role::Official);
        assert_eq!(staff_role("role", "auditor").unwrap(), Role::Auditor);
        assert_eq!(
            staff_role("role", "municipality_admin").unwrap(),
            Role::MunicipalityAdmin
        );
        for refused in ["platform_admin", "resident", "", "Official", "admin"] {
            assert_eq!(
                refusal(staff_role("role", refused)).1,
                "invalid_role",
                "{refused:?}"
            );
        }
    }
}
