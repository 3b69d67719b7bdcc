//! The pool's connections: how one is opened (never falling back from PostgreSQL to a SQLite
//! file), how a dead one is told from a live one, and which errors mean that the database
//! went away rather than that a query was refused.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use super::{DbConn, Location};

/// Opens connections for the pool. Unlike the derived `MultiConnection::establish`, which
/// tries each backend in turn, it never falls back: a PostgreSQL URL that does not answer is
/// an error, not a SQLite file named after the URL.
pub struct Manager {
    pub(super) location: Location,
    /// The pool's failure epoch (see [`Pooled::epoch`]).
    pub(super) epoch: Arc<AtomicU64>,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = match &self.location {
            Location::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgresql)
                .map_err(r2d2::Error::ConnectionError)?,
            Location::SqliteFile(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers go on while one writer commits; foreign keys are off by
                // default in SQLite and our schema relies on them. `synchronous = FULL`
                // syncs the WAL at every commit: with NORMAL an acknowledged ballot could be
                // lost to a power cut (issue 15, finding 8; cost in docs/performance.md).
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(r2d2::Error::QueryError)?;
                DbConn::Sqlite(conn)
            }
        };
        Ok(Pooled {
            conn,
            failed_ping: false,
            epoch: self.epoch.load(Ordering::Relaxed),
            last_used: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        ping(conn).map_err(r2d2::Error::QueryError)
    }

    /// Checked each time a connection goes back to the pool: a connection whose transaction
    /// was left open or in error (diesel's own test), or that failed the ping after an error
    /// (see [`Db::read`]), is dropped instead.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        std::thread::panicking() || conn.failed_ping || conn.conn.is_broken()
    }
}

/// A connection of the pool. The pool does not test connections on checkout (that was a
/// `SELECT 1` round trip before every unit of work); [`Db::read`] pings one only after an
/// error, and a failed ping marks it here so that the pool drops it.
pub struct Pooled {
    conn: DbConn,
    pub(super) failed_ping: bool,
    /// The pool's failure epoch when this connection last answered. The epoch moves on each
    /// time a connection is found dead or no connection can be had: the database restarted or
    /// went away, so every connection from before is suspect and is pinged before it is used.
    pub(super) epoch: u64,
    /// When a unit of work last finished on it: one idle for long may have been closed by a
    /// database restart that nothing noticed yet, and is pinged before it is used.
    pub(super) last_used: Instant,
}

impl Deref for Pooled {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// Whether the connection answers — and, on PostgreSQL, can write: after a failover a
/// connection may be left on a server that is now read-only (a demoted primary, a standby),
/// which answers `SELECT 1` but refuses every write. Such a connection fails the ping, so the
/// pool drops it and opens a new one, which `target_session_attrs=read-write` sends to the
/// primary.
pub(super) fn ping(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::Bool;
    match conn {
        DbConn::Postgresql(pg) => {
            let writable = diesel::select(diesel::dsl::sql::<Bool>(
                "current_setting('transaction_read_only') = 'off'",
            ))
            .get_result::<bool>(pg)?;
            if writable {
                Ok(())
            } else {
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ReadOnlyTransaction,
                    Box::new(READ_ONLY_SERVER.to_string()),
                ))
            }
        }
        DbConn::Sqlite(_) => diesel::sql_query("SELECT 1").execute(conn).map(|_| ()),
    }
}

/// What a failed ping of a read-only server says.
const READ_ONLY_SERVER: &str = "the server is read-only (in a read-only transaction)";

/// A pooled connection idle for longer than this is pinged before it is used (a database
/// restart takes longer). Under load connections never sit this long, so no ping is paid.
pub(super) const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(1);

/// Whether `err` says the database went away (the connection is closed or broken, the server
/// is shutting down or starting up) rather than that this query was refused: such a request
/// may succeed when retried later. PostgreSQL's SQLSTATE class 08 arrives from diesel as
/// `ClosedConnection`; 57P01-57P03 only as their messages (diesel does not expose the code).
pub fn is_connection_failure(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error as Diesel};
    const GOING_AWAY: &[&str] = &[
        "terminating connection due to administrator command", // 57P01
        "terminating connection because of crash of another server process", // 57P02
        "the database system is shutting down",                // 57P03
        "the database system is starting up",                  // 57P03
        "the database system is in recovery mode",             // 57P03
        "the database system is not yet accepting connections", // 57P03
        "server closed the connection unexpectedly",
        "no connection to the server",
        // libpq's socket errors: a host that vanished from the network, once the URL's
        // `tcp_user_timeout` or keepalives give up ("…: Connection timed out"). libpq marks
        // the connection bad, so diesel gives them as `ClosedConnection`; the messages hold
        // even where it does not.
        "could not receive data from server",
        "could not send data to server",
        // 25006 (read_only_sql_transaction), "cannot execute INSERT in a read-only
        // transaction": after a failover the connection is on a server that can no longer
        // write; a fresh connection (`target_session_attrs=read-write`) finds the primary.
        "in a read-only transaction",
    ];
    match err {
        Diesel::DatabaseError(
            Kind::ClosedConnection | Kind::UnableToSendCommand | Kind::ReadOnlyTransaction,
            _,
        ) => true,
        Diesel::DatabaseError(_, info) => GOING_AWAY.iter().any(|m| info.message().contains(m)),
        Diesel::BrokenTransactionManager => true,
        Diesel::RollbackErrorOnCommit { commit_error, .. } => is_connection_failure(commit_error),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as Kind, Error as Diesel};

    fn database_error(kind: Kind, message: &str) -> Diesel {
        Diesel::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_write_refused_by_a_read_only_server_is_a_connection_failure() {
        // As PostgreSQL says it (SQLSTATE 25006), whichever kind diesel gives it.
        for kind in [Kind::ReadOnlyTransaction, Kind::Unknown] {
            let err = database_error(kind, "cannot execute INSERT in a read-only transaction");
            assert!(is_connection_failure(&err));
        }
        assert!(is_connection_failure(&database_error(
            Kind::Unknown,
            READ_ONLY_SERVER
        )));
        let commit = Diesel::RollbackErrorOnCommit {
            rollback_error: Box::new(Diesel::BrokenTransactionManager),
            commit_error: Box::new(database_error(
                Kind::Unknown,
                "cannot execute UPDATE in a read-only transaction",
            )),
        };
        assert!(is_connection_failure(&commit));
    }

    #[test]
    fn a_connection_timed_out_by_tcp_is_a_connection_failure() {
        // As libpq says it when `tcp_user_timeout` ends a query on a host cut off the network
        // (seen in `bench/faults.sh partition`), whichever kind diesel gives it.
        for message in [
            "could not receive data from server: Connection timed out\n",
            "could not send data to server: Connection timed out\n",
        ] {
            for kind in [
                Kind::ClosedConnection,
                Kind::UnableToSendCommand,
                Kind::Unknown,
            ] {
                assert!(is_connection_failure(&database_error(kind, message)));
            }
        }
    }

    #[test]
    fn a_refused_query_is_not_a_connection_failure() {
        for (kind, message) in [
            (
                Kind::UniqueViolation,
                "duplicate key value violates unique constraint",
            ),
            (Kind::Unknown, "relation \"x\" does not exist"),
            (Kind::SerializationFailure, "could not serialize access"),
        ] {
            assert!(!is_connection_failure(&database_error(kind, message)));
        }
        assert!(!is_connection_failure(&Diesel::NotFound));
    }
}
