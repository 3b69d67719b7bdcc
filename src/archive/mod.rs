//! The signed cycle archive (`GET /cycles/{id}/export`) and its independent check
//! (`kurultai verify`).
//!
//! # Layout (`kurultai.archive/1`)
//! A `.tar.gz` whose files sit in one folder, `kurultai-<municipality slug>-<cycle id>/`:
//!
//! | file | what |
//! |---|---|
//! | `budgets/<budget id>.pb` | the budget as a Pabulib file (anonymous, shuffled ballots) |
//! | `results/<budget id>.json` | the results as the API shows them, trace included |
//! | `results/<budget id>.csv` | the results for spreadsheets: one row per proposal |
//! | `results/<budget id>.tally.json` | the engine's result exactly as stored (its SHA-256 is in the audit log) |
//! | `receipts/<budget id>.txt` | the receipt codes of the counted ballots, sorted, one a line |
//! | `audit-log.ndjson` | the municipality's whole audit chain up to the export, one entry a line |
//! | `manifest.json` | what is in the archive, how each budget was counted, the SHA-256 of every file |
//! | `manifest.sig` | the Ed25519 signature (base64) of `manifest.json`'s bytes |
//!
//! Only the manifest is signed; every other file is bound to it by its digest. The manifest
//! comes last so the archive can be written as it is read from the database.

pub mod manifest;
pub mod signing;
pub mod verify;
pub mod writer;

pub use manifest::Manifest;
pub use signing::{ArchiveKeys, MunicipalityKey, PublicKey};
pub use writer::ArchiveWriter;

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const AUDIT_LOG: &str = "audit-log.ndjson";

/// The paths of one budget's files.
pub fn budget_paths(budget_id: &str) -> BudgetPaths {
    BudgetPaths {
        pb: format!("budgets/{budget_id}.pb"),
        results_json: format!("results/{budget_id}.json"),
        results_csv: format!("results/{budget_id}.csv"),
        tally_json: format!("results/{budget_id}.tally.json"),
        receipts: format!("receipts/{budget_id}.txt"),
    }
}

pub struct BudgetPaths {
    pub pb: String,
    pub results_json: String,
    pub results_csv: String,
    pub tally_json: String,
    pub receipts: String,
}
