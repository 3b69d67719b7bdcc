//! Writing a cycle archive: a gzip-compressed tar whose files all sit in one top-level folder,
//! the manifest and its signature last, so that the digests can be taken while the files go
//! out and nothing has to be held back.

use std::io::{self, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::manifest::{sha256_hex, FileEntry, Manifest};
use super::signing::MunicipalityKey;
use super::{MANIFEST, SIGNATURE};

pub struct ArchiveWriter<W: Write> {
    tar: tar::Builder<GzEncoder<W>>,
    top: String,
    mtime: u64,
    files: Vec<FileEntry>,
}

impl<W: Write> ArchiveWriter<W> {
    /// An archive whose files are in the folder `top`, all dated `at`.
    pub fn new(out: W, top: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        let mut tar = tar::Builder::new(GzEncoder::new(out, Compression::default()));
        tar.mode(tar::HeaderMode::Deterministic);
        ArchiveWriter {
            tar,
            top: top.to_string(),
            mtime: at.timestamp().max(0) as u64,
            files: Vec::new(),
        }
    }

    /// Adds a file and its digest for the manifest.
    pub fn add(&mut self, path: &str, kind: &str, content: &[u8]) -> io::Result<()> {
        self.append(path, content)?;
        self.files.push(FileEntry::of(path, kind, content));
        Ok(())
    }

    fn append(&mut self, path: &str, content: &[u8]) -> io::Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar
            .append_data(&mut header, format!("{}/{path}", self.top), content)
    }

    /// Writes `manifest` (with the files added so far) and its signature, and closes the
    /// archive. Returns the sink and the manifest's SHA-256.
    pub fn finish(
        mut self,
        mut manifest: Manifest,
        key: &MunicipalityKey,
    ) -> io::Result<(W, String)> {
        manifest.files = std::mem::take(&mut self.files);
        let mut text = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        text.push(b'\n');
        let signature = format!("{}\n", key.sign(&text));
        self.append(MANIFEST, &text)?;
        self.append(SIGNATURE, signature.as_bytes())?;
        let out = self.tar.into_inner()?.finish()?;
        Ok((out, sha256_hex(&text)))
    }
}
