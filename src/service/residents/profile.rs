//! A resident's own profile: reading it and correcting it.

use crate::db::accounts as account_rows;
use crate::db::districts;
use crate::db::residents as rows;
use crate::db::Db;
use crate::domain::ValidationErrors;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

use super::fields::{district, email, full_name, language, phone};
use super::{is_unique_violation, Profile};

fn email_taken() -> Error {
    Error::conflict(
        "email_taken",
        "An account with this e-mail already exists here.",
    )
}

/// The caller's own profile.
pub async fn own_profile(db: &Db, caller: &Actor) -> Result<Profile> {
    let account_id = caller.account_id.clone();
    db.read(move |conn| {
        let resident = rows::by_account(conn, &account_id)?.ok_or_else(Error::not_found)?;
        let account = account_rows::by_id(conn, &account_id)?;
        Ok(Profile { resident, account })
    })
    .await
}

/// A resident's correction of their own profile: `None` keeps a field; for the optional
/// fields `Some(None)` clears it.
#[derive(Default)]
pub struct ProfilePatch {
    pub full_name: Option<String>,
    pub district_id: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub language: Option<Option<String>>,
}

/// Applies a resident's corrections. The birth date and the national ID are not here: they
/// are what the ID check, the voter roll match and the minimum-age rule were decided on, so a
/// wrong one is fixed by deleting the registration and registering again (and, under `review`
/// or `roll`, passing that check again), never by a self-service edit.
pub async fn update_profile(db: &Db, caller: &Actor, patch: ProfilePatch) -> Result<Profile> {
    let Profile {
        mut resident,
        mut account,
    } = own_profile(db, caller).await?;
    let municipality_id = resident.municipality_id.clone();
    let (municipality, district_rows) = db
        .read(move |conn| {
            let m = crate::db::municipalities::by_id(conn, &municipality_id)?;
            let d = districts::of_municipality(conn, &municipality_id)?;
            Ok::<_, Error>((m, d))
        })
        .await?;
    let settings = municipality.settings.clone();

    let mut errors = ValidationErrors::new();
    if let Some(name) = &patch.full_name {
        if let Some(name) = full_name(name, &mut errors) {
            resident.full_name = name.clone();
            account.display_name = name;
        }
    }
    if let Some(input) = &patch.district_id {
        if let Some(d) = district(input.as_deref(), &district_rows, &mut errors) {
            resident.district_id = d;
        }
    }
    if let Some(input) = &patch.email {
        if let Some(e) = email(input.as_deref(), &mut errors) {
            account.email = e;
        }
    }
    if let Some(input) = &patch.phone {
        if let Some(p) = phone(input.as_deref(), &mut errors) {
            resident.phone = p;
        }
    }
    if let Some(input) = &patch.language {
        if let Some(l) = language(input.as_deref(), &settings, &mut errors) {
            resident.language = l;
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let at = now();
    resident.updated_at = at;
    account.updated_at = at;
    db.write(move |conn| {
        account_rows::update_contact(
            conn,
            &account.id,
            account.email.as_deref(),
            &account.display_name,
            at,
        )
        .map_err(|err| {
            if is_unique_violation(&err) {
                email_taken()
            } else {
                err.into()
            }
        })?;
        rows::update_profile(conn, &resident)?;
        Ok(Profile { resident, account })
    })
    .await
}
