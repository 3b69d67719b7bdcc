//! Login throttling: one token bucket per client address and one per login identifier
//! (municipality + e-mail or ID), so that neither one address trying many accounts nor many
//! addresses trying one account get far. Buckets live in memory: with several instances
//! each enforces its own limit, which still bounds guessing to a small multiple.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitSettings;

pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_identifier: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

/// Forget idle buckets once the maps hold this many keys, so memory stays bounded.
const RETAIN_ABOVE: usize = 10_000;

impl LoginLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(
                settings.login_per_ip_per_minute,
                settings.login_per_ip_burst,
            )),
            per_identifier: RateLimiter::keyed(quota(
                settings.login_per_identifier_per_minute,
                settings.login_per_identifier_burst,
            )),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt from both buckets; `Err(seconds)` says how long to wait.
    pub fn check(&self, ip: &str, identifier: &str) -> Result<(), u64> {
        for (limiter, key) in [(&self.per_ip, ip), (&self.per_identifier, identifier)] {
            if limiter.len() > RETAIN_ABOVE {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key.to_string()) {
                let wait = not_until.wait_time_from(self.clock.now());
                return Err(round_up_secs(wait));
            }
        }
        Ok(())
    }
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least one");
    let burst = NonZeroU32::new(burst.max(1)).expect("at least one");
    Quota::per_minute(per_minute).allow_burst(burst)
}

fn round_up_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(ip_burst: u32, id_burst: u32) -> LoginLimiter {
        LoginLimiter::new(&RateLimitSettings {
            login_per_ip_per_minute: 1,
            login_per_ip_burst: ip_burst,
            login_per_identifier_per_minute: 1,
            login_per_identifier_burst: id_burst,
        })
    }

    #[test]
    fn an_identifier_is_throttled_across_addresses() {
        let limiter = limiter(100, 2);
        assert!(limiter.check("10.0.0.1", "ankara:a@x").is_ok());
        assert!(limiter.check("10.0.0.2", "ankara:a@x").is_ok());
        let wait = limiter.check("10.0.0.3", "ankara:a@x").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check("10.0.0.3", "ankara:b@x").is_ok());
    }

    #[test]
    fn an_address_is_throttled_across_identifiers() {
        let limiter = limiter(2, 100);
        assert!(limiter.check("10.0.0.1", "a").is_ok());
        assert!(limiter.check("10.0.0.1", "b").is_ok());
        assert!(limiter.check("10.0.0.1", "c").is_err());
        assert!(limiter.check("10.0.0.2", "c").is_ok());
    }
}
