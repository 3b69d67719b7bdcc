//! Work that happens because time passes: closing voting at its scheduled instant.
//!
//! Ballots never rely on this job — each checks the scheduled close inside its own
//! transaction — and neither do counts (they write a passed close down themselves first), so
//! a late or missing tick (or several instances ticking at once) can only delay when the
//! stored status catches up, never let a late ballot in or one out of the count.

use std::time::Duration;

use crate::db::Db;
use crate::service::{cycles, one_time_codes, throttle};

/// How often overdue closes are written down.
pub const TICK: Duration = Duration::from_secs(5);

pub async fn run(db: Db, tick: Duration) {
    let mut interval = actix_web::rt::time::interval(tick);
    loop {
        interval.tick().await;
        match cycles::close_overdue(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cycles = n, "closed voting at its scheduled time"),
            Err(err) => tracing::warn!(error = %err, "closing overdue cycles failed"),
        }
        // The throttles' full buckets are forgotten on the same tick, so the table stays small.
        if let Err(err) = throttle::forget_full(&db).await {
            tracing::warn!(error = %err, "forgetting full throttle buckets failed");
        }
        if let Err(err) = one_time_codes::forget_expired(&db).await {
            tracing::warn!(error = %err, "forgetting expired one-time codes failed");
        }
        if let Err(err) = crate::service::oidc::flow::forget_expired(&db).await {
            tracing::warn!(error = %err, "forgetting unfinished provider sign-ins failed");
        }
    }
}
