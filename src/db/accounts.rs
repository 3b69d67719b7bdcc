//! Rows of `accounts`: everyone who can log in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::accounts;
use super::DbConn;
use crate::domain::ids::{AccountId, MunicipalityId};
use crate::domain::{AccountStatus, Role};

pub const PLATFORM_TENANT: &str = "platform";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: AccountId,
    pub municipality_id: Option<MunicipalityId>,
    pub tenant_key: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    pub email: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AccountStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

pub fn tenant_key(municipality_id: Option<&MunicipalityId>) -> String {
    municipality_id
        .map_or(PLATFORM_TENANT, |m| m.as_str())
        .to_string()
}

pub fn insert(conn: &mut DbConn, row: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn by_id(conn: &mut DbConn, id: &AccountId) -> QueryResult<AccountRow> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
}

/// The account with this (normalised) e-mail in a municipality, or among platform admins.
pub fn by_email(
    conn: &mut DbConn,
    municipality_id: Option<&MunicipalityId>,
    email: &str,
) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::tenant_key.eq(tenant_key(municipality_id)))
        .filter(accounts::email.eq(email))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

/// Staff of a municipality (every role but `resident`), oldest first.
pub fn staff_of(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<Vec<AccountRow>> {
    accounts::table
        .filter(accounts::municipality_id.eq(municipality_id))
        .filter(accounts::role.ne(Role::Resident.as_str()))
        .select(AccountRow::as_select())
        .order((accounts::created_at.asc(), accounts::id.asc()))
        .load(conn)
}

pub fn set_password_hash(
    conn: &mut DbConn,
    id: &AccountId,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn touch_login(conn: &mut DbConn, id: &AccountId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set(accounts::last_login_at.eq(Some(at)))
        .execute(conn)
        .map(|_| ())
}

pub fn update_staff(
    conn: &mut DbConn,
    id: &AccountId,
    role: &str,
    display_name: &str,
    status: AccountStatus,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::role.eq(role),
            accounts::display_name.eq(display_name),
            accounts::status.eq(status.as_str()),
            accounts::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Active municipality admins of a municipality (the last one may not be disabled).
pub fn count_active_admins(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::municipality_id.eq(municipality_id))
        .filter(accounts::role.eq(Role::MunicipalityAdmin.as_str()))
        .filter(accounts::status.eq(AccountStatus::Active.as_str()))
        .count()
        .get_result(conn)
}

/// A resident's own correction of their e-mail and name.
pub fn update_contact(
    conn: &mut DbConn,
    id: &AccountId,
    email: Option<&str>,
    display_name: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::email.eq(email),
            accounts::display_name.eq(display_name),
            accounts::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Empties a deleted account of everything personal (e-mail, name, password hash) and
/// marks it deleted; the row stays so that foreign keys (proposals, audit entries) hold.
pub fn scrub(conn: &mut DbConn, id: &AccountId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::email.eq(None::<String>),
            accounts::display_name.eq(""),
            accounts::password_hash.eq(""),
            accounts::status.eq(AccountStatus::Deleted.as_str()),
            accounts::updated_at.eq(at),
            accounts::last_login_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}
