//! The append-only, hash-chained audit log in the database.
//!
//! The chain itself (how an entry is placed and hashed, and the check of a sequence) is
//! [`crate::domain::audit_chain`]; this file stores and reads it. `(chain_key, seq)` is unique:
//! two writers racing for the same position cannot both commit, so the chain never forks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConn;
use crate::domain::audit_chain::{self, entry_hash};

/// A stored entry is exactly a chain entry.
pub use crate::domain::audit_chain::Entry as AuditRow;

/// The table's row, field for field an [`AuditRow`].
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
struct Row {
    id: String,
    chain_key: String,
    seq: i64,
    municipality_id: Option<String>,
    actor_account_id: Option<String>,
    actor_role: String,
    action: String,
    target_type: String,
    target_id: Option<String>,
    details: String,
    created_at: NaiveDateTime,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditRow {
    fn from(r: Row) -> Self {
        AuditRow {
            id: r.id,
            chain_key: r.chain_key,
            seq: r.seq,
            municipality_id: r.municipality_id,
            actor_account_id: r.actor_account_id,
            actor_role: r.actor_role,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            details: r.details,
            created_at: r.created_at,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl From<AuditRow> for Row {
    fn from(e: AuditRow) -> Self {
        Row {
            id: e.id,
            chain_key: e.chain_key,
            seq: e.seq,
            municipality_id: e.municipality_id,
            actor_account_id: e.actor_account_id,
            actor_role: e.actor_role,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            details: e.details,
            created_at: e.created_at,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

impl AuditRow {
    /// The details as JSON. They stay text in the entry, since the hash covers their bytes;
    /// details that are not JSON (none are written so) read as one string.
    pub fn details_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.details)
            .unwrap_or_else(|_| serde_json::Value::String(self.details.clone()))
    }
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
    let (seq, prev_hash) = audit_chain::next_place(last);
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
        .values(Row::from(row.clone()))
        .execute(conn)?;
    Ok(row)
}

/// Which entries of a chain a page shows: all of them by default.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this action (e.g. `cycle.transition`).
    pub action: Option<String>,
    /// Only entries at or after this instant (UTC).
    pub since: Option<NaiveDateTime>,
    /// Only entries before this instant (UTC).
    pub before: Option<NaiveDateTime>,
}

/// A page of one chain in order, after `after_seq`, of the entries `filter` keeps. The page
/// is keyed by `seq` alone, so a filtered page's last `seq` is where the next one starts.
pub fn page(
    conn: &mut DbConn,
    chain_key: &str,
    after_seq: i64,
    limit: i64,
    filter: &Filter,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .filter(audit_log::chain_key.eq(chain_key))
        .filter(audit_log::seq.gt(after_seq))
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::created_at.ge(since));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::created_at.lt(before));
    }
    query
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(Row::as_select())
        .load::<Row>(conn)
        .map(|rows| rows.into_iter().map(AuditRow::from).collect())
}

/// The chain from its start through `through_seq`, in order.
pub fn up_to(conn: &mut DbConn, chain_key: &str, through_seq: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::chain_key.eq(chain_key))
        .filter(audit_log::seq.le(through_seq))
        .order(audit_log::seq.asc())
        .select(Row::as_select())
        .load::<Row>(conn)
        .map(|rows| rows.into_iter().map(AuditRow::from).collect())
}
