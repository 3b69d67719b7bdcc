//! The rules of the service, between the HTTP layer (`api/`, `admin/`) and the queries
//! (`db/`). Functions here take plain inputs, check them, and run their writes as one
//! transaction.

pub mod accounts;
pub mod auth;
pub mod ballots;
pub mod budgets;
pub mod cycles;
pub mod districts;
pub mod exports;
pub mod municipalities;
pub mod proposals;
pub mod receipts;
pub mod residents;
pub mod scope;
pub mod staff;
pub mod tally;

use crate::error::{ApiError, ApiResult};

/// Runs CPU-heavy work (argon2) on the blocking pool, keeping the caller's tracing span, so
/// it never stalls the async workers.
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(f))
        .await
        .map_err(|_| ApiError::internal("blocking task cancelled"))
}

pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
