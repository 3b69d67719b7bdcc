//! `GET /cycles/{id}/export`: everything a counted cycle produced, in one signed archive (the
//! layout is in [`crate::archive`]), for auditors to take away and check with
//! `kurultai verify` without trusting the service.
//!
//! The files are read and written in one pass on a blocking thread; the export is then
//! recorded in the municipality's audit chain with the archive's and the manifest's SHA-256,
//! in a transaction that first checks that no budget was recounted and no paper ballot came
//! in meanwhile (else 409 `cycle_changed`, and nothing is handed out).

use crate::archive::manifest::{AuditInfo, BudgetEntry, KeyInfo, Named, FORMAT};
use crate::archive::{budget_paths, ArchiveKeys, ArchiveWriter, Manifest, AUDIT_LOG};
use crate::auth::extract::Caller;
use crate::db::audit::{self, GENESIS_HASH};
use crate::db::tallies::TallyRow;
use crate::db::{ballots, budgets, proposals, Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::error::{ApiError, ApiResult};
use crate::service::budgets::counting_rule;
use crate::service::exports::{still_counted_as, write_pb, Money, EXPORTERS};
use crate::service::municipalities::record;
use crate::service::results_csv::results_csv;
use crate::service::scope::{self, CycleScope};
use crate::service::tally::build_results;

/// A written cycle archive.
pub struct CycleArchive {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// What the audit record needs after the archive is written.
struct Written {
    archive: CycleArchive,
    manifest_sha256: String,
    key_id: String,
    municipality_id: String,
    cycle_id: String,
    tallies: Vec<TallyRow>,
}

/// Builds the cycle's archive and records the export.
pub async fn cycle_archive(
    db: &Db,
    keys: std::sync::Arc<ArchiveKeys>,
    caller: &Caller,
    cycle_id: String,
) -> ApiResult<CycleArchive> {
    let actor = caller.clone();
    let written = db
        .read(move |conn| write_archive(conn, &keys, &actor, &cycle_id))
        .await?;
    let actor = caller.clone();
    let Written {
        archive,
        manifest_sha256,
        key_id,
        municipality_id,
        cycle_id,
        tallies,
    } = written;
    let (digest, bytes) = (archive.sha256.clone(), archive.bytes.len());
    db.write(move |conn| {
        for tally in &tallies {
            still_counted_as(conn, tally)?;
        }
        record(
            conn,
            &actor,
            &municipality_id,
            "cycle.exported",
            "cycle",
            &cycle_id,
            serde_json::json!({
                "format": FORMAT,
                "sha256": digest,
                "manifest_sha256": manifest_sha256,
                "bytes": bytes,
                "budgets": tallies.iter().map(|t| &t.budget_id).collect::<Vec<_>>(),
                "key_id": key_id,
            }),
        )
    })
    .await?;
    Ok(archive)
}

fn write_archive(
    conn: &mut DbConn,
    keys: &ArchiveKeys,
    caller: &Caller,
    cycle_id: &str,
) -> ApiResult<Written> {
    let scope = scope::cycle(conn, cycle_id)?;
    scope.check_role(caller, EXPORTERS)?;
    if !matches!(scope.status, CycleStatus::Closed | CycleStatus::Published) {
        return Err(ApiError::conflict(
            "cycle_not_closed",
            "A cycle is exported once voting has closed.",
        ));
    }
    let key = keys.for_municipality(&scope.municipality.id);
    let public = key.public();
    let created_at = chrono::Utc::now();
    let top = format!("kurultai-{}-{}", scope.municipality.slug, scope.cycle.id);
    let mut writer = ArchiveWriter::new(Vec::new(), &top, created_at);
    let io = |e: std::io::Error| ApiError::internal(e);
    let mut entries = Vec::new();
    let mut tallies = Vec::new();
    for budget in budgets::of_cycle(conn, &scope.cycle.id)? {
        let (entry, tally) = add_budget(conn, &mut writer, &scope, caller, &budget.id)?;
        entries.push(entry);
        tallies.push(tally);
    }
    let audit_log = add_audit_log(conn, &mut writer, &scope)?;
    let default = |json: &str| -> ApiResult<String> {
        let names = crate::service::proposals::translations(json)?;
        let lang = &scope.municipality.default_language;
        Ok(crate::api::municipalities::pick(&names, lang, lang))
    };
    let manifest = Manifest {
        format: FORMAT.into(),
        municipality: Named {
            id: scope.municipality.id.clone(),
            slug: Some(scope.municipality.slug.clone()),
            name: default(&scope.municipality.names)?,
        },
        cycle: Named {
            id: scope.cycle.id.clone(),
            slug: None,
            name: default(&scope.cycle.names)?,
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
    let (bytes, manifest_sha256) = writer.finish(manifest, &key).map_err(io)?;
    let sha256 = crate::archive::manifest::sha256_hex(&bytes);
    Ok(Written {
        archive: CycleArchive {
            filename: format!("{top}.tar.gz"),
            bytes,
            sha256,
        },
        manifest_sha256,
        key_id: public.key_id(),
        municipality_id: scope.municipality.id.clone(),
        cycle_id: scope.cycle.id.clone(),
        tallies,
    })
}

/// One budget's `.pb`, results (JSON, CSV, the engine's own) and receipts.
fn add_budget(
    conn: &mut DbConn,
    writer: &mut ArchiveWriter<Vec<u8>>,
    scope: &CycleScope,
    caller: &Caller,
    budget_id: &str,
) -> ApiResult<(BudgetEntry, TallyRow)> {
    let io = |e: std::io::Error| ApiError::internal(e);
    let pb = write_pb(conn, caller, budget_id)?;
    let paths = budget_paths(&pb.budget.id);
    writer
        .add(&paths.pb, "pabulib", pb.text.as_bytes())
        .map_err(io)?;
    drop(pb.text);
    let on_ballot = proposals::on_ballot(conn, &pb.budget.id)?;
    let rule = counting_rule(&pb.budget)?;
    let results = build_results(pb.budget.clone(), scope, pb.tally.clone(), on_ballot, None)?;
    let mut json = serde_json::to_vec_pretty(&results).map_err(ApiError::internal)?;
    json.push(b'\n');
    writer
        .add(&paths.results_json, "results_json", &json)
        .map_err(io)?;
    let csv = results_csv(&results, &Money::of(&scope.municipality)?)?;
    writer
        .add(&paths.results_csv, "results_csv", &csv)
        .map_err(io)?;
    writer
        .add(&paths.tally_json, "tally_json", pb.tally.result.as_bytes())
        .map_err(io)?;
    let mut codes = ballots::counted_receipts(conn, &pb.budget.id)?;
    codes.sort_unstable();
    let receipts: String = codes.iter().map(|c| format!("{c}\n")).collect();
    writer
        .add(&paths.receipts, "receipts", receipts.as_bytes())
        .map_err(io)?;
    let names = crate::service::proposals::translations(&pb.budget.names)?;
    let lang = &scope.municipality.default_language;
    let entry = BudgetEntry {
        id: pb.budget.id.clone(),
        name: crate::api::municipalities::pick(&names, lang, lang),
        pb: paths.pb,
        results_json: paths.results_json,
        results_csv: paths.results_csv,
        tally_json: paths.tally_json,
        receipts: paths.receipts,
        rule: rule.kind.to_string(),
        completion: rule.completion.to_string(),
        tie_break: rule.tie_break.to_string(),
        seed: rule.seed,
        ballots_counted: pb.tally.ballots_counted,
    };
    Ok((entry, pb.tally))
}

/// The municipality's whole audit chain up to now, one JSON entry a line.
fn add_audit_log(
    conn: &mut DbConn,
    writer: &mut ArchiveWriter<Vec<u8>>,
    scope: &CycleScope,
) -> ApiResult<AuditInfo> {
    let chain = scope.municipality.id.clone();
    let rows = audit::up_to(conn, &chain, i64::MAX)?;
    let mut text = Vec::new();
    for row in &rows {
        serde_json::to_writer(&mut text, row).map_err(ApiError::internal)?;
        text.push(b'\n');
    }
    writer
        .add(AUDIT_LOG, "audit_log", &text)
        .map_err(ApiError::internal)?;
    Ok(AuditInfo {
        path: AUDIT_LOG.into(),
        chain,
        entries: rows.len() as i64,
        last_hash: rows
            .last()
            .map_or(GENESIS_HASH.to_string(), |r| r.hash.clone()),
    })
}
