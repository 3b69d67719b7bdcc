//! Districts of a municipality: names per language, the default one required.

use std::collections::BTreeMap;

use crate::db::districts::{self as rows, DistrictRow};
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::ids::DistrictId;
use crate::domain::Texts;
use crate::domain::ValidationErrors;
use crate::service::audit_log;
use crate::service::municipalities::parse_names;
use crate::service::now;
use crate::service::Actor;
use crate::service::{Error, Result};

fn checked_names(municipality: &Municipality, input: &BTreeMap<String, String>) -> Result<Texts> {
    let settings = municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    match parse_names("names", input, &settings, &mut errors) {
        Some(names) if errors.is_empty() => Ok(Texts::from(&names)),
        _ => Err(errors.into()),
    }
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    names: BTreeMap<String, String>,
) -> Result<DistrictRow> {
    let names = checked_names(municipality, &names)?;
    let at = now();
    let row = DistrictRow {
        id: DistrictId::new(),
        municipality_id: municipality.id.clone(),
        names,
        created_at: at,
        updated_at: at,
    };
    let actor = actor.clone();
    db.write(move |conn| {
        rows::insert(conn, &row)?;
        audit_log::append(
            conn,
            &actor,
            &row.municipality_id,
            "district.created",
            "district",
            &row.id,
            serde_json::json!({"names": &row.names}),
        )?;
        Ok(row)
    })
    .await
}

pub async fn rename(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    id: DistrictId,
    names: BTreeMap<String, String>,
) -> Result<DistrictRow> {
    let names = checked_names(municipality, &names)?;
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let mut row = rows::find(conn, &municipality_id, &id)?;
        row.updated_at = now();
        rows::rename(conn, &row.id, &names, row.updated_at)?;
        row.names = names;
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "district.renamed",
            "district",
            &row.id,
            serde_json::json!({"names": &row.names}),
        )?;
        Ok(row)
    })
    .await
}

pub async fn delete(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    id: DistrictId,
) -> Result<()> {
    let municipality_id = municipality.id.clone();
    let actor = actor.clone();
    db.write(move |conn| {
        let row = rows::find(conn, &municipality_id, &id)?;
        rows::delete(conn, &row.id).map_err(|err| match err {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            ) => Error::conflict(
                "district_in_use",
                "Residents or budgets still refer to this district.",
            ),
            other => other.into(),
        })?;
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "district.deleted",
            "district",
            &row.id,
            serde_json::json!({}),
        )?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{error_codes, municipality};

    fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_are_kept_per_language_trimmed() {
        let town = municipality("m-1");
        let texts = checked_names(&town, &names(&[("kk", " Медеу "), ("ru", "Медеу")])).unwrap();
        assert_eq!(texts.get("kk").map(String::as_str), Some("Медеу"));
        assert_eq!(texts.get("ru").map(String::as_str), Some("Медеу"));
        assert_eq!(texts.len(), 2);
    }

    #[test]
    fn the_default_language_is_required() {
        let town = municipality("m-1");
        assert_eq!(town.default_language(), "kk");
        let err = checked_names(&town, &names(&[("ru", "Медеу")])).unwrap_err();
        assert_eq!(
            error_codes(&err),
            [("names".to_string(), "missing_default_language")]
        );
        let err = checked_names(&town, &BTreeMap::new()).unwrap_err();
        assert_eq!(err.code(), "validation_failed");
    }

    #[test]
    fn every_bad_entry_is_named_by_its_language() {
        let town = municipality("m-1");
        let input = names(&[("kk", "Медеу"), ("ru", "  "), ("de", "Medeu")]);
        let err = checked_names(&town, &input).unwrap_err();
        let mut codes = error_codes(&err);
        codes.sort();
        assert_eq!(
            codes,
            [
                ("names.de".to_string(), "language_not_enabled"),
                ("names.ru".to_string(), "blank_text"),
            ]
        );
    }
}
