//! Rows of `municipalities`: the tenant and its settings.
//!
//! Everything outside `db/` sees a [`Municipality`]: its names and settings decoded once,
//! here, from the text and JSON columns of a [`MunicipalityRow`], and encoded back here on
//! every write. Nobody else parses these columns.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::municipalities;
use super::DbConn;
use crate::domain::ids::MunicipalityId;
use crate::domain::{MunicipalitySettings, SettingsInput, SettingsWire, Texts};

/// A municipality, decoded.
#[derive(Debug, Clone)]
pub struct Municipality {
    pub id: MunicipalityId,
    pub slug: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Language tag → name.
    pub names: Texts,
    pub settings: MunicipalitySettings,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Municipality {
    /// The default language's tag.
    pub fn default_language(&self) -> &str {
        self.settings.default_language.as_str()
    }

    /// The enabled languages' tags, in their stored order.
    pub fn languages(&self) -> Vec<String> {
        let tags = self.settings.languages.iter();
        tags.map(|tag| tag.as_str().to_string()).collect()
    }
}

/// A stored municipality that does not decode: a bug or a hand-edited database, never a
/// caller's mistake (it surfaces as an internal error).
#[derive(Debug, thiserror::Error)]
#[error("stored municipality {slug} is invalid: {reason}")]
pub struct Undecodable {
    slug: String,
    reason: String,
}

impl TryFrom<MunicipalityRow> for Municipality {
    type Error = Undecodable;

    fn try_from(row: MunicipalityRow) -> Result<Self, Undecodable> {
        let invalid = |reason: String| Undecodable {
            slug: row.slug.clone(),
            reason,
        };
        let names = serde_json::from_str(&row.names).map_err(|e| invalid(format!("names: {e}")))?;
        let languages: Vec<String> =
            serde_json::from_str(&row.languages).map_err(|e| invalid(format!("languages: {e}")))?;
        let input = SettingsInput {
            currency: Some(row.currency.clone()),
            time_zone: Some(row.time_zone.clone()),
            languages: Some(languages),
            default_language: Some(row.default_language.clone()),
            national_id_scheme: Some(row.national_id_scheme.clone()),
            check_digit_policy: Some(row.check_digit_policy.clone()),
            min_voting_age: Some(i64::from(row.min_voting_age)),
            registration_policy: Some(row.registration_policy.clone()),
            revote_policy: Some(row.revote_policy.clone()),
            max_proposals_per_resident: Some(i64::from(row.max_proposals_per_resident)),
            proposal_categories: Some(
                serde_json::from_str(&row.proposal_categories)
                    .map_err(|e| invalid(format!("proposal_categories: {e}")))?,
            ),
            verification_methods: Some(
                serde_json::from_str(&row.verification_methods)
                    .map_err(|e| invalid(format!("verification_methods: {e}")))?,
            ),
        };
        let settings = MunicipalitySettings::resolve(&input, None)
            .map_err(|e| invalid(format!("settings: {e:?}")))?;
        Ok(Municipality {
            id: row.id,
            slug: row.slug,
            country: row.country,
            names,
            settings,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The columns of a municipality. `budget_defaults` is written `{}` and read by nothing yet.
impl From<&Municipality> for MunicipalityRow {
    fn from(m: &Municipality) -> Self {
        let settings = SettingsWire::from(&m.settings);
        MunicipalityRow {
            id: m.id.clone(),
            slug: m.slug.clone(),
            country: m.country.clone(),
            names: String::from(m.names.clone()),
            languages: serde_json::to_string(&settings.languages).expect("strings serialise"),
            default_language: settings.default_language,
            currency: settings.currency,
            time_zone: settings.time_zone,
            national_id_scheme: settings.national_id_scheme,
            check_digit_policy: settings.check_digit_policy,
            min_voting_age: settings.min_voting_age,
            registration_policy: settings.registration_policy,
            revote_policy: settings.revote_policy,
            budget_defaults: "{}".into(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            max_proposals_per_resident: settings.max_proposals_per_resident,
            proposal_categories: settings.proposal_categories,
            verification_methods: settings.verification_methods,
        }
    }
}

/// A row read from the database, decoded; a row that does not decode is a query error.
pub(super) fn decode(row: MunicipalityRow) -> QueryResult<Municipality> {
    Municipality::try_from(row).map_err(|e| diesel::result::Error::DeserializationError(e.into()))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = municipalities)]
pub struct MunicipalityRow {
    pub id: MunicipalityId,
    pub slug: String,
    pub country: String,
    /// JSON object: language tag → name.
    pub names: String,
    /// JSON array of language tags.
    pub languages: String,
    pub default_language: String,
    pub currency: String,
    pub time_zone: String,
    pub national_id_scheme: String,
    pub check_digit_policy: String,
    pub min_voting_age: i32,
    pub registration_policy: String,
    pub revote_policy: String,
    /// JSON object of defaults for new budgets.
    pub budget_defaults: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub max_proposals_per_resident: i32,
    /// JSON array of `{"key", "names"}` (see `domain::ProposalCategory`).
    pub proposal_categories: String,
    /// JSON array of verification method names (see `domain::VerificationMethod`).
    pub verification_methods: String,
}

pub fn insert(conn: &mut DbConn, municipality: &Municipality) -> QueryResult<()> {
    diesel::insert_into(municipalities::table)
        .values(MunicipalityRow::from(municipality))
        .execute(conn)
        .map(|_| ())
}

pub fn by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Municipality> {
    municipalities::table
        .filter(municipalities::slug.eq(slug))
        .select(MunicipalityRow::as_select())
        .first(conn)
        .and_then(decode)
}

pub fn by_id(conn: &mut DbConn, id: &MunicipalityId) -> QueryResult<Municipality> {
    municipalities::table
        .find(id)
        .select(MunicipalityRow::as_select())
        .first(conn)
        .and_then(decode)
}

/// A page in slug order, starting after `after` (keyset pagination).
pub fn list(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<Municipality>> {
    let mut query = municipalities::table
        .select(MunicipalityRow::as_select())
        .order(municipalities::slug.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(municipalities::slug.gt(after.to_string()));
    }
    let rows: Vec<MunicipalityRow> = query.load(conn)?;
    rows.into_iter().map(decode).collect()
}

/// Writes the names and settings (never the id, slug, country or `budget_defaults`).
pub fn update(conn: &mut DbConn, municipality: &Municipality) -> QueryResult<()> {
    let row = MunicipalityRow::from(municipality);
    diesel::update(municipalities::table.find(&row.id))
        .set((
            municipalities::names.eq(&row.names),
            municipalities::languages.eq(&row.languages),
            municipalities::default_language.eq(&row.default_language),
            municipalities::currency.eq(&row.currency),
            municipalities::time_zone.eq(&row.time_zone),
            municipalities::national_id_scheme.eq(&row.national_id_scheme),
            municipalities::check_digit_policy.eq(&row.check_digit_policy),
            municipalities::min_voting_age.eq(row.min_voting_age),
            municipalities::registration_policy.eq(&row.registration_policy),
            municipalities::revote_policy.eq(&row.revote_policy),
            municipalities::max_proposals_per_resident.eq(row.max_proposals_per_resident),
            municipalities::proposal_categories.eq(&row.proposal_categories),
            municipalities::verification_methods.eq(&row.verification_methods),
            municipalities::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}
