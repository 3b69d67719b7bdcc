//! Municipalities: creation with the first admin, and settings changes.
//!
//! Settings are validated as a whole by `domain::MunicipalitySettings::resolve`, so one answer
//! names every bad field; names are checked against the resulting languages.

use std::collections::BTreeMap;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::accounts::AccountRow;
use crate::db::districts;
use crate::db::municipalities::{self as rows, Municipality};
use crate::db::{Db, DbConn};
use crate::domain::ids::MunicipalityId;
use crate::domain::Pepper;
use crate::domain::{
    Country, FieldError, LanguageTag, MunicipalitySettings, SettingsInput, Slug, Texts,
    Translations, ValidationErrors,
};
use crate::service::accounts::{self, StaffInput};
use crate::service::audit_log;
use crate::service::now;
use crate::service::outbox::Mailing;
use crate::service::staff;
use crate::service::Actor;
use crate::service::{Error, Result};

/// Longest name of a municipality or district, in characters.
pub const NAME_MAX_CHARS: usize = 200;

pub struct NewMunicipality {
    pub slug: String,
    pub country: String,
    pub names: BTreeMap<String, String>,
    pub settings: SettingsInput,
    pub admin: StaffInput,
}

pub struct Created {
    pub municipality: Municipality,
    pub admin: AccountRow,
}

pub struct SettingsPatch {
    pub names: Option<BTreeMap<String, String>>,
    pub settings: SettingsInput,
}

/// The first admin is invited like any staff member (`service::staff`): the link is issued and
/// its e-mail queued in the same transaction, so the platform admin never knows or sets the
/// municipality admin's password.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: NewMunicipality,
    invitations: (&Pepper, &Mailing),
) -> Result<Created> {
    let mut errors = ValidationErrors::new();
    let slug = Slug::parse(&input.slug)
        .map_err(|e| errors.push(FieldError::from_error("slug", &e)))
        .ok();
    let country = Country::parse(&input.country)
        .map_err(|e| errors.push(FieldError::from_error("country", &e)))
        .ok();
    let base = country.and_then(MunicipalitySettings::from_country);
    let settings = MunicipalitySettings::resolve(&input.settings, base.as_ref())
        .map_err(|e| errors.extend(e.0))
        .ok();
    let names = settings
        .as_ref()
        .and_then(|s| parse_names("names", &input.names, s, &mut errors));
    let (Some(slug), Some(country), Some(settings), Some(names)) = (slug, country, settings, names)
    else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }

    let at = now();
    let municipality = Municipality {
        id: MunicipalityId::new(),
        slug: slug.as_str().to_string(),
        country: country.code().to_string(),
        names: Texts::from(&names),
        settings,
        created_at: at,
        updated_at: at,
    };
    let admin = accounts::prepare_staff(&municipality.id, input.admin, "admin.").await?;
    let actor = actor.clone();
    let (pepper, mailing) = invitations;
    let (pepper, sealer) = (pepper.clone(), mailing.sealer.clone());
    let base = mailing.public_url.clone();
    let created = db
        .write(move |conn| {
            rows::insert(conn, &municipality).map_err(|err| match err {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    Error::conflict("slug_taken", "Another municipality already has this slug.")
                }
                other => other.into(),
            })?;
            let admin = accounts::insert(conn, admin)?;
            audit_log::append(
                conn,
                &actor,
                &municipality.id,
                "municipality.created",
                "municipality",
                &municipality.id,
                serde_json::json!({"slug": municipality.slug, "country": municipality.country,
                               "first_admin": admin.id, "invited": true}),
            )?;
            staff::invite(conn, &pepper, &sealer, &base, &municipality, &actor, &admin)?;
            Ok::<_, Error>(Created {
                municipality,
                admin,
            })
        })
        .await?;
    mailing.outbox.committed(1);
    Ok(created)
}

pub async fn update_settings(
    db: &Db,
    actor: &Actor,
    current: Municipality,
    patch: SettingsPatch,
) -> Result<Municipality> {
    let base = current.settings.clone();
    let mut errors = ValidationErrors::new();
    let settings = MunicipalitySettings::resolve(&patch.settings, Some(&base))
        .map_err(|e| errors.extend(e.0))
        .ok();
    let Some(settings) = settings else {
        return Err(errors.into());
    };
    let names = match &patch.names {
        Some(names) => parse_names("names", names, &settings, &mut errors),
        None => {
            // The stored names must still hold under new languages.
            parse_names("names", &current.names, &settings, &mut errors)
        }
    };
    let (Some(names), true) = (names, errors.is_empty()) else {
        return Err(errors.into());
    };

    let mut row = current;
    row.names = Texts::from(&names);
    row.settings = settings.clone();
    row.updated_at = now();
    let actor = actor.clone();
    let changes = serde_json::to_value(&patch.settings).map_err(Error::internal)?;
    let voting_sensitive = voting_sensitive_changes(&base, &settings);
    db.write(move |conn| {
        check_districts_have_default(conn, &row.id, &settings)?;
        refuse_during_voting(conn, &row.id, &voting_sensitive)?;
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &actor,
            &row.id,
            "municipality.settings_changed",
            "municipality",
            &row.id,
            serde_json::json!({"changes": changes, "names_changed": patch.names.is_some()}),
        )?;
        Ok(row)
    })
    .await
}

/// The settings a running vote depends on that this change would alter: the money of the
/// ballots, who is old enough, whether a ballot may be replaced, what "today" is, and the ID
/// scheme behind every voter's key.
fn voting_sensitive_changes(
    old: &MunicipalitySettings,
    new: &MunicipalitySettings,
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if old.currency != new.currency {
        changed.push("currency");
    }
    if old.time_zone != new.time_zone {
        changed.push("time_zone");
    }
    if old.national_id_scheme != new.national_id_scheme {
        changed.push("national_id_scheme");
    }
    if old.min_voting_age != new.min_voting_age {
        changed.push("min_voting_age");
    }
    if old.revote_policy != new.revote_policy {
        changed.push("revote_policy");
    }
    changed
}

/// Refuses `fields` while a cycle of the municipality is in voting (checked in the same
/// transaction as the change).
fn refuse_during_voting(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    fields: &[&str],
) -> Result<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let voting = crate::db::cycles::of_municipality(conn, municipality_id, false)?
        .into_iter()
        .any(|c| c.status == crate::domain::cycle::CycleStatus::Voting);
    if voting {
        return Err(Error::conflict(
            "cycle_in_voting",
            format!(
                "A cycle is in voting; these settings cannot change until it closes: {}.",
                fields.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A new default language must not leave a district without a name in it.
fn check_districts_have_default(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    settings: &MunicipalitySettings,
) -> Result<()> {
    let mut errors = ValidationErrors::new();
    for district in districts::of_municipality(conn, municipality_id)? {
        let names: BTreeMap<String, String> = district.names.0.clone();
        let has_default = names
            .get(settings.default_language.as_str())
            .is_some_and(|n| !n.trim().is_empty());
        if !has_default {
            errors.push(FieldError::new(
                "default_language",
                "district_missing_default_language",
                format!(
                    "district {} has no name in {}; name it first",
                    district.id, settings.default_language
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

/// Parses a language → name map and checks it against the settings' languages. Returns
/// `None` (with the errors pushed) when anything is wrong.
pub fn parse_names(
    field: &str,
    input: &BTreeMap<String, String>,
    settings: &MunicipalitySettings,
    errors: &mut ValidationErrors,
) -> Option<Translations> {
    parse_texts(field, input, settings, NAME_MAX_CHARS, errors)
}

/// Like [`parse_names`] for texts of up to `max_chars` characters.
pub fn parse_texts(
    field: &str,
    input: &BTreeMap<String, String>,
    settings: &MunicipalitySettings,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<Translations> {
    let before = errors.len();
    let mut texts = Translations::new();
    for (tag, text) in input {
        match LanguageTag::parse(tag) {
            Ok(language) => {
                texts.insert(language, text.trim());
            }
            Err(e) => errors.push(FieldError::from_error(format!("{field}.{tag}"), &e)),
        }
    }
    errors.extend(texts.check(
        field,
        &settings.default_language,
        &settings.languages,
        max_chars,
    ));
    (errors.len() == before).then_some(texts)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::codes;

    fn kz() -> MunicipalitySettings {
        MunicipalitySettings::from_country(Country::KZ).unwrap()
    }

    /// `(default language, another enabled language)` of `settings`.
    fn languages(settings: &MunicipalitySettings) -> (String, String) {
        let default = settings.default_language.as_str().to_string();
        let other = settings
            .languages
            .iter()
            .find(|l| **l != settings.default_language)
            .expect("Kazakhstan has two languages")
            .as_str()
            .to_string();
        (default, other)
    }

    fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_are_trimmed_and_stored_as_a_language_map() {
        let s = kz();
        let (default, other) = languages(&s);
        let mut errors = ValidationErrors::new();
        let parsed = parse_names(
            "names",
            &names(&[(&default, "  Almaty  "), (&other, "Алматы")]),
            &s,
            &mut errors,
        )
        .unwrap();
        assert!(errors.is_empty());
        let json: BTreeMap<String, String> = parsed
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_string()))
            .collect();
        assert_eq!(json, names(&[(&default, "Almaty"), (&other, "Алматы")]));
    }

    #[test]
    fn the_default_language_is_required_and_blank_texts_refused() {
        let s = kz();
        let (default, other) = languages(&s);
        let mut errors = ValidationErrors::new();
        assert!(parse_names("names", &BTreeMap::new(), &s, &mut errors).is_none());
        assert_eq!(
            codes(&errors),
            [("names".to_string(), "missing_default_language")]
        );

        let mut errors = ValidationErrors::new();
        let input = names(&[(&default, "Almaty"), (&other, "   ")]);
        assert!(parse_names("names", &input, &s, &mut errors).is_none());
        assert_eq!(codes(&errors), [(format!("names.{other}"), "blank_text")]);
    }

    #[test]
    fn unknown_tags_and_languages_not_enabled_are_named_by_their_entry() {
        let s = kz();
        let (default, _) = languages(&s);
        let mut errors = ValidationErrors::new();
        let input = names(&[(&default, "Almaty"), ("de", "Almaty"), ("not a tag!", "x")]);
        assert!(parse_names("names", &input, &s, &mut errors).is_none());
        let codes = codes(&errors);
        assert!(
            codes.contains(&("names.de".to_string(), "language_not_enabled")),
            "{codes:?}"
        );
        assert!(
            codes.iter().any(|(f, _)| f == "names.not a tag!"),
            "{codes:?}"
        );
    }

    #[test]
    fn names_are_limited_in_characters_and_texts_by_their_own_limit() {
        let s = kz();
        let (default, _) = languages(&s);
        let longest = names(&[(&default, &"Ж".repeat(NAME_MAX_CHARS))]);
        let mut errors = ValidationErrors::new();
        assert!(parse_names("names", &longest, &s, &mut errors).is_some());
        let too_long = names(&[(&default, &"Ж".repeat(NAME_MAX_CHARS + 1))]);
        assert!(parse_names("names", &too_long, &s, &mut errors).is_none());
        assert_eq!(
            codes(&errors),
            [(format!("names.{default}"), "text_too_long")]
        );
        let mut errors = ValidationErrors::new();
        assert!(parse_texts("summary", &too_long, &s, 1000, &mut errors).is_some());
        assert!(errors.is_empty());
    }
}
