//! The manifest, its signature and the SHA-256 of every file it lists.

use std::collections::{BTreeMap, BTreeSet};

use super::Report;
use crate::archive::manifest::{sha256_hex, Manifest, FORMAT};
use crate::archive::signing::PublicKey;
use crate::archive::{MANIFEST, SIGNATURE};

/// Parses the manifest and checks its signature.
pub(super) fn check_manifest(
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
pub(super) fn check_digests(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
    report: &mut Report,
) {
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
