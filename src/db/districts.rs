//! Rows of `districts`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::districts;
use super::DbConn;
use crate::domain::ids::{DistrictId, MunicipalityId};
use crate::domain::Texts;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = districts)]
pub struct DistrictRow {
    pub id: DistrictId,
    pub municipality_id: MunicipalityId,
    /// Language tag → name (a JSON object in the column).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub names: Texts,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &DistrictRow) -> QueryResult<()> {
    diesel::insert_into(districts::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn of_municipality(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<Vec<DistrictRow>> {
    districts::table
        .filter(districts::municipality_id.eq(municipality_id))
        .select(DistrictRow::as_select())
        .order((districts::created_at.asc(), districts::id.asc()))
        .load(conn)
}

/// The district, only if it belongs to the municipality: other tenants' ids are "not found".
pub fn find(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    id: &DistrictId,
) -> QueryResult<DistrictRow> {
    districts::table
        .filter(districts::municipality_id.eq(municipality_id))
        .filter(districts::id.eq(id))
        .select(DistrictRow::as_select())
        .first(conn)
}

pub fn rename(
    conn: &mut DbConn,
    id: &DistrictId,
    names: &Texts,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let names = String::from(names.clone());
    diesel::update(districts::table.find(id))
        .set((districts::names.eq(names), districts::updated_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: &DistrictId) -> QueryResult<()> {
    diesel::delete(districts::table.find(id))
        .execute(conn)
        .map(|_| ())
}
