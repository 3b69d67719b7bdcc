//! The audit log's hash chain, as a rule on values: how an entry is placed after the one
//! before it, how its hash is computed, and where a sequence of entries stops linking up.
//!
//! One home for the three places that need it: the writer (`db::audit::append`), the API's
//! check (`GET /municipalities/{slug}/audit-log`) and `kurultai verify`, which reads the chain
//! from an archive without the service. Changing anything here changes every hash ever
//! written: stored chains and published archives would no longer verify.
//!
//! Each municipality has its own chain (platform actions form the `platform` chain). An
//! entry's hash covers the previous entry's hash and every field of the entry, so editing,
//! removing or reordering any entry breaks every later link.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that stands before the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of a chain, as stored and as an archive's `audit_log.jsonl` holds it (one JSON
/// object a line, the fields in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub chain_key: String,
    pub seq: i64,
    pub municipality_id: Option<String>,
    pub actor_account_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    /// A JSON object, as text: hashed as the exact bytes stored.
    pub details: String,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

/// The place of the entry after `last` (the chain's last `(seq, hash)`, if any): its `seq`
/// and the `prev_hash` it links to. A chain starts at seq 1 after [`GENESIS_HASH`].
pub fn next_place(last: Option<(i64, String)>) -> (i64, String) {
    match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    }
}

/// SHA-256 over the previous hash and the entry's fields, each length-prefixed so that no
/// two different entries can be written as the same byte string. `hash` itself is left out.
pub fn entry_hash(entry: &Entry) -> String {
    let created = entry
        .created_at
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let seq = entry.seq.to_string();
    let fields: [&str; 12] = [
        &entry.prev_hash,
        &entry.id,
        &entry.chain_key,
        &seq,
        entry.municipality_id.as_deref().unwrap_or(""),
        entry.actor_account_id.as_deref().unwrap_or(""),
        &entry.actor_role,
        &entry.action,
        &entry.target_type,
        entry.target_id.as_deref().unwrap_or(""),
        &entry.details,
        &created,
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Why an entry breaks its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Its seq is not its position in the chain, or it belongs to another chain.
    OutOfPlace,
    /// Its `prev_hash` is not the hash of the entry before it.
    Unlinked,
    /// Its fields do not hash to its `hash`.
    Altered,
}

impl Fault {
    /// What is wrong with the entry, in words (`kurultai verify` prints it).
    pub fn describe(self) -> &'static str {
        match self {
            Fault::OutOfPlace => "out of place (sequence or chain)",
            Fault::Unlinked => "does not link to the entry before it",
            Fault::Altered => "its content does not match its hash",
        }
    }
}

/// The first entry where a chain stops holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// Its position in the sequence checked (0 for the first entry).
    pub index: usize,
    /// Its seq as written.
    pub seq: i64,
    pub fault: Fault,
}

/// Walks `entries`, a whole chain from its first entry in order, and returns the first entry
/// that is out of place, does not link to the one before it, or does not hash to its `hash`.
pub fn first_break(entries: &[Entry], chain_key: &str) -> Option<Break> {
    let mut prev = GENESIS_HASH;
    for (index, entry) in entries.iter().enumerate() {
        let fault = if entry.seq != index as i64 + 1 || entry.chain_key != chain_key {
            Some(Fault::OutOfPlace)
        } else if entry.prev_hash != prev {
            Some(Fault::Unlinked)
        } else if entry_hash(entry) != entry.hash {
            Some(Fault::Altered)
        } else {
            None
        };
        if let Some(fault) = fault {
            return Some(Break {
                index,
                seq: entry.seq,
                fault,
            });
        }
        prev = &entry.hash;
    }
    None
}

/// The hash the next entry will link to: the last entry's, or [`GENESIS_HASH`] for an empty
/// chain.
pub fn head(entries: &[Entry]) -> &str {
    entries.last().map_or(GENESIS_HASH, |e| e.hash.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &str = "0190b5a8-0000-7000-8000-000000000001";

    /// A chain of `n` entries, each sealed after the one before it.
    fn chain(n: usize) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::new();
        for i in 0..n {
            let last = entries.last().map(|e| (e.seq, e.hash.clone()));
            let (seq, prev_hash) = next_place(last);
            let mut entry = Entry {
                id: format!("entry-{i}"),
                chain_key: CHAIN.into(),
                seq,
                municipality_id: Some(CHAIN.into()),
                actor_account_id: (i % 2 == 0).then(|| "account-1".into()),
                actor_role: "municipality_admin".into(),
                action: "district.created".into(),
                target_type: "district".into(),
                target_id: Some(format!("district-{i}")),
                details: format!("{{\"n\":{i}}}"),
                created_at: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 1_000)
                    .unwrap()
                    .naive_utc(),
                prev_hash,
                hash: String::new(),
            };
            entry.hash = entry_hash(&entry);
            entries.push(entry);
        }
        entries
    }

    #[test]
    fn a_good_chain_holds_and_its_head_is_the_last_hash() {
        let entries = chain(4);
        assert_eq!(first_break(&entries, CHAIN), None);
        assert_eq!(head(&entries), entries[3].hash);
        assert_eq!(first_break(&[], CHAIN), None);
        assert_eq!(head(&[]), GENESIS_HASH);
    }

    #[test]
    fn the_first_entry_links_to_genesis_at_seq_one() {
        let entries = chain(1);
        assert_eq!(
            (entries[0].seq, entries[0].prev_hash.as_str()),
            (1, GENESIS_HASH)
        );
        let mut unlinked = entries.clone();
        unlinked[0].prev_hash = "ff".repeat(32);
        unlinked[0].hash = entry_hash(&unlinked[0]);
        let broken = first_break(&unlinked, CHAIN).unwrap();
        assert_eq!(
            (broken.index, broken.seq, broken.fault),
            (0, 1, Fault::Unlinked)
        );
        let mut renumbered = entries;
        renumbered[0].seq = 2;
        renumbered[0].hash = entry_hash(&renumbered[0]);
        assert_eq!(
            first_break(&renumbered, CHAIN).map(|b| b.fault),
            Some(Fault::OutOfPlace)
        );
    }

    #[test]
    fn a_changed_entry_breaks_at_that_entry() {
        for change in [
            (|e: &mut Entry| e.details = "{}".into()) as fn(&mut Entry),
            |e| e.actor_account_id = Some("account-2".into()),
            |e| e.target_id = Some(String::new()),
            |e| e.created_at += chrono::Duration::microseconds(1),
        ] {
            let mut entries = chain(3);
            change(&mut entries[1]);
            let broken = first_break(&entries, CHAIN).unwrap();
            assert_eq!(
                (broken.index, broken.seq, broken.fault),
                (1, 2, Fault::Altered)
            );
        }
    }

    #[test]
    fn a_rehashed_change_breaks_the_next_link() {
        let mut entries = chain(3);
        entries[1].details = "{}".into();
        entries[1].hash = entry_hash(&entries[1]);
        let broken = first_break(&entries, CHAIN).unwrap();
        assert_eq!((broken.seq, broken.fault), (3, Fault::Unlinked));
    }

    #[test]
    fn a_removed_entry_breaks_where_it_was() {
        let mut entries = chain(4);
        entries.remove(1);
        let broken = first_break(&entries, CHAIN).unwrap();
        assert_eq!((broken.index, broken.seq), (1, 3));
        let mut first_gone = chain(2);
        first_gone.remove(0);
        assert_eq!(first_break(&first_gone, CHAIN).map(|b| b.seq), Some(2));
    }

    #[test]
    fn a_reordered_pair_breaks_at_the_first_of_them() {
        let mut entries = chain(4);
        entries.swap(1, 2);
        let broken = first_break(&entries, CHAIN).unwrap();
        assert_eq!((broken.index, broken.seq), (1, 3));
        // Renumbering the pair to hide the swap still leaves the links (and hashes) wrong.
        entries[1].seq = 2;
        entries[2].seq = 3;
        assert_eq!(first_break(&entries, CHAIN).map(|b| b.index), Some(1));
    }

    #[test]
    fn an_entry_of_another_chain_is_out_of_place() {
        let entries = chain(2);
        let broken = first_break(&entries, "platform").unwrap();
        assert_eq!((broken.index, broken.fault), (0, Fault::OutOfPlace));
    }

    /// The bytes hashed are fixed: existing databases and archives must still verify. (The
    /// value is what `db::audit::entry_hash` gave for this entry before the rule moved here.)
    #[test]
    fn the_hash_of_a_known_entry_never_changes() {
        assert_eq!(
            entry_hash(&chain(1)[0]),
            "a60be641094bdf8aa6f745ecc86ff75701527121019468dfb1128977025a4ea2"
        );
    }
}
