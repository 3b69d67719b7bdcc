//! The throttles' buckets, shared by every instance (rules in `auth::rate_limit`).
//!
//! A bucket is a GCRA "theoretical arrival time" (`tat`, milliseconds since the Unix epoch):
//! an attempt at `now` passes when `tat - now` is within the bucket's tolerance, and then moves
//! `tat` one interval on from `max(tat, now)`. One `INSERT … ON CONFLICT … DO UPDATE …
//! RETURNING` decides and records an attempt, so two instances racing on one key are
//! serialised by the row: both cannot pass on the last token.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::throttles;
use super::DbConn;

/// One bucket's shape: an attempt every `interval_ms` on average, and `tolerance_ms` of
/// credit (`interval × (burst − 1)`) for a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub interval_ms: i64,
    pub tolerance_ms: i64,
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = BigInt)]
    tat: i64,
    #[diesel(sql_type = Integer)]
    refused: i32,
}

/// The same statement on both backends (SQLite ≥ 3.35 has `RETURNING`; `$n` names a
/// parameter there too, numbered by its first appearance). The `SET` expressions read the
/// row as it was before the update.
const TAKE: &str = "INSERT INTO throttles (key, tat, refused) VALUES ($1, $2 + $3, 0) \
     ON CONFLICT (key) DO UPDATE SET \
       refused = CASE WHEN throttles.tat - $2 > $4 THEN 1 ELSE 0 END, \
       tat = CASE WHEN throttles.tat - $2 > $4 THEN throttles.tat \
                  WHEN throttles.tat > $2 THEN throttles.tat + $3 \
                  ELSE $2 + $3 END \
     RETURNING tat, refused";

/// Takes one attempt from the bucket `key` at `now_ms`: `Ok(None)` if it passes,
/// `Ok(Some(ms))` with the wait before one would.
pub fn take(conn: &mut DbConn, key: &str, shape: Shape, now_ms: i64) -> QueryResult<Option<i64>> {
    let query = diesel::sql_query(TAKE)
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(now_ms)
        .bind::<BigInt, _>(shape.interval_ms)
        .bind::<BigInt, _>(shape.tolerance_ms);
    // The multi-backend connection runs no raw query with binds; each backend runs it itself.
    let taken: Taken = match conn {
        DbConn::Sqlite(c) => query.get_result(c),
        DbConn::Postgresql(c) => query.get_result(c),
    }?;
    Ok((taken.refused != 0).then(|| (taken.tat - now_ms - shape.tolerance_ms).max(1)))
}

/// Forgets buckets that are full again (`tat` passed): the same as no row, so no answer
/// changes, and the table holds only the buckets of recent attempts.
pub fn forget_full(conn: &mut DbConn, now_ms: i64) -> QueryResult<usize> {
    diesel::delete(throttles::table.filter(throttles::tat.lt(now_ms))).execute(conn)
}
