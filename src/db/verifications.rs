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

/// Forgets one method's record of a resident (what it proved no longer holds).
pub fn delete_method(
    conn: &mut DbConn,
    account_id: &AccountId,
    method: VerificationMethod,
) -> QueryResult<usize> {
    diesel::delete(
        resident_verifications::table
            .filter(resident_verifications::account_id.eq(account_id))
            .filter(resident_verifications::method.eq(method.as_str())),
    )
    .execute(conn)
}

/// Forgets a resident's verifications (with their registration).
pub fn delete_of_account(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::delete(
        resident_verifications::table.filter(resident_verifications::account_id.eq(account_id)),
    )
    .execute(conn)
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;

    use crate::db::SQLITE_MIGRATIONS;

    /// The migration that brought methods in records one for every resident verified before.
    #[test]
    fn the_migration_records_how_residents_already_verified_were_verified() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("t.db").display().to_string();
        let mut conn = SqliteConnection::establish(&url).unwrap();
        let pending = conn.pending_migrations(SQLITE_MIGRATIONS).unwrap();
        let at = pending
            .iter()
            .position(|m| m.name().to_string().ends_with("_verification_methods"))
            .expect("the migration");
        for migration in &pending[..at] {
            conn.run_migration(migration).unwrap();
        }
        let t = "'2026-01-01 00:00:00'";
        let mut sql = String::new();
        for (city, policy) in [("open-city", "open"), ("review-city", "review")] {
            sql += &format!(
                "INSERT INTO municipalities (id, slug, country, names, languages, default_language,
                 currency, time_zone, national_id_scheme, check_digit_policy, min_voting_age,
                 registration_policy, revote_policy, budget_defaults, created_at, updated_at)
                 VALUES ('{city}', '{city}', 'TR', '{{}}', '[\"tr\"]', 'tr', 'TRY',
                 'Europe/Istanbul', 'tr_tckn', 'enforce', 18, '{policy}', 'final', '{{}}', {t}, {t});"
            );
        }
        // (account, city, status, reviewed by)
        let people = [
            ("official", "review-city", None, None),
            ("self", "open-city", Some("verified"), None),
            ("checked", "open-city", Some("verified"), Some("official")),
            ("on-roll", "review-city", Some("verified"), None),
            ("waiting", "review-city", Some("pending"), None),
            ("refused", "review-city", Some("rejected"), Some("official")),
        ];
        for (account, city, status, reviewer) in people {
            sql += &format!(
                "INSERT INTO accounts (id, municipality_id, tenant_key, role, email, display_name,
                 password_hash, status, created_at, updated_at) VALUES ('{account}', '{city}',
                 '{city}', 'resident', NULL, '{account}', 'x', 'active', {t}, {t});"
            );
            if let Some(status) = status {
                let reviewer = reviewer.map_or("NULL".into(), |r| format!("'{r}'"));
                sql += &format!(
                    "INSERT INTO residents (account_id, municipality_id, national_id_hash,
                     full_name, birth_date, status, reviewed_by, reviewed_at, created_at,
                     updated_at) VALUES ('{account}', '{city}', '{account}', '{account}',
                     '1980-01-01', '{status}', {reviewer}, {t}, {t}, {t});"
                );
            }
        }
        conn.batch_execute(&sql).unwrap();
        for migration in &pending[at..] {
            conn.run_migration(migration).unwrap();
        }
        use super::resident_verifications as v;
        let rows: Vec<(String, String, Option<String>)> = v::table
            .select((v::account_id, v::method, v::verified_by))
            .order(v::account_id)
            .load(&mut conn)
            .unwrap();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            rows,
            [
                ("checked".into(), "review".into(), some("official")),
                ("on-roll".into(), "roll".into(), None),
                ("self".into(), "open".into(), None),
            ]
        );
    }
}
