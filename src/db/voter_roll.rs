//! Rows of `voter_roll`: the keyed hashes (and birth dates) of the people a municipality
//! admin's last upload listed. The uploaded file itself is never stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::voter_roll;
use super::DbConn;
use crate::domain::ids::MunicipalityId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = voter_roll)]
pub struct VoterRollRow {
    pub municipality_id: MunicipalityId,
    pub national_id_hash: String,
    pub birth_date: NaiveDate,
    pub imported_at: NaiveDateTime,
}

/// Rows per INSERT: 4 parameters each stays far below SQLite's and PostgreSQL's limits.
const CHUNK: usize = 1000;

/// Replaces the municipality's roll by `rows`; call inside the upload's transaction.
pub fn replace(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    rows: &[VoterRollRow],
) -> QueryResult<()> {
    diesel::delete(voter_roll::table.filter(voter_roll::municipality_id.eq(municipality_id)))
        .execute(conn)?;
    // Multi-row INSERTs go to the concrete connection: that is where diesel builds them.
    for chunk in rows.chunks(CHUNK) {
        match conn {
            DbConn::Postgresql(c) => diesel::insert_into(voter_roll::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(voter_roll::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Whether the person with this keyed hash and birth date is on the municipality's roll.
pub fn contains(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    national_id_hash: &str,
    birth_date: NaiveDate,
) -> QueryResult<bool> {
    let found: i64 = voter_roll::table
        .filter(voter_roll::municipality_id.eq(municipality_id))
        .filter(voter_roll::national_id_hash.eq(national_id_hash))
        .filter(voter_roll::birth_date.eq(birth_date))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}
