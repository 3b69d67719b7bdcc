//! `kurultai verify ARCHIVE [--key PUBKEY]`: checks a cycle archive without the service.
//!
//! In order: the manifest's signature (with the municipality's published key when given),
//! the SHA-256 of every file, every budget's votes checked against the limits its `.pb`'s META
//! declares, every budget recounted from its `.pb` with the rule and
//! tie-break the manifest records and compared with the stored result, the results files, the
//! `.pb`'s own `selected` column and the receipts list, then the audit log's hash chain from
//! its first entry, its length and last hash against the manifest, and each stored result
//! against the digest its `budget.tallied` entry recorded. Every finding names the file it is
//! about; the archive passes only when nothing failed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use super::manifest::BudgetEntry;
use super::signing::PublicKey;
use crate::domain::audit_chain::Entry;
use crate::pabulib;

mod audit;
mod files;
mod receipts;
mod recount;
mod results;
mod signature;

use audit::check_audit_log;
use files::read_files;
use receipts::check_receipts;
use recount::{check_pb_columns, check_votes, recount};
use results::{check_results_csv, check_results_json, check_tally_json};
use signature::{check_digests, check_manifest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Worth saying, but not a failure.
    Note,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub level: Level,
    /// The file (or `archive`) the finding is about.
    pub subject: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub(super) fn push(&mut self, level: Level, subject: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            subject: subject.to_string(),
            message: message.into(),
        });
    }
    pub(super) fn ok(&mut self, subject: &str, message: impl Into<String>) {
        self.push(Level::Ok, subject, message);
    }
    pub(super) fn note(&mut self, subject: &str, message: impl Into<String>) {
        self.push(Level::Note, subject, message);
    }
    pub(super) fn fail(&mut self, subject: &str, message: impl Into<String>) {
        self.push(Level::Fail, subject, message);
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Fail)
    }

    /// One line per finding, then the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let tag = match f.level {
                Level::Ok => "ok  ",
                Level::Note => "note",
                Level::Fail => "FAIL",
            };
            out += &format!("{tag}  {}: {}\n", f.subject, f.message);
        }
        let failed = self.failures().count();
        if failed == 0 {
            out += "verified: every check holds\n";
        } else {
            out += &format!("NOT verified: {failed} check(s) failed\n");
        }
        out
    }
}

/// Checks the archive read from `input` (a `.tar.gz`).
pub fn verify(input: impl Read, key: Option<&PublicKey>) -> Report {
    let mut report = Report::default();
    let files = match read_files(input) {
        Ok(files) => files,
        Err(e) => {
            report.fail("archive", format!("not a readable kurultai archive: {e}"));
            return report;
        }
    };
    let Some(manifest) = check_manifest(&files, key, &mut report) else {
        return report;
    };
    check_digests(&files, &manifest, &mut report);
    let audit = check_audit_log(&files, &manifest, &mut report);
    for budget in &manifest.budgets {
        check_budget(&files, budget, audit.as_deref(), &mut report);
    }
    report
}

/// Recounts one budget and compares every file about it with the recount.
fn check_budget(
    files: &BTreeMap<String, Vec<u8>>,
    budget: &BudgetEntry,
    audit: Option<&[Entry]>,
    report: &mut Report,
) {
    let Some(pb_text) = files.get(&budget.pb) else {
        return; // already reported as missing
    };
    let pb = match pabulib::read_str(&String::from_utf8_lossy(pb_text)) {
        Ok(pb) => pb,
        Err(e) => return report.fail(&budget.pb, format!("not a valid Pabulib file: {e}")),
    };
    check_votes(&pb, budget, report);
    let recount = match recount(&pb, budget) {
        Ok(r) => r,
        Err(e) => return report.fail(&budget.pb, format!("cannot be recounted: {e}")),
    };
    let funded: BTreeSet<&str> = recount.selected.iter().map(String::as_str).collect();
    report.ok(
        &budget.pb,
        format!(
            "recounted with {} / {} / {}: {} of {} projects funded",
            budget.rule,
            budget.completion,
            budget.tie_break,
            recount.selected.len(),
            recount.projects.len()
        ),
    );
    check_pb_columns(&pb, budget, &funded, report);
    check_tally_json(files, budget, &recount, audit, report);
    check_results_json(files, budget, &recount, report);
    check_results_csv(files, budget, &funded, report);
    check_receipts(files, budget, &pb, report);
}
