//! Throttles for the two doors a stranger can knock at without an account: login and
//! registration. This module says which buckets an attempt takes from and their shapes; the
//! buckets themselves live in the database (`db::throttles`, taken by `service::throttle`), so
//! every instance on one database enforces one limit.
//!
//! Login (OWASP's authentication guidance: throttle without letting a stranger lock the owner
//! out) takes, in order, one attempt from the client address's bucket, from the bucket of the
//! (login, address) pair, and from the login's own bucket. The pair's is tight; the login's
//! alone is much larger, and an attempt refused earlier never reaches it: a stranger at one
//! address spends the pair's budget, not the owner's, and draining the login's bucket takes
//! many addresses each limited by its pair. The owner, from their own address, still gets in.
//!
//! Changing a password checks the current one, so it takes from a bucket of its own per
//! account, shaped like the login's.
//!
//! Registration answers whether a national ID is already registered, so it is throttled per
//! address and per ID (by its keyed hash, never the clear ID), both per hour.
//!
//! A bucket's key here is in clear (an address, a login's keyed hash); it is hashed with the
//! server's pepper before it is stored, since addresses are personal data.

use crate::config::{CodeLimitSettings, RateLimitSettings};
use crate::db::throttles::Shape;

/// One bucket an attempt takes from: its key (kind, then value) and its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub shape: Shape,
}

impl Bucket {
    // A kind never contains a newline, so `kind\nvalue` keys of two kinds never meet.
    fn new(kind: &str, value: &str, shape: Shape) -> Self {
        Self {
            key: format!("{kind}\n{value}"),
            shape,
        }
    }
}

pub struct LoginLimiter {
    per_ip: Shape,
    per_pair: Shape,
    per_identifier: Shape,
}

impl LoginLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: per_minute(
                settings.login_per_ip_per_minute,
                settings.login_per_ip_burst,
            ),
            per_pair: per_minute(
                settings.login_per_pair_per_minute,
                settings.login_per_pair_burst,
            ),
            per_identifier: per_minute(
                settings.login_per_identifier_per_minute,
                settings.login_per_identifier_burst,
            ),
        }
    }

    /// The address's, the pair's and the login's buckets, in the order they are taken from.
    pub fn buckets(&self, ip: &str, identifier: &str) -> Vec<Bucket> {
        vec![
            Bucket::new("login-ip", ip, self.per_ip),
            // The address cannot contain a newline, so the pair key is unambiguous.
            Bucket::new("login-pair", &format!("{ip}\n{identifier}"), self.per_pair),
            Bucket::new("login-id", identifier, self.per_identifier),
        ]
    }
    /// The bucket of an account's password changes: the current password is checked there as
    /// at login, so a stolen session must not guess it faster than a login could. Shaped like
    /// a login's own bucket, keyed by the account (the caller is known, no address needed).
    pub fn password_change(&self, account_id: &str) -> Vec<Bucket> {
        vec![Bucket::new(
            "password-change",
            account_id,
            self.per_identifier,
        )]
    }

    /// The bucket of sign-ins started through an identity provider from `ip`: each stores a
    /// pending request, so an address may start no more than it may try logins.
    pub fn provider_start(&self, ip: &str) -> Vec<Bucket> {
        vec![Bucket::new("provider-start-ip", ip, self.per_ip)]
    }
}

pub struct RegistrationLimiter {
    per_ip: Shape,
    per_id: Shape,
}

impl RegistrationLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: per_hour(
                settings.registration_per_ip_per_hour,
                settings.registration_per_ip_burst,
            ),
            per_id: per_hour(
                settings.registration_per_id_per_hour,
                settings.registration_per_id_burst,
            ),
        }
    }

    /// The bucket of registration attempts from `ip`, taken before anything is read.
    pub fn address(&self, ip: &str) -> Vec<Bucket> {
        vec![Bucket::new("registration-ip", ip, self.per_ip)]
    }

    /// The bucket of the person whose ID has this keyed hash.
    pub fn person(&self, national_id_hash: &str) -> Vec<Bucket> {
        vec![Bucket::new(
            "registration-id",
            national_id_hash,
            self.per_id,
        )]
    }
}

/// Password-recovery requests: each may send an e-mail to someone, so they are throttled per
/// client address and per e-mail address asked about (by its keyed hash), both per hour. The
/// answer is the same whether or not the address is registered, and so is the throttle.
pub struct RecoveryLimiter {
    per_ip: Shape,
    per_email: Shape,
}

impl RecoveryLimiter {
    pub fn new(settings: &crate::config::RecoverySettings) -> Self {
        Self {
            per_ip: per_hour(settings.per_ip_per_hour, settings.per_ip_burst),
            per_email: per_hour(settings.per_email_per_hour, settings.per_email_burst),
        }
    }

    /// The address's bucket, then the e-mail address's (`email_key`: tenant and address).
    pub fn buckets(&self, ip: &str, email_key: &str) -> Vec<Bucket> {
        vec![
            Bucket::new("recovery-ip", ip, self.per_ip),
            Bucket::new("recovery-email", email_key, self.per_email),
        ]
    }

    /// The bucket of an admin's resent invitations to one staff account (`account_key`: tenant
    /// and account): each sends its address an e-mail, so it has the e-mail address's shape.
    pub fn invitation(&self, account_key: &str) -> Vec<Bucket> {
        vec![Bucket::new(
            "invitation-resend",
            account_key,
            self.per_email,
        )]
    }
}

/// Typed one-time codes (a letter code, a counter reset code): 50 bits are safe only while
/// guesses are few, so attempts are taken per person (the account, or the national ID's keyed
/// hash) and, where anyone may try, per address first.
pub struct CodeLimiter {
    per_person: Shape,
    per_ip: Shape,
    email_sends: Shape,
}

impl CodeLimiter {
    pub fn new(settings: &CodeLimitSettings) -> Self {
        Self {
            per_person: per_hour(settings.per_person_per_hour, settings.per_person_burst),
            per_ip: per_hour(settings.per_ip_per_hour, settings.per_ip_burst),
            email_sends: per_hour(settings.email_sends_per_hour, settings.email_sends_burst),
        }
    }

    /// The bucket of a logged-in resident's attempts at the code e-mailed to them.
    pub fn email_code(&self, account_id: &str) -> Vec<Bucket> {
        vec![Bucket::new("email-code", account_id, self.per_person)]
    }

    /// The bucket of e-mail codes sent to a resident's address, taken before one is drawn.
    pub fn email_code_sends(&self, account_id: &str) -> Vec<Bucket> {
        vec![Bucket::new("email-code-send", account_id, self.email_sends)]
    }

    /// The bucket of a logged-in resident's attempts at their letter code.
    pub fn letter(&self, account_id: &str) -> Vec<Bucket> {
        vec![Bucket::new("letter-code", account_id, self.per_person)]
    }

    /// The bucket of counter reset attempts from `ip`, taken before anything is read.
    pub fn counter_address(&self, ip: &str) -> Vec<Bucket> {
        vec![Bucket::new("counter-reset-ip", ip, self.per_ip)]
    }

    /// The bucket of counter reset attempts with the national ID of this keyed hash.
    pub fn counter_person(&self, national_id_hash: &str) -> Vec<Bucket> {
        vec![Bucket::new(
            "counter-reset-id",
            national_id_hash,
            self.per_person,
        )]
    }
}

fn per_minute(per_minute: u32, burst: u32) -> Shape {
    shape(60_000, per_minute, burst)
}

fn per_hour(per_hour: u32, burst: u32) -> Shape {
    shape(3_600_000, per_hour, burst)
}

/// `count` attempts per `period_ms`, `burst` at once (each at least one), as GCRA's emission
/// interval and tolerance.
fn shape(period_ms: i64, count: u32, burst: u32) -> Shape {
    let interval_ms = (period_ms / i64::from(count.max(1))).max(1);
    Shape {
        interval_ms,
        tolerance_ms: interval_ms * (i64::from(burst.max(1)) - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_becomes_an_interval_and_a_burst_credit() {
        assert_eq!(
            per_minute(5, 3),
            Shape {
                interval_ms: 12_000,
                tolerance_ms: 24_000
            }
        );
        assert_eq!(per_hour(0, 0).tolerance_ms, 0);
        assert_eq!(per_hour(0, 0).interval_ms, 3_600_000);
    }

    #[test]
    fn login_takes_the_address_then_the_pair_then_the_login() {
        let settings = crate::config::Settings::default().rate_limit;
        let keys: Vec<String> = LoginLimiter::new(&settings)
            .buckets("10.0.0.1", "mac")
            .into_iter()
            .map(|b| b.key)
            .collect();
        assert_eq!(
            keys,
            [
                "login-ip\n10.0.0.1",
                "login-pair\n10.0.0.1\nmac",
                "login-id\nmac"
            ]
        );
    }
}
