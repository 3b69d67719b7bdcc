//! The audit log: its hash chain, its length and its last hash against the manifest.

use std::collections::BTreeMap;

use super::Report;
use crate::archive::manifest::Manifest;
use crate::domain::audit_chain::{self, Entry};

/// Walks the hash chain; returns the entries when the file could be read.
pub(super) fn check_audit_log(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
    report: &mut Report,
) -> Option<Vec<Entry>> {
    let info = &manifest.audit_log;
    let path = info.path.as_str();
    let Some(content) = files.get(path) else {
        report.fail(path, "missing");
        return None;
    };
    let mut rows = Vec::new();
    for (i, line) in String::from_utf8_lossy(content).lines().enumerate() {
        match serde_json::from_str::<Entry>(line) {
            Ok(row) => rows.push(row),
            Err(e) => {
                report.fail(path, format!("line {}: not an audit entry: {e}", i + 1));
                return None;
            }
        }
    }
    if let Some(broken) = audit_chain::first_break(&rows, &info.chain) {
        report.fail(
            path,
            format!(
                "line {} (seq {}): the entry {}; the chain breaks here",
                broken.index + 1,
                broken.seq,
                broken.fault.describe()
            ),
        );
        return Some(rows);
    }
    let prev = audit_chain::head(&rows);
    if rows.len() as i64 != info.entries || prev != info.last_hash {
        report.fail(
            path,
            format!(
                "holds {} entries ending in {}, the manifest says {} ending in {}",
                rows.len(),
                short(prev),
                info.entries,
                short(&info.last_hash)
            ),
        );
    } else {
        report.ok(
            path,
            format!(
                "hash chain intact from its first entry through seq {}",
                rows.len()
            ),
        );
    }
    Some(rows)
}

pub(super) fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
