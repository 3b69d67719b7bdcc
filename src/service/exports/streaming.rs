//! The streamed body of an export and its record in the audit chain (see
//! [`crate::service::stream`]).

use crate::db::{Db, DbConn};
use crate::service::stream::{self, BodyStream, BodyWriter};
use crate::service::{Error, Result};

/// Streams an export: `write` fills the body on a blocking thread with a database connection
/// and hands back what the record needs; `record` then records the export, with the body's
/// digest and size, in one transaction; only once that committed does the body complete.
/// Any failure ends the body in an error (see [`crate::service::stream`]).
pub fn stream_export<S, W, R>(db: Db, write: W, record: R) -> BodyStream
where
    S: Send + 'static,
    W: FnOnce(&mut DbConn, BodyWriter) -> Result<(BodyWriter, S)> + Send + 'static,
    R: FnOnce(&mut DbConn, S, &Written) -> Result<()> + Send + 'static,
{
    let (writer, body) = stream::body();
    let alarm = writer.alarm();
    // On the worker's own thread, as handlers run (the stream needs no `Send`).
    tokio::task::spawn_local(async move {
        let written = db
            .read_once(move |conn| {
                let (writer, state) = write(conn, writer)?;
                Ok::<_, Error>((writer.seal(), state))
            })
            .await;
        let (sealed, state) = match written {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(code = e.code(), detail = %e.detail(), "an export failed while streaming");
                let _ = tokio::task::spawn_blocking(move || alarm.raise("export failed")).await;
                return;
            }
        };
        let summary = Written {
            sha256: sealed.sha256.clone(),
            bytes: sealed.bytes,
        };
        match db.write(move |conn| record(conn, state, &summary)).await {
            Ok(()) => sealed.release().await,
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "an export was not recorded; its download is cut short"
                );
                sealed.abort("export not recorded").await
            }
        }
    });
    body
}

/// A streamed export's digest (hex SHA-256) and size, for its audit record.
pub struct Written {
    pub sha256: String,
    pub bytes: u64,
}
