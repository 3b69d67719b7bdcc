//! `manifest.json`: what the archive holds, with the SHA-256 of every file. The manifest is
//! the one file that is signed; every other file is bound to the signature by its digest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The value of `format`; a breaking change of the layout gets a new one.
pub const FORMAT: &str = "kurultai.archive/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub municipality: Named,
    pub cycle: Named,
    /// The cycle's status when the archive was made (`closed` or `published`).
    pub cycle_status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub signing_key: KeyInfo,
    pub budgets: Vec<BudgetEntry>,
    pub audit_log: AuditInfo,
    /// Every other file of the archive, in the order written.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    /// The slug of a municipality; absent for a cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// In the municipality's default language.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub algorithm: String,
    pub key_id: String,
    /// Base64 Ed25519 public key. Verify with the key published by the municipality
    /// (`--key`): this copy only says which key signed, not that it is the right one.
    pub public_key: String,
}

/// One budget's files and how it was counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetEntry {
    pub id: String,
    pub name: String,
    pub pb: String,
    pub results_json: String,
    pub results_csv: String,
    /// The engine's result exactly as stored; its SHA-256 is in the audit log's
    /// `budget.tallied` entry.
    pub tally_json: String,
    pub receipts: String,
    pub rule: String,
    pub completion: String,
    pub tie_break: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub ballots_counted: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditInfo {
    pub path: String,
    /// The chain's key (the municipality's id); the file holds it from its first entry.
    pub chain: String,
    pub entries: i64,
    /// Hash of the last entry written (the genesis hash for an empty chain), so that a
    /// shortened log is caught.
    pub last_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    /// `pabulib`, `results_json`, `results_csv`, `tally_json`, `receipts` or `audit_log`.
    pub kind: String,
    pub sha256: String,
    pub bytes: u64,
}

impl FileEntry {
    pub fn of(path: &str, kind: &str, content: &[u8]) -> Self {
        FileEntry {
            path: path.to_string(),
            kind: kind.to_string(),
            sha256: sha256_hex(content),
            bytes: content.len() as u64,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
