//! Reading the archive: one folder of regular files, nothing else.

use std::collections::BTreeMap;
use std::io::Read;

/// The archive's files by path inside its top folder.
pub(super) fn read_files(input: impl Read) -> Result<BTreeMap<String, Vec<u8>>, String> {
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

#[cfg(test)]
mod tests {
    use super::super::{verify, Report};
    use crate::archive::MANIFEST;

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
