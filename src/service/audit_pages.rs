//! Reading a municipality's audit chain a page at a time, with whether the chain is intact up
//! to the page's last entry.

use std::collections::HashMap;

/// Which entries a page shows (an action, a span of instants).
pub use crate::db::audit::Filter;
use crate::db::audit::{self, AuditRow};
use crate::db::{accounts, Db};
use crate::domain::audit_chain;
use crate::domain::ids::MunicipalityId;
use crate::service::{Error, Result};

/// Who a staff actor is: the municipality's own staff may see each other's names and e-mails.
pub struct StaffName {
    pub display_name: String,
    pub email: Option<String>,
}

/// One page of the chain.
pub struct Page {
    /// The entries after `after`, oldest first.
    pub entries: Vec<AuditRow>,
    /// Where the next page starts, if there is one.
    pub next_after: Option<i64>,
    /// The last sequence number the chain check covered: the page's last entry, or the
    /// chain's last one on the last page.
    pub checked_through: i64,
    /// The first entry whose hash does not follow from the ones before, up to this page's end.
    pub first_broken_seq: Option<i64>,
    /// The names of the page's actors who are staff of the municipality, by account id
    /// (residents and platform admins are shown by role only).
    pub staff: HashMap<String, StaffName>,
}

/// The page in `rows` (read as `limit + 1` entries after `after`, to learn whether more
/// follow), the last sequence number it covers (`after` for an empty page), and where the next
/// page starts, if there is one.
fn split(rows: Vec<AuditRow>, after: i64, limit: i64) -> (Vec<AuditRow>, i64, Option<i64>) {
    let more = rows.len() as i64 > limit;
    let entries: Vec<AuditRow> = rows.into_iter().take(limit as usize).collect();
    let through = entries.last().map_or(after, |r| r.seq);
    (entries, through, more.then_some(through))
}

/// Up to `limit` entries of the municipality's chain after the sequence number `after` that
/// `filter` keeps. The chain is checked from its start through the page's last entry whatever
/// the filter: a filtered view must not hide a break among the entries it leaves out.
pub async fn page(
    db: &Db,
    municipality: MunicipalityId,
    after: i64,
    limit: i64,
    filter: Filter,
) -> Result<Page> {
    db.read(move |conn| {
        let chain_key = municipality.to_string();
        let rows = audit::page(conn, &chain_key, after, limit + 1, &filter)?;
        let (entries, through, next_after) = split(rows, after, limit);
        // The last page has searched the chain to its end (a filter may leave its last
        // entries out), so the check then covers the whole chain.
        let check_to = if next_after.is_some() {
            through
        } else {
            i64::MAX
        };
        let whole = audit::up_to(conn, &chain_key, check_to)?;
        let checked_through = whole.last().map_or(0, |r| r.seq);
        let broken = audit_chain::first_break(&whole, &chain_key).map(|b| b.seq);
        let staff = accounts::staff_of(conn, &municipality)?
            .into_iter()
            .map(|a| {
                let name = StaffName {
                    display_name: a.display_name,
                    email: a.email,
                };
                (a.id.to_string(), name)
            })
            .collect();
        Ok::<_, Error>(Page {
            entries,
            next_after,
            checked_through,
            first_broken_seq: broken,
            staff,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::audit_row;

    fn rows(seqs: std::ops::RangeInclusive<i64>) -> Vec<AuditRow> {
        seqs.map(audit_row).collect()
    }

    fn seqs(entries: &[AuditRow]) -> Vec<i64> {
        entries.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn a_full_page_with_one_more_row_points_to_the_next() {
        let (entries, through, next) = split(rows(11..=14), 10, 3);
        assert_eq!(seqs(&entries), [11, 12, 13]);
        assert_eq!((through, next), (13, Some(13)));
    }

    #[test]
    fn the_last_page_has_no_next() {
        let (entries, through, next) = split(rows(11..=13), 10, 3);
        assert_eq!(seqs(&entries), [11, 12, 13]);
        assert_eq!((through, next), (13, None));
        let (entries, through, next) = split(rows(11..=12), 10, 3);
        assert_eq!(seqs(&entries), [11, 12]);
        assert_eq!((through, next), (12, None));
    }

    #[test]
    fn an_empty_page_covers_the_chain_up_to_after() {
        let (entries, through, next) = split(Vec::new(), 42, 100);
        assert!(entries.is_empty());
        assert_eq!((through, next), (42, None));
    }
}
