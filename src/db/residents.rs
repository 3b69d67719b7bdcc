//! Rows of `residents`: a resident's profile beside their account. The national ID is here
//! only as its keyed hash; `(municipality_id, national_id_hash)` is unique, which is what
//! makes "one registration per person per municipality" hold under any concurrency.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{residents, voter_roll};
use super::DbConn;
use crate::domain::ids::{AccountId, DistrictId, MunicipalityId};
use crate::domain::ResidentStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = residents)]
pub struct ResidentRow {
    pub account_id: AccountId,
    pub municipality_id: MunicipalityId,
    pub national_id_hash: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub district_id: Option<DistrictId>,
    pub phone: Option<String>,
    pub language: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ResidentStatus,
    pub status_reason: Option<String>,
    pub reviewed_by: Option<AccountId>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ResidentRow) -> QueryResult<()> {
    diesel::insert_into(residents::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// The resident behind an account, if it is one.
pub fn by_account(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Option<ResidentRow>> {
    residents::table
        .find(account_id)
        .select(ResidentRow::as_select())
        .first(conn)
        .optional()
}

/// The resident, only if registered in the municipality: other tenants' ids are "not found".
pub fn find(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    account_id: &AccountId,
) -> QueryResult<ResidentRow> {
    residents::table
        .filter(residents::municipality_id.eq(municipality_id))
        .filter(residents::account_id.eq(account_id))
        .select(ResidentRow::as_select())
        .first(conn)
}

pub fn by_hash(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    national_id_hash: &str,
) -> QueryResult<Option<ResidentRow>> {
    residents::table
        .filter(residents::municipality_id.eq(municipality_id))
        .filter(residents::national_id_hash.eq(national_id_hash))
        .select(ResidentRow::as_select())
        .first(conn)
        .optional()
}

/// A page in registration order (`created_at`, then id: stable even for equal times),
/// starting after `after` = (created_at, account_id) of the previous page's last row.
pub fn page(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    status: Option<ResidentStatus>,
    district: Option<&DistrictId>,
    after: Option<(NaiveDateTime, AccountId)>,
    limit: i64,
) -> QueryResult<Vec<ResidentRow>> {
    let mut query = residents::table
        .filter(residents::municipality_id.eq(municipality_id.to_string()))
        .select(ResidentRow::as_select())
        .order((residents::created_at.asc(), residents::account_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(residents::status.eq(status.as_str()));
    }
    if let Some(district) = district {
        query = query.filter(residents::district_id.eq(district.to_string()));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            residents::created_at.gt(at).or(residents::created_at
                .eq(at)
                .and(residents::account_id.gt(id))),
        );
    }
    query.load(conn)
}

pub fn set_status(
    conn: &mut DbConn,
    account_id: &AccountId,
    status: ResidentStatus,
    reason: Option<&str>,
    reviewed_by: Option<&AccountId>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(residents::table.find(account_id))
        .set((
            residents::status.eq(status.as_str()),
            residents::status_reason.eq(reason),
            residents::reviewed_by.eq(reviewed_by),
            residents::reviewed_at.eq(Some(at)),
            residents::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The fields a resident may correct themselves.
pub fn update_profile(conn: &mut DbConn, row: &ResidentRow) -> QueryResult<()> {
    diesel::update(residents::table.find(&row.account_id))
        .set((
            residents::full_name.eq(&row.full_name),
            residents::district_id.eq(&row.district_id),
            residents::phone.eq(&row.phone),
            residents::language.eq(&row.language),
            residents::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::delete(residents::table.find(account_id))
        .execute(conn)
        .map(|_| ())
}

/// The pending residents of the municipality whose (hash, birth date) is on its voter roll.
pub fn pending_on_roll(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<Vec<AccountId>> {
    let hashes_on_roll = voter_roll::table
        .filter(voter_roll::municipality_id.eq(municipality_id.to_string()))
        .select(voter_roll::national_id_hash);
    let candidates: Vec<(AccountId, String, NaiveDate)> = residents::table
        .filter(residents::municipality_id.eq(municipality_id))
        .filter(residents::status.eq(ResidentStatus::Pending.as_str()))
        .filter(residents::national_id_hash.eq_any(hashes_on_roll))
        .select((
            residents::account_id,
            residents::national_id_hash,
            residents::birth_date,
        ))
        .load(conn)?;
    let mut on_roll = Vec::new();
    for (account_id, hash, birth_date) in candidates {
        if super::voter_roll::contains(conn, municipality_id, &hash, birth_date)? {
            on_roll.push(account_id);
        }
    }
    Ok(on_roll)
}

/// Verifies the resident if their registration is pending (never a rejected one); whether it
/// did. `reviewed_by` is the official who checked, if one did.
pub fn verify_if_pending(
    conn: &mut DbConn,
    account_id: &AccountId,
    reviewed_by: Option<&AccountId>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        residents::table
            .find(account_id)
            .filter(residents::status.eq(ResidentStatus::Pending.as_str())),
    )
    .set((
        residents::status.eq(ResidentStatus::Verified.as_str()),
        residents::status_reason.eq(None::<String>),
        residents::reviewed_by.eq(reviewed_by),
        residents::reviewed_at.eq(Some(at)),
        residents::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// How many of the municipality's residents have each status.
pub fn count_by_status(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<Vec<(String, i64)>> {
    residents::table
        .filter(residents::municipality_id.eq(municipality_id))
        .group_by(residents::status)
        .select((residents::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Verified residents, of one district or (with `None`) of the whole municipality.
pub fn count_verified(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
    district_id: Option<&DistrictId>,
) -> QueryResult<i64> {
    let mut query = residents::table
        .filter(residents::municipality_id.eq(municipality_id))
        .filter(residents::status.eq(ResidentStatus::Verified.as_str()))
        .into_boxed();
    if let Some(district) = district_id {
        query = query.filter(residents::district_id.eq(district));
    }
    query.count().get_result(conn)
}
