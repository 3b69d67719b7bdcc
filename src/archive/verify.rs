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

use super::manifest::{sha256_hex, BudgetEntry, Manifest, FORMAT};
use super::signing::PublicKey;
use super::{MANIFEST, SIGNATURE};
use crate::domain::audit_chain::{self, Entry};
use crate::domain::budget::CountingRule;
use crate::domain::UnknownVariant;
use crate::pabulib::{self, PbFile};
use crate::tally::TallyResult;

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
    fn push(&mut self, level: Level, subject: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            subject: subject.to_string(),
            message: message.into(),
        });
    }
    fn ok(&mut self, subject: &str, message: impl Into<String>) {
        self.push(Level::Ok, subject, message);
    }
    fn note(&mut self, subject: &str, message: impl Into<String>) {
        self.push(Level::Note, subject, message);
    }
    fn fail(&mut self, subject: &str, message: impl Into<String>) {
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

/// The archive's files by path inside its top folder.
fn read_files(input: impl Read) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let mut files = BTreeMap::new();
    let mut top: Option<String> = None;
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        let path = path.to_string_lossy().into_owned();
        // Folders carry nothing to check (an archive unpacked and packed again has them).
        if entry.header().entry_type().is_dir() {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(format!("{path} is not a regular file"));
        }
        let (folder, inner) = path
            .split_once('/')
            .ok_or_else(|| format!("{path} is outside the archive's folder"))?;
        match &top {
            Some(t) if t != folder => return Err(format!("{path} is outside the folder {t}/")),
            Some(_) => {}
            None => top = Some(folder.to_string()),
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| format!("{path}: {e}"))?;
        if files.insert(inner.to_string(), content).is_some() {
            return Err(format!("{path} is in the archive twice"));
        }
    }
    Ok(files)
}

/// Parses the manifest and checks its signature.
fn check_manifest(
    files: &BTreeMap<String, Vec<u8>>,
    key: Option<&PublicKey>,
    report: &mut Report,
) -> Option<Manifest> {
    let Some(text) = files.get(MANIFEST) else {
        report.fail(MANIFEST, "missing");
        return None;
    };
    let manifest: Manifest = match serde_json::from_slice(text) {
        Ok(m) => m,
        Err(e) => {
            report.fail(MANIFEST, format!("not a valid manifest: {e}"));
            return None;
        }
    };
    if manifest.format != FORMAT {
        report.fail(MANIFEST, format!("unknown format {:?}", manifest.format));
        return None;
    }
    report.ok(
        MANIFEST,
        format!(
            "{} of {} ({}), cycle {:?} ({}), made {}: {} budget(s), {} files",
            manifest.format,
            manifest.municipality.name,
            manifest.municipality.slug.as_deref().unwrap_or("?"),
            manifest.cycle.name,
            manifest.cycle_status,
            manifest.created_at,
            manifest.budgets.len(),
            manifest.files.len()
        ),
    );
    let embedded = PublicKey::parse(&manifest.signing_key.public_key);
    let (signer, pinned) = match (key, &embedded) {
        (Some(k), _) => (k.clone(), true),
        (None, Ok(k)) => (k.clone(), false),
        (None, Err(e)) => {
            report.fail(MANIFEST, format!("signing_key.public_key: {e}"));
            return Some(manifest);
        }
    };
    let Some(signature) = files.get(SIGNATURE) else {
        report.fail(SIGNATURE, "missing: the manifest is not signed");
        return Some(manifest);
    };
    let signature = String::from_utf8_lossy(signature);
    match signer.verify(text, &signature) {
        Ok(()) if pinned => report.ok(
            SIGNATURE,
            format!(
                "manifest.json is signed by the given key {}",
                signer.key_id()
            ),
        ),
        Ok(()) => {
            report.ok(
                SIGNATURE,
                format!("manifest.json is signed by key {}", signer.key_id()),
            );
            report.note(
                SIGNATURE,
                "that key was read from the archive itself; pass --key with the key the \
                 municipality publishes (GET /municipalities/{slug}/keys) to know who signed",
            );
        }
        Err(e) => report.fail(
            SIGNATURE,
            format!(
                "signature of manifest.json with key {}: {e}",
                signer.key_id()
            ),
        ),
    }
    Some(manifest)
}

/// Every listed file is there with its digest, and nothing else is.
fn check_digests(files: &BTreeMap<String, Vec<u8>>, manifest: &Manifest, report: &mut Report) {
    let mut listed = BTreeSet::from([MANIFEST, SIGNATURE]);
    for entry in &manifest.files {
        listed.insert(&entry.path);
        match files.get(&entry.path) {
            None => report.fail(&entry.path, "listed in the manifest but missing"),
            Some(content) if sha256_hex(content) != entry.sha256 => report.fail(
                &entry.path,
                "its SHA-256 differs from the manifest's: the file was changed",
            ),
            Some(_) => report.ok(&entry.path, format!("SHA-256 {}", entry.sha256)),
        }
    }
    for path in files.keys() {
        if !listed.contains(path.as_str()) {
            report.fail(path, "in the archive but not in the manifest");
        }
    }
}

/// Walks the hash chain; returns the entries when the file could be read.
fn check_audit_log(
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

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
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

/// Every vote respects the limits the `.pb`'s META declares: a recount alone would count a
/// vote that no ballot form could have produced (issue 15, finding 1) and agree with it.
fn check_votes(pb: &PbFile, budget: &BudgetEntry, report: &mut Report) {
    let Ok(election) = pb.election() else {
        return; // reported by the recount
    };
    match pb.vote_violations(&election) {
        Ok((_, 0)) => report.ok(
            &budget.pb,
            format!(
                "every one of {} votes respects the limits its META declares",
                election.num_voters()
            ),
        ),
        Ok((listed, total)) => {
            for v in &listed {
                report.fail(&budget.pb, format!("invalid vote: {v}"));
            }
            if total > listed.len() {
                report.fail(
                    &budget.pb,
                    format!("{} more invalid vote(s)", total - listed.len()),
                );
            }
        }
        Err(e) => report.fail(&budget.pb, format!("its META limits cannot be read: {e}")),
    }
}

fn recount(pb: &PbFile, budget: &BudgetEntry) -> Result<TallyResult, String> {
    let election = pb.election().map_err(|e| e.to_string())?;
    // The names are the ones a budget's counting rule is stored under; an unknown one is
    // reported as `kurultai tally` would report it.
    let unknown = |e: UnknownVariant| format!("invalid variant: {}", e.value);
    let rule = CountingRule {
        kind: budget.rule.parse().map_err(unknown)?,
        completion: budget.completion.parse().map_err(unknown)?,
        tie_break: budget.tie_break.parse().map_err(unknown)?,
        seed: budget.seed,
    };
    crate::tally::tally(&election, &rule.engine_options()).map_err(|e| e.to_string())
}

/// The `.pb`'s `selected` column and vote count agree with the recount and the manifest.
fn check_pb_columns(
    pb: &PbFile,
    budget: &BudgetEntry,
    funded: &BTreeSet<&str>,
    report: &mut Report,
) {
    let (Some(id), Some(selected)) = (
        pb.projects.column("project_id"),
        pb.projects.column("selected"),
    ) else {
        return report.fail(&budget.pb, "PROJECTS has no selected column");
    };
    let marked: BTreeSet<&str> = pb
        .projects
        .rows
        .iter()
        .filter(|r| pb.projects.cell(r, selected) == "1")
        .map(|r| pb.projects.cell(r, id))
        .collect();
    if &marked != funded {
        report.fail(&budget.pb, "its selected column differs from the recount");
    }
    if pb.votes.rows.len() as i64 != budget.ballots_counted {
        report.fail(
            &budget.pb,
            format!(
                "holds {} ballots, the manifest says {} were counted",
                pb.votes.rows.len(),
                budget.ballots_counted
            ),
        );
    }
}

/// The stored engine result equals the recount, and is the one the audit log recorded.
fn check_tally_json(
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

fn check_results_json(
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

fn check_results_csv(
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

/// Receipts: well-formed codes, sorted, one per online ballot of the `.pb`.
fn check_receipts(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn only_failure(report: &Report) -> (&str, &str) {
        let failures: Vec<_> = report.failures().collect();
        assert_eq!(failures.len(), 1, "{}", report.render());
        (&failures[0].subject, &failures[0].message)
    }

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, content) in entries {
            let mut header = tar::Header::new_ustar();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            out.append_data(&mut header, path, *content).unwrap();
        }
        out.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn what_is_not_an_archive_says_so() {
        let report = verify(&b"not gzip at all"[..], None);
        assert_eq!(only_failure(&report).0, "archive");
        assert!(report
            .render()
            .ends_with("NOT verified: 1 check(s) failed\n"));
    }

    #[test]
    fn folder_entries_are_skipped_and_links_refused() {
        let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut folder = tar::Header::new_ustar();
        folder.set_entry_type(tar::EntryType::Directory);
        folder.set_size(0);
        folder.set_mode(0o755);
        out.append_data(&mut folder, "a/", std::io::empty())
            .unwrap();
        let bytes = out.into_inner().unwrap().finish().unwrap();
        assert_eq!(
            only_failure(&verify(bytes.as_slice(), None)),
            (MANIFEST, "missing"),
            "the folder itself is no problem"
        );
        let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut link = tar::Header::new_ustar();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        out.append_link(&mut link, "a/manifest.json", "/etc/passwd")
            .unwrap();
        let bytes = out.into_inner().unwrap().finish().unwrap();
        let report = verify(bytes.as_slice(), None);
        let (subject, message) = only_failure(&report);
        assert_eq!(subject, "archive");
        assert!(message.contains("not a regular file"), "{message}");
    }

    #[test]
    fn files_outside_one_folder_and_a_missing_manifest_are_refused() {
        let two_folders = tar_gz(&[("a/x", b"1"), ("b/y", b"2")]);
        let report = verify(two_folders.as_slice(), None);
        let (subject, message) = only_failure(&report);
        assert_eq!(subject, "archive");
        assert!(message.contains("outside the folder a/"), "{message}");
        let no_manifest = tar_gz(&[("a/x", b"1")]);
        assert_eq!(
            only_failure(&verify(no_manifest.as_slice(), None)),
            (MANIFEST, "missing")
        );
    }
}
