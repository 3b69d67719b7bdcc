//! Reading a municipality's audit chain a page at a time, with whether the chain is intact up
//! to the page's last entry.

use crate::db::audit::{self, AuditRow};
use crate::db::Db;
use crate::domain::audit_chain;
use crate::service::{Error, Result};

/// One page of the chain.
pub struct Page {
    /// The entries after `after`, oldest first.
    pub entries: Vec<AuditRow>,
    /// Where the next page starts, if there is one.
    pub next_after: Option<i64>,
    /// The first entry whose hash does not follow from the ones before, up to this page's end.
    pub first_broken_seq: Option<i64>,
}

/// Up to `limit` entries of the chain `chain_key` after the sequence number `after`.
pub async fn page(db: &Db, chain_key: String, after: i64, limit: i64) -> Result<Page> {
    db.read(move |conn| {
        let rows = audit::page(conn, &chain_key, after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        let entries: Vec<AuditRow> = rows.into_iter().take(limit as usize).collect();
        let through = entries.last().map_or(after, |r| r.seq);
        let whole = audit::up_to(conn, &chain_key, through)?;
        let broken = audit_chain::first_break(&whole, &chain_key).map(|b| b.seq);
        Ok::<_, Error>(Page {
            entries,
            next_after: more.then_some(through),
            first_broken_seq: broken,
        })
    })
    .await
}
