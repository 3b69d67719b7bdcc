//! A resident's own profile: reading it and correcting it.

use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::districts::{self, DistrictRow};
use crate::db::residents::{self as rows, ResidentRow};
use crate::db::Db;
use crate::domain::settings::MunicipalitySettings;
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
        let verified_by = super::verifications::methods_of(conn, &account_id)?;
        Ok(Profile {
            resident,
            account,
            verified_by,
        })
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

/// Applies `patch` to the resident and their account, checking every field: all of it, or
/// every bad field at once. The name is the account's display name too.
fn apply(
    patch: &ProfilePatch,
    resident: &mut ResidentRow,
    account: &mut AccountRow,
    district_rows: &[DistrictRow],
    settings: &MunicipalitySettings,
) -> Result<()> {
    let mut errors = ValidationErrors::new();
    if let Some(name) = &patch.full_name {
        if let Some(name) = full_name(name, &mut errors) {
            resident.full_name = name.clone();
            account.display_name = name;
        }
    }
    if let Some(input) = &patch.district_id {
        if let Some(d) = district(input.as_deref(), district_rows, &mut errors) {
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
        if let Some(l) = language(input.as_deref(), settings, &mut errors) {
            resident.language = l;
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(())
}

/// Applies a resident's corrections. The birth date and the national ID are not here: they
/// are what the ID check, the voter roll match and the minimum-age rule were decided on, so a
/// wrong one is fixed by deleting the registration and registering again (and, under `review`
/// or `roll`, passing that check again), never by a self-service edit. A new e-mail address
/// drops what the old one proved (`email_codes::address_changed`).
pub async fn update_profile(db: &Db, caller: &Actor, patch: ProfilePatch) -> Result<Profile> {
    let Profile {
        mut resident,
        mut account,
        verified_by,
    } = own_profile(db, caller).await?;
    let old_email = account.email.clone();
    let municipality_id = resident.municipality_id.clone();
    let (municipality, district_rows) = db
        .read(move |conn| {
            let m = crate::db::municipalities::by_id(conn, &municipality_id)?;
            let d = districts::of_municipality(conn, &municipality_id)?;
            Ok::<_, Error>((m, d))
        })
        .await?;
    apply(
        &patch,
        &mut resident,
        &mut account,
        &district_rows,
        &municipality.settings,
    )?;
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
        let verified_by = if account.email == old_email {
            verified_by
        } else {
            super::email_codes::address_changed(conn, &account.id)?;
            super::verifications::methods_of(conn, &account.id)?
        };
        Ok(Profile {
            resident,
            account,
            verified_by,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{account_row, date, error_codes, municipality, resident};

    /// The resident `account-1` of `m-1` (e-mail, phone, language kk) and `patch` applied to
    /// them in a municipality with no districts.
    fn patched(patch: ProfilePatch) -> Result<(ResidentRow, AccountRow)> {
        let mut resident = ResidentRow {
            phone: Some("+77011234567".to_string()),
            language: Some("kk".to_string()),
            ..resident("m-1", date(1990, 5, 1))
        };
        let mut account = account_row();
        let settings = municipality("m-1").settings;
        apply(&patch, &mut resident, &mut account, &[], &settings)?;
        Ok((resident, account))
    }

    #[test]
    fn an_empty_patch_keeps_everything() {
        let (before_resident, before_account) = patched(ProfilePatch::default()).unwrap();
        assert_eq!(before_resident.phone.as_deref(), Some("+77011234567"));
        assert_eq!(before_resident.language.as_deref(), Some("kk"));
        assert_eq!(before_account.email, account_row().email);
        assert_eq!(before_account.display_name, account_row().display_name);
    }

    #[test]
    fn a_new_name_is_the_account_display_name_too() {
        let (resident, account) = patched(ProfilePatch {
            full_name: Some("  Dana Test ".to_string()),
            ..ProfilePatch::default()
        })
        .unwrap();
        assert_eq!(resident.full_name, "Dana Test");
        assert_eq!(account.display_name, "Dana Test");
    }

    #[test]
    fn an_explicit_null_clears_an_optional_field() {
        let (resident, account) = patched(ProfilePatch {
            email: Some(None),
            phone: Some(None),
            language: Some(None),
            ..ProfilePatch::default()
        })
        .unwrap();
        assert_eq!(account.email, None);
        assert_eq!((resident.phone, resident.language), (None, None));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let err = patched(ProfilePatch {
            full_name: Some("Dana Test".to_string()),
            district_id: Some(Some("nowhere".to_string())),
            email: Some(Some("not an address".to_string())),
            language: Some(Some("hu".to_string())),
            ..ProfilePatch::default()
        })
        .unwrap_err();
        let fields: Vec<String> = error_codes(&err).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["district_id", "email", "language"]);
    }
}
