//! Rows of `resident_verifications`: how each resident's registration was proven, one row per
//! method (the first time it verified them).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::resident_verifications;
use super::DbConn;
use crate::domain::ids::AccountId;
use crate::domain::VerificationMethod;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resident_verifications)]
pub struct VerificationRow {
    pub account_id: AccountId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub method: VerificationMethod,
    pub verified_at: NaiveDateTime,
    pub verified_by: Option<AccountId>,
}

/// Records `row` unless the resident already has a row of its method (the first one stays);
/// whether it did. One statement on both backends, so two concurrent records of one method
/// never collide.
pub fn insert_if_absent(conn: &mut DbConn, row: &VerificationRow) -> QueryResult<bool> {
    let insert = diesel::insert_into(resident_verifications::table)
        .values(row.clone())
        .on_conflict((
            resident_verifications::account_id,
            resident_verifications::method,
        ))
        .do_nothing();
    match conn {
        DbConn::Sqlite(c) => insert.execute(c),
        DbConn::Postgresql(c) => insert.execute(c),
    }
    .map(|inserted| inserted == 1)
}

/// The methods that verified a resident, in the order they did.
pub fn methods_of(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<VerificationMethod>> {
    let names: Vec<String> = resident_verifications::table
        .filter(resident_verifications::account_id.eq(account_id))
        .order((
            resident_verifications::verified_at.asc(),
            resident_verifications::method.asc(),
        ))
        .select(resident_verifications::method)
        .load(conn)?;
    names
        .into_iter()
        .map(|name| {
            VerificationMethod::try_from(name)
                .map_err(|e| diesel::result::Error::DeserializationError(e.into()))
        })
        .collect()
}

/// Forgets a resident's verifications (with their registration).
pub fn delete_of_account(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::delete(
        resident_verifications::table.filter(resident_verifications::account_id.eq(account_id)),
    )
    .execute(conn)
    .map(|_| ())
}
