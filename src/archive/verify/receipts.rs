//! The receipts list against the `.pb`'s voters.

use std::collections::BTreeMap;

use super::Report;
use crate::archive::manifest::BudgetEntry;
use crate::pabulib::PbFile;

/// Receipts: well-formed codes, sorted, one per online ballot of the `.pb`.
pub(super) fn check_receipts(
    files: &BTreeMap<String, Vec<u8>>,
    budget: &BudgetEntry,
    pb: &PbFile,
    report: &mut Report,
) {
    let path = &budget.receipts;
    let Some(content) = files.get(path) else {
        return;
    };
    let text = String::from_utf8_lossy(content);
    let codes: Vec<&str> = text.lines().collect();
    if let Some(bad) = codes
        .iter()
        .find(|c| crate::domain::receipt_code::normalise(c).as_deref() != Some(**c))
    {
        return report.fail(path, format!("{bad:?} is not a receipt code"));
    }
    if codes.windows(2).any(|w| w[0] >= w[1]) {
        return report.fail(path, "the codes are not sorted, or one is there twice");
    }
    let online = match pb.votes.column("voting_method") {
        Some(col) => pb
            .votes
            .rows
            .iter()
            .filter(|r| pb.votes.cell(r, col) == "internet")
            .count(),
        None => pb.votes.rows.len(),
    };
    if codes.len() != online {
        report.fail(
            path,
            format!(
                "{} receipts, but {} online ballots in {}",
                codes.len(),
                online,
                budget.pb
            ),
        );
    } else {
        report.ok(
            path,
            format!("{} receipts, one per online ballot", codes.len()),
        );
    }
}
