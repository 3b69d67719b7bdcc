//! Writing a cycle archive: a gzip-compressed tar whose files all sit in one top-level folder,
//! the manifest and its signature last, so that the digests can be taken while the files go
//! out and nothing has to be held back.

use std::io::{self, Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

use sha2::{Digest, Sha256};

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

    /// Adds a file of `size` bytes read from `content` (a file spooled to disk), hashing it
    /// on the way.
    pub fn add_reader(
        &mut self,
        path: &str,
        kind: &str,
        size: u64,
        content: impl Read,
    ) -> io::Result<()> {
        let mut reader = HashingReader {
            inner: content,
            hasher: Sha256::new(),
            bytes: 0,
        };
        let mut header = self.header(size);
        self.tar
            .append_data(&mut header, format!("{}/{path}", self.top), &mut reader)?;
        if reader.bytes != size {
            return Err(io::Error::other(format!(
                "{path}: {} bytes, not {size}",
                reader.bytes
            )));
        }
        self.files.push(FileEntry {
            path: path.to_string(),
            kind: kind.to_string(),
            sha256: hex::encode(reader.hasher.finalize()),
            bytes: size,
        });
        Ok(())
    }

    fn header(&self, size: u64) -> tar::Header {
        let mut header = tar::Header::new_ustar();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        header
    }

    fn append(&mut self, path: &str, content: &[u8]) -> io::Result<()> {
        let mut header = self.header(content.len() as u64);
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

/// Hashes what passes through.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
