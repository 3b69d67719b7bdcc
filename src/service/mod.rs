//! The rules of the service, between the HTTP layer (`api/`, `admin/`) and the queries
//! (`db/`). Functions here take plain inputs (the acting account as an [`Actor`], never a
//! request), check them, run their writes as one transaction, and refuse with an [`Error`]
//! of their own: no status code, no web framework (`tests/layering.rs` holds them to it).

pub mod accounts;
pub mod actor;
pub mod archive;
pub mod audit_log;
pub mod audit_pages;
pub mod auth;
pub mod ballots;
pub mod budgets;
mod cycle_times;
pub mod cycles;
pub mod directory;
pub mod districts;
pub mod download_names;
pub mod error;
pub mod exports;
pub mod invitations;
pub mod municipalities;
pub mod oidc;
pub mod one_time_codes;
pub mod outbox;
pub mod proposals;
pub mod receipts;
pub mod recovery;
pub mod residents;
pub mod results_csv;
pub mod scope;
pub mod selections;
pub mod staff;
pub mod stats;
pub mod stream;
pub mod tally;
#[cfg(test)]
mod test_support;
pub mod throttle;

pub use actor::{Actor, UncheckedActor};
pub use error::{Error, Result};

/// Runs CPU-heavy work (argon2) on the blocking pool, keeping the caller's tracing span, so
/// it never stalls the async workers.
pub async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|_| Error::internal("blocking task cancelled"))
}

/// Runs argon2 (hashing or verifying a password) like [`blocking`], but at most one per core at
/// a time. Each takes 19 MiB; without a bound the blocking pool (hundreds of threads) runs every
/// concurrent login at once, no sooner done on the cores there are, and the allocator keeps what
/// each thread used. Waiting for a turn happens here, off the blocking pool.
pub async fn hashing<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    });
    let _turn = turns
        .acquire()
        .await
        .map_err(|_| Error::internal("the hashing limiter is closed"))?;
    blocking(f).await
}

/// The current instant at the precision both databases store (microseconds), so that an
/// instant compared in memory (a ballot's cast time against a close) is the one read back.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_truncated_to_the_microseconds_the_databases_keep() {
        use chrono::Timelike;
        let t = now();
        assert_eq!(t.nanosecond() % 1_000, 0);
        assert!(t <= chrono::Utc::now().naive_utc());
    }

    #[tokio::test]
    async fn blocking_work_returns_its_value_and_a_panic_becomes_an_internal_error() {
        assert_eq!(blocking(|| 6 * 7).await.unwrap(), 42);
        assert_eq!(hashing(|| "hashed").await.unwrap(), "hashed");
        let panicked = blocking(|| -> u8 { panic!("argon2 blew up") }).await;
        assert_eq!(panicked.unwrap_err().code(), "internal_error");
    }
}
