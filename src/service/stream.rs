//! Response bodies written by blocking code (exports read from the database page by page and
//! written as they are read), with their SHA-256 taken on the way.
//!
//! The last bytes are held back until the caller [`Sealed::release`]s them: an export is
//! recorded in the audit log with its digest *before* the download can complete, and if the
//! record fails the body ends in an error instead, so the client is left with a truncated
//! file, never a whole one that nobody recorded. A failure while writing ends the body in an
//! error too (never in a clean end that would pass a short file off as whole).

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

/// Bytes sent at once (a chunk of the HTTP body).
const CHUNK: usize = 64 * 1024;
/// Chunks in flight before the writer waits for the client: bounds the memory of a download.
const IN_FLIGHT: usize = 8;

type Item = io::Result<Bytes>;

/// A new body: the writer for a blocking thread and the stream for the response.
pub fn body() -> (BodyWriter, BodyStream) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let writer = BodyWriter {
        tx,
        buf: Vec::with_capacity(CHUNK + 1),
        hasher: Sha256::new(),
        bytes: 0,
    };
    (writer, BodyStream(rx))
}

/// Writes into the body. Call from a blocking thread only (it waits when the client is slow).
pub struct BodyWriter {
    tx: mpsc::Sender<Item>,
    buf: Vec<u8>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for BodyWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        self.buf.extend_from_slice(data);
        if self.buf.len() > CHUNK {
            // Always keep at least one byte back for `Sealed::release`.
            let tail = self.buf.split_off(self.buf.len() - 1);
            let chunk = std::mem::replace(&mut self.buf, tail);
            self.tx
                .blocking_send(Ok(Bytes::from(chunk)))
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        }
        Ok(data.len())
    }

    /// Does not send the held-back bytes: only [`Sealed::release`] does.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BodyWriter {
    /// A handle that can end the body in an error after the writer was given away.
    pub fn alarm(&self) -> Alarm {
        Alarm(self.tx.clone())
    }

    /// Everything is written: the digest and size of the whole body, and its last bytes, still
    /// held back.
    pub fn seal(self) -> Sealed {
        Sealed {
            sha256: hex::encode(self.hasher.finalize()),
            bytes: self.bytes,
            tail: self.buf,
            tx: self.tx,
        }
    }
}

/// Ends a body in an error (from a blocking thread).
pub struct Alarm(mpsc::Sender<Item>);

impl Alarm {
    pub fn raise(&self, why: &str) {
        let _ = self.0.blocking_send(Err(io::Error::other(why.to_string())));
    }
}

/// A fully written body whose last bytes wait for the export to be recorded.
pub struct Sealed {
    pub sha256: String,
    pub bytes: u64,
    tail: Vec<u8>,
    tx: mpsc::Sender<Item>,
}

impl Sealed {
    /// Sends the last bytes: the client now has the whole body.
    pub async fn release(self) {
        let _ = self.tx.send(Ok(Bytes::from(self.tail))).await;
    }

    /// Ends the body in an error instead of its last bytes.
    pub async fn abort(self, why: &str) {
        let _ = self.tx.send(Err(io::Error::other(why.to_string()))).await;
    }
}

/// The response side of a body.
pub struct BodyStream(mpsc::Receiver<Item>);

impl Stream for BodyStream {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.0.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    async fn collect(mut stream: BodyStream) -> (Vec<u8>, Option<String>) {
        let mut body = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(bytes) => body.extend_from_slice(&bytes),
                Err(e) => return (body, Some(e.to_string())),
            }
        }
        (body, None)
    }

    fn write_all(mut writer: BodyWriter, data: Vec<u8>) -> std::thread::JoinHandle<BodyWriter> {
        std::thread::spawn(move || {
            for piece in data.chunks(1000) {
                writer.write_all(piece).unwrap();
            }
            writer
        })
    }

    #[tokio::test]
    async fn a_released_body_is_whole_and_its_digest_is_of_all_of_it() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (writer, stream) = body();
        let reader = tokio::spawn(collect(stream));
        let writer = tokio::task::spawn_blocking(move || write_all(writer, data).join().unwrap())
            .await
            .unwrap();
        let sealed = writer.seal();
        let expected: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(sealed.sha256, hex::encode(Sha256::digest(&expected)));
        assert_eq!(sealed.bytes, 300_000);
        sealed.release().await;
        let (body, error) = reader.await.unwrap();
        assert_eq!(error, None);
        assert_eq!(body, expected);
    }

    #[tokio::test]
    async fn an_aborted_body_never_completes() {
        // Exactly one chunk's worth: the writer still holds the last byte back.
        let (writer, stream) = body();
        let reader = tokio::spawn(collect(stream));
        let writer = tokio::task::spawn_blocking(move || {
            write_all(writer, vec![7; CHUNK + 1]).join().unwrap()
        })
        .await
        .unwrap();
        writer.seal().abort("not recorded").await;
        let (body, error) = reader.await.unwrap();
        assert_eq!(body.len(), CHUNK);
        assert_eq!(error.as_deref(), Some("not recorded"));
    }
}
