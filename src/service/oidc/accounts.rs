//! What a checked sign-in does to accounts: log in the account the provider registered or
//! was linked to, register a new resident as verified, or link a logged-in resident's account.
//!
//! A sign-in without a session whose national ID belongs to an account registered by typing
//! the ID, not linked to the provider, is refused (`id_registered_without_provider`): the
//! person who typed the ID may not be its owner, and logging the provider's person into that
//! account would hand them whatever the typist did, or let both use it. The owner logs in with
//! the password and links, or asks the office (docs/identity.md).

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::password;
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::identity_providers::{self as rows, LinkRow, Provider};
use crate::db::municipalities::Municipality;
use crate::db::residents::{self as resident_rows, ResidentRow};
use crate::db::{Db, DbConn};
use crate::domain::ids::AccountId;
use crate::domain::{AccountStatus, ResidentStatus, Role, VerificationMethod};
use crate::service::residents::verifications;
use crate::service::{hashing, now};
use crate::service::{Error, Result};

/// The person the provider vouched for, checked.
pub(super) struct Person {
    pub national_id_hash: String,
    pub full_name: Option<String>,
    pub birth_date: Result<NaiveDate>,
}

/// Links a logged-in resident's account when the provider's ID is the one they registered.
pub(super) async fn link(
    db: &Db,
    provider: &Provider,
    account: AccountId,
    person: &Person,
) -> Result<AccountId> {
    let (hash, issuer, municipality_id) = (
        person.national_id_hash.clone(),
        provider.issuer_url.clone(),
        provider.municipality_id.clone(),
    );
    db.write(move |conn| {
        let resident = resident_rows::by_account(conn, &account)?.ok_or_else(Error::forbidden)?;
        if resident.national_id_hash != hash {
            return Err(Error::refused(
                "provider_id_mismatch",
                "The identity provider vouches for another national ID than this account's.",
            ));
        }
        let at = now();
        rows::put_link(
            conn,
            &LinkRow {
                account_id: account.clone(),
                municipality_id,
                issuer_url: issuer,
                linked_at: at,
            },
        )?;
        verified_by_provider(conn, &account, at)?;
        Ok(account)
    })
    .await
}

/// The one place a provider's word verifies a resident: it records the `provider` method,
/// which verifies a pending registration (a new one, or a typed-ID account being linked) and
/// never overrides an official's rejection — a provider proves who someone is, not that they
/// live in the city.
fn verified_by_provider(conn: &mut DbConn, account: &AccountId, at: NaiveDateTime) -> Result<()> {
    verifications::record(conn, account, VerificationMethod::Provider, None, at)?;
    Ok(())
}

fn id_registered_without_provider() -> Error {
    Error::conflict(
        "id_registered_without_provider",
        "This national ID is registered here with a password. Log in with it and link the \
         identity provider from your account, or ask the municipality's office.",
    )
}

/// Logs in the account registered for this ID through the provider, or registers one.
pub(super) async fn sign_in_or_register(
    db: &Db,
    municipality: &Municipality,
    provider: &Provider,
    person: Person,
) -> Result<AccountId> {
    let (m, hash) = (municipality.id.clone(), person.national_id_hash.clone());
    let known = db
        .read(move |conn| {
            let Some(resident) = resident_rows::by_hash(conn, &m, &hash)? else {
                return Ok::<_, Error>(None);
            };
            let linked = rows::link_of(conn, &resident.account_id)?.is_some();
            Ok(Some((resident.account_id, linked)))
        })
        .await?;
    match known {
        Some((account, true)) => Ok(account),
        Some((_, false)) => Err(id_registered_without_provider()),
        None => register(db, municipality, provider, person).await,
    }
}

/// A first sign-in: a verified resident, with a password nobody knows (a password can be set
/// later through recovery); the account is linked to the provider.
async fn register(
    db: &Db,
    municipality: &Municipality,
    provider: &Provider,
    person: Person,
) -> Result<AccountId> {
    let full_name = person.full_name.ok_or_else(|| {
        Error::refused(
            "oidc_claim_missing",
            "The identity provider did not send the person's name.",
        )
    })?;
    let birth_date = person.birth_date?;
    let password_hash = unusable_password_hash().await?;
    let municipality = municipality.clone();
    let issuer = provider.issuer_url.clone();
    let hash = person.national_id_hash;
    db.write(move |conn| {
        let at = now();
        let account = AccountRow {
            id: AccountId::new(),
            municipality_id: Some(municipality.id.clone()),
            tenant_key: account_rows::tenant_key(Some(&municipality.id)),
            role: Role::Resident,
            email: None,
            display_name: full_name.clone(),
            password_hash,
            status: AccountStatus::Active,
            created_at: at,
            updated_at: at,
            last_login_at: None,
        };
        account_rows::insert(conn, &account)?;
        let resident = ResidentRow {
            account_id: account.id.clone(),
            municipality_id: municipality.id.clone(),
            national_id_hash: hash,
            full_name,
            birth_date,
            district_id: None,
            phone: None,
            language: None,
            status: ResidentStatus::Pending,
            status_reason: None,
            reviewed_by: None,
            reviewed_at: None,
            created_at: at,
            updated_at: at,
        };
        resident_rows::insert(conn, &resident).map_err(|err| {
            if crate::service::residents::is_unique_violation(&err) {
                // Registered a moment ago by a concurrent sign-in: start again to log in.
                super::flow::state_invalid()
            } else {
                err.into()
            }
        })?;
        verified_by_provider(conn, &account.id, at)?;
        rows::put_link(
            conn,
            &LinkRow {
                account_id: account.id.clone(),
                municipality_id: municipality.id.clone(),
                issuer_url: issuer,
                linked_at: at,
            },
        )?;
        Ok(account.id)
    })
    .await
}

/// The hash of a random password no one is told: an account made by the provider cannot be
/// entered by password until its owner sets one.
async fn unusable_password_hash() -> Result<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let random = URL_SAFE_NO_PAD.encode(bytes);
    let new = password::NewPassword::parse(&random, None).map_err(Error::internal)?;
    hashing(move || password::hash(&new))
        .await?
        .map_err(Error::internal)
}
