//! Throttles for the two doors a stranger can knock at without an account: login and
//! registration. Buckets live in memory: with several instances each enforces its own limit,
//! which still bounds guessing to a small multiple.
//!
//! Login (OWASP's authentication guidance: throttle without letting a stranger lock the owner
//! out) takes, in order, one attempt from the client address's bucket, from the bucket of the
//! (login, address) pair, and from the login's own bucket. The pair's is tight; the login's
//! alone is much larger, and an attempt refused earlier never reaches it: a stranger at one
//! address spends the pair's budget, not the owner's, and draining the login's bucket takes
//! many addresses each limited by its pair. The owner, from their own address, still gets in.
//!
//! Registration answers whether a national ID is already registered, so it is throttled per
//! address and per ID (by its keyed hash, never the clear ID), both per hour.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitSettings;

/// Forget idle buckets once a map holds this many keys, so memory stays bounded.
const RETAIN_ABOVE: usize = 10_000;

/// One keyed token bucket per key; `check` takes one token.
struct Buckets {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Buckets {
    fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds)` says how long to wait.
    fn check(&self, key: &str) -> Result<(), u64> {
        if self.limiter.len() > RETAIN_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_string())
            .map_err(|not_until| round_up_secs(not_until.wait_time_from(self.clock.now())))
    }
}

pub struct LoginLimiter {
    per_ip: Buckets,
    per_pair: Buckets,
    per_identifier: Buckets,
}

impl LoginLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: Buckets::new(per_minute(
                settings.login_per_ip_per_minute,
                settings.login_per_ip_burst,
            )),
            per_pair: Buckets::new(per_minute(
                settings.login_per_pair_per_minute,
                settings.login_per_pair_burst,
            )),
            per_identifier: Buckets::new(per_minute(
                settings.login_per_identifier_per_minute,
                settings.login_per_identifier_burst,
            )),
        }
    }

    /// Takes one attempt from the address's, the pair's and the login's buckets, stopping
    /// at the first empty one; `Err(seconds)` says how long to wait.
    pub fn check(&self, ip: &str, identifier: &str) -> Result<(), u64> {
        self.per_ip.check(ip)?;
        // The address cannot contain a newline, so the pair key is unambiguous.
        self.per_pair.check(&format!("{ip}\n{identifier}"))?;
        self.per_identifier.check(identifier)
    }
}

pub struct RegistrationLimiter {
    per_ip: Buckets,
    per_id: Buckets,
}

impl RegistrationLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: Buckets::new(per_hour(
                settings.registration_per_ip_per_hour,
                settings.registration_per_ip_burst,
            )),
            per_id: Buckets::new(per_hour(
                settings.registration_per_id_per_hour,
                settings.registration_per_id_burst,
            )),
        }
    }

    /// One registration attempt from `ip`, before anything is read or checked.
    pub fn check_address(&self, ip: &str) -> Result<(), u64> {
        self.per_ip.check(ip)
    }

    /// One registration attempt of the person whose ID has this keyed hash.
    pub fn check_person(&self, national_id_hash: &str) -> Result<(), u64> {
        self.per_id.check(national_id_hash)
    }
}

fn per_minute(per_minute: u32, burst: u32) -> Quota {
    Quota::per_minute(at_least_one(per_minute)).allow_burst(at_least_one(burst))
}

fn per_hour(per_hour: u32, burst: u32) -> Quota {
    Quota::per_hour(at_least_one(per_hour)).allow_burst(at_least_one(burst))
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("at least one")
}

fn round_up_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn an_identifier_is_throttled_across_addresses() {
        let limiter = LoginLimiter::new(&settings(100, 100, 2));
        assert!(limiter.check("10.0.0.1", "ankara:a@x").is_ok());
        assert!(limiter.check("10.0.0.2", "ankara:a@x").is_ok());
        let wait = limiter.check("10.0.0.3", "ankara:a@x").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check("10.0.0.3", "ankara:b@x").is_ok());
    }

    #[test]
    fn an_address_is_throttled_across_identifiers() {
        let limiter = LoginLimiter::new(&settings(2, 100, 100));
        assert!(limiter.check("10.0.0.1", "a").is_ok());
        assert!(limiter.check("10.0.0.1", "b").is_ok());
        assert!(limiter.check("10.0.0.1", "c").is_err());
        assert!(limiter.check("10.0.0.2", "c").is_ok());
    }

    #[test]
    fn a_stranger_spends_the_pair_budget_not_the_owners() {
        let limiter = LoginLimiter::new(&settings(100, 2, 4));
        for _ in 0..2 {
            assert!(limiter.check("10.0.0.66", "ankara:a@x").is_ok());
        }
        // Refused at the pair: these never reach the login's own bucket.
        for _ in 0..50 {
            assert!(limiter.check("10.0.0.66", "ankara:a@x").is_err());
        }
        assert!(limiter.check("10.0.0.1", "ankara:a@x").is_ok());
        assert!(limiter.check("10.0.0.1", "ankara:a@x").is_ok());
    }

    #[test]
    fn registration_is_throttled_per_address_and_per_person() {
        let limiter = RegistrationLimiter::new(&settings(1, 1, 1));
        assert!(limiter.check_address("10.0.0.1").is_ok());
        assert!(limiter.check_address("10.0.0.1").is_ok());
        let wait = limiter.check_address("10.0.0.1").unwrap_err();
        assert!((1..=3600).contains(&wait));
        assert!(limiter.check_person("hash-a").is_ok());
        assert!(limiter.check_person("hash-a").is_err());
        assert!(limiter.check_person("hash-b").is_ok());
    }
}
