//! The append-only, hash-chained audit log.
//!
//! Each municipality has its own chain (platform actions form the `platform` chain). An
//! entry's hash covers the previous entry's hash and every field of the entry, so editing,
//! removing or reordering any entry breaks every later hash. `(chain_key, seq)` is unique: two
//! writers racing for the same position cannot both commit, so the chain never forks.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::schema::audit_log;
use super::DbConn;

/// The hash that stands before the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub chain_key: String,
    pub seq: i64,
    pub municipality_id: Option<String>,
    pub actor_account_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub details: String,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

/// What happened, before it is placed in the chain.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub municipality_id: Option<&'a str>,
    pub actor_account_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Appends an entry at the end of its chain; call it inside the transaction of the action
/// it records, so the action and its record commit together.
pub fn append(conn: &mut DbConn, entry: NewEntry<'_>, at: NaiveDateTime) -> QueryResult<AuditRow> {
    let chain_key = entry.municipality_id.unwrap_or("platform").to_string();
    let last: Option<(i64, String)> = audit_log::table
        .filter(audit_log::chain_key.eq(&chain_key))
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut row = AuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        chain_key,
        seq,
        municipality_id: entry.municipality_id.map(str::to_string),
        actor_account_id: entry.actor_account_id.map(str::to_string),
        actor_role: entry.actor_role.to_string(),
        action: entry.action.to_string(),
        target_type: entry.target_type.to_string(),
        target_id: entry.target_id.map(str::to_string),
        details: entry.details.to_string(),
        created_at: at,
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row);
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// SHA-256 over the previous hash and the entry's fields, each length-prefixed so that no
/// two different entries can be written as the same byte string.
pub fn entry_hash(row: &AuditRow) -> String {
    let created = row.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let seq = row.seq.to_string();
    let fields: [&str; 12] = [
        &row.prev_hash,
        &row.id,
        &row.chain_key,
        &seq,
        row.municipality_id.as_deref().unwrap_or(""),
        row.actor_account_id.as_deref().unwrap_or(""),
        &row.actor_role,
        &row.action,
        &row.target_type,
        row.target_id.as_deref().unwrap_or(""),
        &row.details,
        &created,
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// A page of one chain in order, after `after_seq`.
pub fn page(
    conn: &mut DbConn,
    chain_key: &str,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::chain_key.eq(chain_key))
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Checks that `rows` (a whole chain, in order) links up; returns the first broken seq.
pub fn first_broken_link(rows: &[AuditRow]) -> Option<i64> {
    let mut prev = GENESIS_HASH.to_string();
    for row in rows {
        if row.prev_hash != prev || entry_hash(row) != row.hash {
            return Some(row.seq);
        }
        prev = row.hash.clone();
    }
    None
}

/// The chain from its start through `through_seq`, in order.
pub fn up_to(conn: &mut DbConn, chain_key: &str, through_seq: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::chain_key.eq(chain_key))
        .filter(audit_log::seq.le(through_seq))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}
