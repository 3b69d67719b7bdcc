//! Database access: one connection type for SQLite and PostgreSQL, chosen by the URL.
//!
//! Every query runs on a blocking thread through [`Db::read`] or [`Db::write`], so no
//! handler holds a connection across an `.await`. Writes are one transaction each; on
//! SQLite they also take a process-wide lock, because SQLite has a single writer and a
//! deferred transaction that upgrades to a write while another writer commits fails with
//! `SQLITE_BUSY` instead of waiting.

pub mod accounts;
pub mod audit;
pub mod ballots;
pub mod budgets;
pub mod cycles;
pub mod districts;
pub mod identity_providers;
mod ids;
pub mod municipalities;
pub mod one_time_codes;
pub mod outbox;
mod pool;
pub mod proposals;
pub mod residents;
pub mod schema;
pub mod sessions;
pub mod tallies;
pub mod throttles;
pub mod verifications;
pub mod voter_roll;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("query: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("the blocking task was cancelled")]
    Blocking,
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Postgres(String),
    SqliteFile(String),
}

impl Location {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Location::Postgres(url.to_string());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Location::SqliteFile(path.to_string())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Location::Postgres(_) => Backend::Postgres,
            Location::SqliteFile(_) => Backend::Sqlite,
        }
    }
}

pub use pool::{is_connection_failure, Manager, Pooled};
use pool::{ping, IDLE_BEFORE_CHECK};

pub type Pool = r2d2::Pool<Manager>;

/// How one run of a unit of work ended: with its connection alive, or dead (the result is
/// then the failure the dead connection caused).
enum Attempt<R> {
    Done(R),
    ConnectionDied(R),
}

/// Pool statistics for `/metrics`.
pub struct PoolState {
    pub max: u32,
    pub open: u32,
    pub idle: u32,
}

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    sqlite_write_lock: Arc<Mutex<()>>,
    /// Moves on at each sign that the database went away (see [`Pooled::epoch`]).
    epoch: Arc<AtomicU64>,
    /// The longest a unit of work waits for a connection.
    checkout_timeout: Duration,
    /// The same bound for [`Db::ping`], shorter: a readiness probe must answer quickly.
    probe_timeout: Duration,
}

/// The defaults of [`Db::with_timeouts`] (the settings `db_checkout_timeout_ms` and
/// `readiness_timeout_ms`).
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

impl Db {
    /// Builds the pool. It does not wait for the database: `/readyz` reports whether it
    /// answers, and the first query fails with a clear error if it does not.
    pub fn connect(url: &str, pool_size: u32) -> Result<Self, std::io::Error> {
        let location = Location::parse(url);
        if let Location::SqliteFile(path) = &location {
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
        let backend = location.backend();
        let epoch = Arc::new(AtomicU64::new(0));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build_unchecked(Manager {
                location,
                epoch: epoch.clone(),
            });
        Ok(Self {
            pool,
            backend,
            sqlite_write_lock: Arc::new(Mutex::new(())),
            epoch,
            checkout_timeout: CHECKOUT_TIMEOUT,
            probe_timeout: PROBE_TIMEOUT,
        })
    }

    /// Bounds the wait for a connection: `checkout` for every unit of work, `probe` for
    /// [`Db::ping`].
    pub fn with_timeouts(self, checkout: Duration, probe: Duration) -> Self {
        Self {
            checkout_timeout: checkout,
            probe_timeout: probe,
            ..self
        }
    }

    /// A connection that answers, within `timeout`. One that may have died unnoticed (older
    /// than the last failure, or idle for long) is pinged first; a dead one is dropped and a
    /// fresh one drawn instead, so that a unit of work after a database restart does not fail
    /// on a connection the restart closed.
    fn checkout(&self, timeout: Duration) -> Result<r2d2::PooledConnection<Manager>, DbError> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let mut conn = self.pool.get_timeout(remaining).map_err(|e| {
                self.suspect_all();
                DbError::from(e)
            })?;
            let epoch = self.epoch.load(Ordering::Relaxed);
            if conn.epoch == epoch && conn.last_used.elapsed() < IDLE_BEFORE_CHECK {
                return Ok(conn);
            }
            if ping(&mut conn).is_ok() {
                conn.epoch = epoch;
                return Ok(conn);
            }
            conn.failed_ping = true;
            self.suspect_all();
        }
    }

    /// Every connection open now may be dead: each is pinged before its next use.
    fn suspect_all(&self) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            max: self.pool.max_size(),
            open: state.connections,
            idle: state.idle_connections,
        }
    }

    /// Applies pending migrations; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
        let mut conn = self.pool.get()?;
        let applied = match &mut **conn {
            DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS)?,
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?,
        };
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// Runs the read `f` with a connection on a blocking thread, keeping the caller's tracing
    /// span. When its connection turns out dead (the database restarted under it), `f` runs
    /// once more on a fresh one: a read is safe to repeat. `f` must only read; what cannot be
    /// repeated (it streams, or gives away what it captured) goes through [`Db::read_once`].
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        self.blocking(move || match db.attempt(&f) {
            Attempt::Done(result) => result,
            Attempt::ConnectionDied(_) => {
                tracing::info!("a read's connection died; retrying it on a fresh one");
                match db.attempt(&f) {
                    Attempt::Done(result) | Attempt::ConnectionDied(result) => result,
                }
            }
        })
        .await
    }

    /// Runs `f` once with a connection on a blocking thread, keeping the caller's tracing span.
    pub async fn read_once<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        self.blocking(move || match db.attempt(f) {
            Attempt::Done(result) | Attempt::ConnectionDied(result) => result,
        })
        .await
    }

    /// `work` on the runtime's blocking pool (what `actix_web::web::block` calls, without
    /// naming actix here), in the caller's span; a panic in it ends as `DbError::Blocking`.
    async fn blocking<T, E>(
        &self,
        work: impl FnOnce() -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(|_| E::from(DbError::Blocking))?
    }

    /// Runs `f` on a connection that answers; tells whether the connection died under it.
    fn attempt<T, E, F>(&self, f: F) -> Attempt<Result<T, E>>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = match self.checkout(self.checkout_timeout) {
            Ok(conn) => conn,
            Err(err) => return Attempt::Done(Err(err.into())),
        };
        let result = f(&mut conn);
        conn.last_used = Instant::now();
        // Most errors are the request's (not found, a rule, a unique violation); a connection
        // the server closed also ends here, and would fail every later request that draws it
        // — and the others are likely dead too.
        if result.is_err() && ping(&mut conn).is_err() {
            conn.failed_ping = true;
            self.suspect_all();
            return Attempt::ConnectionDied(result);
        }
        Attempt::Done(result)
    }

    /// Runs `f` inside one transaction on a blocking thread: all of it commits, or none.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let lock = (self.backend == Backend::Sqlite).then(|| self.sqlite_write_lock.clone());
        // Never repeated: a transaction whose connection died may or may not have committed.
        self.read_once(move |conn| {
            let _guard = lock
                .as_ref()
                .map(|l| l.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            match conn {
                DbConn::Sqlite(_) => immediate_transaction(conn, f),
                DbConn::Postgresql(_) => conn.transaction(f),
            }
        })
        .await
    }

    /// Whether the database answers a trivial query, waiting for a connection no longer than
    /// the probe's bound.
    pub async fn ping(&self) -> Result<(), DbError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.checkout(db.probe_timeout)?;
            let result = ping(&mut conn);
            conn.last_used = Instant::now();
            if result.is_err() {
                conn.failed_ping = true;
                db.suspect_all();
            }
            result.map_err(DbError::from)
        })
        .await
        .map_err(|_| DbError::Blocking)?
    }

    /// For command-line tools that run outside the async runtime.
    pub fn blocking_conn(&self) -> Result<r2d2::PooledConnection<Manager>, DbError> {
        self.checkout(self.checkout_timeout)
    }
}

/// A SQLite transaction begun with `BEGIN IMMEDIATE`: it holds the database's one write lock
/// from its first statement, so nothing it reads (a cycle's status, the clock) can be overtaken
/// by another writer (another process on the same file) before it commits. A deferred
/// transaction would read first and fail with `SQLITE_BUSY` when it upgrades while another
/// writer holds the lock; this one waits for the lock (`busy_timeout`) before it reads anything.
fn immediate_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    fn inner(conn: &mut DbConn) -> &mut SqliteConnection {
        match conn {
            DbConn::Sqlite(c) => c,
            DbConn::Postgresql(_) => unreachable!("only called for SQLite"),
        }
    }
    AnsiTransactionManager::begin_transaction_sql(inner(conn), "BEGIN IMMEDIATE")?;
    let outcome = f(conn);
    let sqlite = inner(conn);
    // As diesel's own `transaction`: a failed rollback on a broken connection keeps the
    // caller's error; any other failure of commit or rollback is the error.
    match outcome {
        Ok(value) => match AnsiTransactionManager::commit_transaction(sqlite) {
            Ok(()) => Ok(value),
            Err(commit) => match AnsiTransactionManager::rollback_transaction(sqlite) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(commit.into()),
                Err(rollback) => Err(rollback.into()),
            },
        },
        Err(error) => match AnsiTransactionManager::rollback_transaction(sqlite) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Keyset pagination: calls `each` with every page `fetch(after)` returns, `after` being the
/// key of the previous page's last row (`""` first), until a page is empty — so a big table is
/// read in order without ever being loaded whole.
pub fn by_pages<T, E>(
    mut fetch: impl FnMut(&str) -> diesel::QueryResult<Vec<T>>,
    key: impl Fn(&T) -> &str,
    mut each: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<diesel::result::Error>,
{
    let mut after = String::new();
    loop {
        let page = fetch(&after)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = key(last).to_string();
        each(page)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_without_guessing() {
        assert_eq!(
            Location::parse("postgres://u@h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            Location::parse("postgresql://u@h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            Location::parse("sqlite://data/k.db"),
            Location::SqliteFile("data/k.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:k.db"),
            Location::SqliteFile("k.db".into())
        );
        assert_eq!(
            Location::parse("/tmp/k.db"),
            Location::SqliteFile("/tmp/k.db".into())
        );
    }
}
