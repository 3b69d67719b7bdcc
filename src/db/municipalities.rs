//! Rows of `municipalities`: the tenant and its settings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::municipalities;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = municipalities)]
pub struct MunicipalityRow {
    pub id: String,
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
}

pub fn insert(conn: &mut DbConn, row: &MunicipalityRow) -> QueryResult<()> {
    diesel::insert_into(municipalities::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<MunicipalityRow> {
    municipalities::table
        .filter(municipalities::slug.eq(slug))
        .select(MunicipalityRow::as_select())
        .first(conn)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<MunicipalityRow> {
    municipalities::table
        .find(id)
        .select(MunicipalityRow::as_select())
        .first(conn)
}

/// A page in slug order, starting after `after` (keyset pagination).
pub fn list(
    conn: &mut DbConn,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<MunicipalityRow>> {
    let mut query = municipalities::table
        .select(MunicipalityRow::as_select())
        .order(municipalities::slug.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(municipalities::slug.gt(after.to_string()));
    }
    query.load(conn)
}

pub fn update(conn: &mut DbConn, row: &MunicipalityRow) -> QueryResult<()> {
    diesel::update(municipalities::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}
