//! `GET /cycles/{id}/export`: everything a counted cycle produced, in one signed archive (the
//! layout is in [`crate::archive`]), for auditors to take away and check with
//! `kurultai verify` without trusting the service.
//!
//! Like a `.pb` export it is planned first (authorisation, the cycle closed, every budget
//! counted, each budget's head and shuffled ballot ids: errors here are the answer), then
//! streamed (see [`crate::service::exports::stream_export`]): each budget's `.pb` is spooled
//! to a temporary file, because a tar entry starts with its size, and then copied into the
//! archive; everything else is small. The export is recorded in the municipality's audit
//! chain with the archive's and the manifest's SHA-256 before the last bytes go out, in a
//! transaction that first checks that no budget was recounted and no paper ballot came in.

use std::io::{BufWriter, Read, Seek, Write};
use std::sync::Arc;

use crate::archive::manifest::{AuditInfo, BudgetEntry, KeyInfo, Named, FORMAT};
use crate::archive::{budget_paths, ArchiveKeys, ArchiveWriter, Manifest, AUDIT_LOG};
use crate::db::audit;
use crate::db::tallies::TallyRow;
use crate::db::{ballots, budgets, by_pages, Db, DbConn};
use crate::domain::audit_chain;
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, CycleId, MunicipalityId};
use crate::service::audit_log;
use crate::service::exports::{
    plan_pb, still_counted_as, stream_export, write_pb, Money, PbPlan, StreamedExport, EXPORTERS,
};
use crate::service::results_csv::results_csv;
use crate::service::scope::{self, CycleScope};
use crate::service::stream::BodyWriter;
use crate::service::tally::build_results;
use crate::service::Actor;
use crate::service::{Error, Result};

/// Receipt codes read per query.
const RECEIPT_PAGE: i64 = 10_000;

/// A checked cycle with each budget's planned `.pb`.
struct Plan {
    scope: CycleScope,
    budgets: Vec<PbPlan>,
}

/// What the audit record needs once the archive is written.
struct Summary {
    manifest_sha256: String,
    key_id: String,
    municipality_id: MunicipalityId,
    cycle_id: CycleId,
    tallies: Vec<TallyRow>,
}

/// Plans the cycle's archive and streams it; the export is recorded before it completes.
pub async fn cycle_archive(
    db: &Db,
    keys: Arc<ArchiveKeys>,
    caller: &Actor,
    cycle_id: CycleId,
) -> Result<StreamedExport> {
    let actor = caller.clone();
    let plan = db.read(move |conn| plan(conn, &actor, &cycle_id)).await?;
    let scope = &plan.scope;
    let filename = crate::domain::file_name::of_texts(
        &scope.municipality.slug,
        &scope.cycle.names,
        scope.municipality.default_language(),
        crate::service::now().date(),
        "tar.gz",
    );
    let actor = caller.clone();
    let body = stream_export(
        db.clone(),
        move |conn, out| write_archive(conn, &keys, plan, out),
        move |conn, summary: Summary, written| {
            for tally in &summary.tallies {
                still_counted_as(conn, tally)?;
            }
            audit_log::append(
                conn,
                &actor,
                &summary.municipality_id,
                "cycle.exported",
                "cycle",
                &summary.cycle_id,
                serde_json::json!({
                    "format": FORMAT,
                    "sha256": written.sha256,
                    "manifest_sha256": summary.manifest_sha256,
                    "bytes": written.bytes,
                    "budgets": summary.tallies.iter().map(|t| &t.budget_id).collect::<Vec<_>>(),
                    "key_id": summary.key_id,
                }),
            )
        },
    );
    Ok(StreamedExport { filename, body })
}

fn plan(conn: &mut DbConn, caller: &Actor, cycle_id: &CycleId) -> Result<Plan> {
    let scope = scope::cycle(conn, cycle_id)?;
    scope.check_role(caller, EXPORTERS)?;
    if !matches!(scope.status, CycleStatus::Closed | CycleStatus::Published) {
        return Err(Error::conflict(
            "cycle_not_closed",
            "A cycle is exported once voting has closed.",
        ));
    }
    let budgets = budgets::of_cycle(conn, &scope.cycle.id)?
        .iter()
        .map(|budget| plan_pb(conn, caller, &budget.id))
        .collect::<Result<_>>()?;
    Ok(Plan { scope, budgets })
}

/// The archive's one folder, also its file name.
fn folder(scope: &CycleScope) -> String {
    format!("kurultai-{}-{}", scope.municipality.slug, scope.cycle.id)
}

fn write_archive(
    conn: &mut DbConn,
    keys: &ArchiveKeys,
    plan: Plan,
    out: BodyWriter,
) -> Result<(BodyWriter, Summary)> {
    let Plan { scope, budgets } = plan;
    let key = keys.for_municipality(&scope.municipality.id);
    let public = key.public();
    let created_at = chrono::Utc::now();
    let mut writer = ArchiveWriter::new(out, &folder(&scope), created_at);
    let mut entries = Vec::new();
    let mut tallies = Vec::new();
    for mut budget in budgets {
        entries.push(add_budget(conn, &mut writer, &scope, &mut budget)?);
        tallies.push(budget.tally);
    }
    let audit_log = add_audit_log(conn, &mut writer, &scope)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        municipality: Named {
            id: scope.municipality.id.to_string(),
            slug: Some(scope.municipality.slug.clone()),
            name: crate::domain::translations::pick(
                &scope.municipality.names,
                scope.municipality.default_language(),
                scope.municipality.default_language(),
            ),
        },
        cycle: Named {
            id: scope.cycle.id.to_string(),
            slug: None,
            name: default_name(&scope, &scope.cycle.names)?,
        },
        cycle_status: scope.status.to_string(),
        created_at,
        signing_key: KeyInfo {
            algorithm: "Ed25519".into(),
            key_id: public.key_id(),
            public_key: public.to_base64(),
        },
        budgets: entries,
        audit_log,
        files: Vec::new(),
    };
    let (out, manifest_sha256) = writer.finish(manifest, &key).map_err(Error::internal)?;
    Ok((
        out,
        Summary {
            manifest_sha256,
            key_id: public.key_id(),
            municipality_id: scope.municipality.id.clone(),
            cycle_id: scope.cycle.id.clone(),
            tallies,
        },
    ))
}

/// A name in the municipality's default language.
fn default_name(scope: &CycleScope, names: &crate::domain::Texts) -> Result<String> {
    let lang = scope.municipality.default_language();
    Ok(crate::domain::translations::pick(names, lang, lang))
}

/// One budget's `.pb`, results (JSON, CSV, the engine's own) and receipts.
fn add_budget<W: Write>(
    conn: &mut DbConn,
    writer: &mut ArchiveWriter<W>,
    scope: &CycleScope,
    plan: &mut PbPlan,
) -> Result<BudgetEntry> {
    let paths = budget_paths(&plan.budget.id);
    let spool = write_pb(
        conn,
        plan,
        BufWriter::new(tempfile::tempfile().map_err(Error::internal)?),
    )?;
    let budget = &plan.budget;
    let mut spool = spool
        .into_inner()
        .map_err(|e| Error::internal(e.into_error()))?;
    let size = spool.stream_position().map_err(Error::internal)?;
    spool.rewind().map_err(Error::internal)?;
    writer
        .add_reader(&paths.pb, "pabulib", size, std::io::BufReader::new(spool))
        .map_err(Error::internal)?;

    let results = build_results(
        budget.clone(),
        scope,
        plan.tally.clone(),
        plan.on_ballot.clone(),
        None,
    )?;
    let mut json = serde_json::to_vec_pretty(&results).map_err(Error::internal)?;
    json.push(b'\n');
    writer
        .add(&paths.results_json, "results_json", &json)
        .map_err(Error::internal)?;
    let csv = results_csv(&results, &Money::of(&scope.municipality)?)?;
    writer
        .add(&paths.results_csv, "results_csv", &csv)
        .map_err(Error::internal)?;
    writer
        .add(
            &paths.tally_json,
            "tally_json",
            plan.tally.result.json.as_bytes(),
        )
        .map_err(Error::internal)?;
    let receipts = counted_receipts(conn, &budget.id)?;
    let size = receipts.len() as u64 * (CODE_LEN as u64 + 1);
    writer
        .add_reader(&paths.receipts, "receipts", size, Lines::new(receipts))
        .map_err(Error::internal)?;

    let rule = &budget.counting_rule;
    Ok(BudgetEntry {
        id: budget.id.to_string(),
        name: default_name(scope, &budget.names)?,
        pb: paths.pb,
        results_json: paths.results_json,
        results_csv: paths.results_csv,
        tally_json: paths.tally_json,
        receipts: paths.receipts,
        rule: rule.kind.to_string(),
        completion: rule.completion.to_string(),
        tie_break: rule.tie_break.to_string(),
        seed: rule.seed,
        ballots_counted: plan.tally.ballots_counted,
    })
}

/// Receipt codes are 23 characters: four groups of five and three dashes.
const CODE_LEN: usize = 23;

/// The counted ballots' receipt codes in byte order (the same on both databases, whatever
/// their collation). Read page by page and kept as fixed-size codes: 23 bytes a ballot.
fn counted_receipts(conn: &mut DbConn, budget_id: &BudgetId) -> Result<Vec<[u8; CODE_LEN]>> {
    let mut codes = Vec::new();
    by_pages::<_, Error>(
        |after| ballots::counted_receipts_after(conn, budget_id, after, RECEIPT_PAGE),
        String::as_str,
        |page| {
            for code in &page {
                let code: [u8; CODE_LEN] = code
                    .as_bytes()
                    .try_into()
                    .map_err(|_| Error::internal(format!("receipt code {code:?}")))?;
                codes.push(code);
            }
            Ok(())
        },
    )?;
    codes.sort_unstable();
    Ok(codes)
}

/// Codes read as text, one a line, without a second copy of them.
struct Lines {
    codes: Vec<[u8; CODE_LEN]>,
    /// Bytes already read.
    at: usize,
}

impl Lines {
    fn new(codes: Vec<[u8; CODE_LEN]>) -> Self {
        Lines { codes, at: 0 }
    }
}

impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let line = CODE_LEN + 1;
        let mut n = 0;
        while n < buf.len() {
            let (code, offset) = (self.at / line, self.at % line);
            let Some(text) = self.codes.get(code) else {
                break;
            };
            let rest: &[u8] = if offset < CODE_LEN {
                &text[offset..]
            } else {
                b"\n"
            };
            let take = rest.len().min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&rest[..take]);
            n += take;
            self.at += take;
        }
        Ok(n)
    }
}

/// The municipality's whole audit chain up to now, one JSON entry a line.
fn add_audit_log<W: Write>(
    conn: &mut DbConn,
    writer: &mut ArchiveWriter<W>,
    scope: &CycleScope,
) -> Result<AuditInfo> {
    let chain = scope.municipality.id.to_string();
    let rows = audit::up_to(conn, &chain, i64::MAX)?;
    let mut text = Vec::new();
    for row in &rows {
        serde_json::to_writer(&mut text, row).map_err(Error::internal)?;
        text.push(b'\n');
    }
    writer
        .add(AUDIT_LOG, "audit_log", &text)
        .map_err(Error::internal)?;
    Ok(AuditInfo {
        path: AUDIT_LOG.into(),
        chain,
        entries: rows.len() as i64,
        last_hash: audit_chain::head(&rows).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_lines_read_as_the_text_they_stand_for_in_any_buffer_size() {
        let codes: Vec<[u8; CODE_LEN]> = ["0AAAA-BBBBB-CCCCC-DDDDD", "1EEEE-FFFFF-GGGGG-HHHHH"]
            .iter()
            .map(|c| c.as_bytes().try_into().unwrap())
            .collect();
        let expected = "0AAAA-BBBBB-CCCCC-DDDDD\n1EEEE-FFFFF-GGGGG-HHHHH\n";
        for size in [1, 5, 23, 24, 25, 100] {
            let mut lines = Lines::new(codes.clone());
            let mut text = Vec::new();
            let mut buf = vec![0; size];
            loop {
                let n = lines.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                text.extend_from_slice(&buf[..n]);
            }
            assert_eq!(
                String::from_utf8(text).unwrap(),
                expected,
                "buffer of {size}"
            );
        }
        assert_eq!(Lines::new(Vec::new()).read(&mut [0; 8]).unwrap(), 0);
    }
}
