//! The stored results (tally JSON, results JSON and CSV) against the recount.

use std::collections::{BTreeMap, BTreeSet};

use super::Report;
use crate::archive::manifest::{sha256_hex, BudgetEntry};
use crate::domain::audit_chain::Entry;
use crate::tally::TallyResult;

/// The stored engine result equals the recount, and is the one the audit log recorded.
pub(super) fn check_tally_json(
    files: &BTreeMap<String, Vec<u8>>,
    budget: &BudgetEntry,
    recount: &TallyResult,
    audit: Option<&[Entry]>,
    report: &mut Report,
) {
    let path = &budget.tally_json;
    let Some(content) = files.get(path) else {
        return;
    };
    let stored: serde_json::Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return report.fail(path, format!("not JSON: {e}")),
    };
    let recounted = serde_json::to_value(recount).expect("results serialise");
    if stored == recounted {
        report.ok(path, "equals the recount, trace included");
    } else if stored["selected"] != recounted["selected"] {
        report.fail(
            path,
            format!(
                "funds {} but the recount funds {}",
                stored["selected"], recounted["selected"]
            ),
        );
    } else {
        report.fail(
            path,
            "same projects funded, but its figures or trace differ from the recount",
        );
    }
    let Some(audit) = audit else { return };
    let recorded = audit
        .iter()
        .rev()
        .find(|row| row.action == "budget.tallied" && row.target_id.as_deref() == Some(&budget.id));
    let digest = sha256_hex(content);
    match recorded {
        None => report.fail(
            path,
            "no budget.tallied entry in the audit log records this count",
        ),
        Some(row) => {
            let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
            if details["result_sha256"].as_str() == Some(digest.as_str()) {
                report.ok(
                    path,
                    format!("is the count recorded in the audit log (seq {})", row.seq),
                );
            } else {
                report.fail(
                    path,
                    format!("is not the count the audit log recorded (seq {})", row.seq),
                );
            }
        }
    }
}

pub(super) fn check_results_json(
    files: &BTreeMap<String, Vec<u8>>,
    budget: &BudgetEntry,
    recount: &TallyResult,
    report: &mut Report,
) {
    let path = &budget.results_json;
    let Some(content) = files.get(path) else {
        return;
    };
    let results: serde_json::Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return report.fail(path, format!("not JSON: {e}")),
    };
    let selected: Vec<&str> = results["selected"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if selected != recount.selected {
        report.fail(path, "its funded proposals differ from the recount");
    } else if results["ballots_counted"].as_i64() != Some(budget.ballots_counted) {
        report.fail(path, "its ballot count differs from the manifest");
    } else {
        report.ok(path, "same funded proposals as the recount");
    }
}

pub(super) fn check_results_csv(
    files: &BTreeMap<String, Vec<u8>>,
    budget: &BudgetEntry,
    funded: &BTreeSet<&str>,
    report: &mut Report,
) {
    let path = &budget.results_csv;
    let Some(content) = files.get(path) else {
        return;
    };
    let content = content
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(content);
    let mut reader = csv::Reader::from_reader(content);
    let mut marked = BTreeSet::new();
    for row in reader.deserialize::<BTreeMap<String, String>>() {
        let row = match row {
            Ok(row) => row,
            Err(e) => return report.fail(path, format!("not a results CSV: {e}")),
        };
        match (
            row.get("proposal_id"),
            row.get("selected").map(String::as_str),
        ) {
            (Some(id), Some("yes")) => {
                marked.insert(id.clone());
            }
            (Some(_), Some("no")) => {}
            _ => return report.fail(path, "a row without proposal_id or a yes/no selected"),
        }
    }
    if marked.iter().map(String::as_str).collect::<BTreeSet<_>>() == *funded {
        report.ok(path, "same funded proposals as the recount");
    } else {
        report.fail(path, "its funded proposals differ from the recount");
    }
}
