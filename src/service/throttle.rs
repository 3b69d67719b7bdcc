//! Takes an attempt from the throttles' buckets (which buckets: `auth::rate_limit`; how they are
//! stored: `db::throttles`). Every instance on one database shares them.

use crate::auth::rate_limit::Bucket;
use crate::db::{throttles, Db, DbError};
use crate::domain::Pepper;
use crate::service::{now, Error, Result};

/// Takes one attempt from each bucket in order, in one transaction, stopping at the first that
/// refuses (those before it keep the attempt, as a stranger's refused tries must cost them):
/// `too_many_requests` with the wait in seconds. Fails closed: if the database cannot answer,
/// the attempt is refused with `database_unavailable`, never let through unthrottled.
pub async fn take(db: &Db, pepper: &Pepper, buckets: Vec<Bucket>) -> Result<()> {
    // Addresses and logins are personal data: the table holds only their keyed hashes.
    let keyed: Vec<_> = buckets
        .into_iter()
        .map(|b| (pepper.mac(&[b"throttle:", b.key.as_bytes()]), b.shape))
        .collect();
    let wait_ms = db
        .write(move |conn| -> std::result::Result<Option<i64>, DbError> {
            let at = now_ms();
            for (key, shape) in &keyed {
                if let Some(wait) = throttles::take(conn, key, *shape, at)? {
                    return Ok(Some(wait));
                }
            }
            Ok(None)
        })
        .await
        .map_err(Error::database_unavailable)?;
    match wait_ms {
        None => Ok(()),
        Some(ms) => Err(Error::too_many_requests(
            ms.max(1).unsigned_abs().div_ceil(1000),
        )),
    }
}

/// Forgets the buckets that are full again (see [`throttles::forget_full`]); run by the
/// scheduler's tick.
pub async fn forget_full(db: &Db) -> Result<usize> {
    db.write(|conn| throttles::forget_full(conn, now_ms()).map_err(Error::from))
        .await
}

fn now_ms() -> i64 {
    now().and_utc().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::rate_limit::{LoginLimiter, RegistrationLimiter};
    use crate::config::RateLimitSettings;

    fn settings(ip_burst: u32, pair_burst: u32, id_burst: u32) -> RateLimitSettings {
        RateLimitSettings {
            login_per_ip_per_minute: 1,
            login_per_ip_burst: ip_burst,
            login_per_pair_per_minute: 1,
            login_per_pair_burst: pair_burst,
            login_per_identifier_per_minute: 1,
            login_per_identifier_burst: id_burst,
            registration_per_ip_per_hour: 1,
            registration_per_ip_burst: 2,
            registration_per_id_per_hour: 1,
            registration_per_id_burst: 1,
        }
    }

    fn database(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 2).expect("the pool");
        db.migrate().expect("migrations");
        db
    }

    fn pepper() -> Pepper {
        Pepper::new([9u8; 32]).expect("a long pepper")
    }

    fn wait(result: Result<()>) -> u64 {
        match result {
            Err(Error::TooManyRequests { retry_after_secs }) => retry_after_secs,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    async fn login(db: &Db, limiter: &LoginLimiter, ip: &str, id: &str) -> Result<()> {
        take(db, &pepper(), limiter.buckets(ip, id)).await
    }

    #[tokio::test]
    async fn an_identifier_is_throttled_across_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let limiter = LoginLimiter::new(&settings(100, 100, 2));
        assert!(login(&db, &limiter, "10.0.0.1", "ankara:a@x").await.is_ok());
        assert!(login(&db, &limiter, "10.0.0.2", "ankara:a@x").await.is_ok());
        let w = wait(login(&db, &limiter, "10.0.0.3", "ankara:a@x").await);
        assert!((1..=60).contains(&w), "{w}");
        assert!(login(&db, &limiter, "10.0.0.3", "ankara:b@x").await.is_ok());
    }

    #[tokio::test]
    async fn an_address_is_throttled_across_identifiers() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let limiter = LoginLimiter::new(&settings(2, 100, 100));
        assert!(login(&db, &limiter, "10.0.0.1", "a").await.is_ok());
        assert!(login(&db, &limiter, "10.0.0.1", "b").await.is_ok());
        assert!(login(&db, &limiter, "10.0.0.1", "c").await.is_err());
        assert!(login(&db, &limiter, "10.0.0.2", "c").await.is_ok());
    }

    #[tokio::test]
    async fn a_stranger_spends_the_pair_budget_not_the_owners() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let limiter = LoginLimiter::new(&settings(100, 2, 4));
        for _ in 0..2 {
            assert!(login(&db, &limiter, "10.0.0.66", "ankara:a@x")
                .await
                .is_ok());
        }
        // Refused at the pair: these never reach the login's own bucket.
        for _ in 0..20 {
            assert!(login(&db, &limiter, "10.0.0.66", "ankara:a@x")
                .await
                .is_err());
        }
        assert!(login(&db, &limiter, "10.0.0.1", "ankara:a@x").await.is_ok());
        assert!(login(&db, &limiter, "10.0.0.1", "ankara:a@x").await.is_ok());
    }

    #[tokio::test]
    async fn registration_is_throttled_per_address_and_per_person() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let limiter = RegistrationLimiter::new(&settings(1, 1, 1));
        let p = pepper();
        assert!(take(&db, &p, limiter.address("10.0.0.1")).await.is_ok());
        assert!(take(&db, &p, limiter.address("10.0.0.1")).await.is_ok());
        let w = wait(take(&db, &p, limiter.address("10.0.0.1")).await);
        assert!((1..=3600).contains(&w), "{w}");
        assert!(take(&db, &p, limiter.person("hash-a")).await.is_ok());
        assert!(take(&db, &p, limiter.person("hash-a")).await.is_err());
        assert!(take(&db, &p, limiter.person("hash-b")).await.is_ok());
    }

    /// Two pools on one file are two instances: racing on one key, exactly the burst passes.
    #[tokio::test]
    async fn two_instances_racing_share_one_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (database(&dir), database(&dir));
        let limiter = std::sync::Arc::new(LoginLimiter::new(&settings(5, 100, 100)));
        let tries = (0..20).map(|i| {
            let db = if i % 2 == 0 { a.clone() } else { b.clone() };
            let limiter = limiter.clone();
            async move { login(&db, &limiter, "10.0.0.9", &format!("x{i}")).await }
        });
        let passed = futures_util::future::join_all(tries)
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
        assert_eq!(passed, 5);
    }

    #[tokio::test]
    async fn keys_are_stored_hashed_and_full_buckets_are_forgotten() {
        use diesel::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let limiter = LoginLimiter::new(&settings(5, 5, 5));
        login(&db, &limiter, "10.0.0.1", "someone@example.org")
            .await
            .unwrap();
        let keys: Vec<String> = db
            .read(|conn| {
                crate::db::schema::throttles::table
                    .select(crate::db::schema::throttles::key)
                    .load(conn)
                    .map_err(Error::from)
            })
            .await
            .unwrap();
        assert_eq!(keys.len(), 3);
        assert!(keys
            .iter()
            .all(|k| k.len() == 64 && !k.contains("10.0.0") && !k.contains("someone")));
        // Nothing is full yet (each bucket moved a minute on).
        assert_eq!(forget_full(&db).await.unwrap(), 0);
        let forgotten = db
            .write(|conn| throttles::forget_full(conn, now_ms() + 3_600_000).map_err(Error::from))
            .await
            .unwrap();
        assert_eq!(forgotten, 3);
    }
}
