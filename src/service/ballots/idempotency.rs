//! A retry's first reply: sealed under the cycle's ballot key, found by a keyed hash that names
//! nobody, and kept only for a few hours.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{NaiveDateTime, TimeDelta};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::Pepper;
use crate::service::{Error, Result};

/// When a stored reply expires: `ttl` after the ballot, rounded up to the next full hour so
/// that the value is shared by the hour's ballots.
pub(super) fn expiry(at: NaiveDateTime, ttl: TimeDelta) -> NaiveDateTime {
    use chrono::Timelike;
    let hour = at.date().and_hms_opt(at.hour(), 0, 0).unwrap_or(at);
    hour + TimeDelta::hours(1) + ttl
}

/// The first reply to a request, as sealed in `idempotency_keys`.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredReply {
    /// SHA-256 of what was asked, so a reused key with another request is refused.
    pub(super) request_hash: String,
    pub(super) status: u16,
    pub(super) body: String,
}

/// Where a voter's retry finds its first reply, and the key that seals it.
pub(super) struct ReplyKey {
    /// `HMAC(pepper, voter key ‖ client key)`: the row's key, naming nobody.
    pub(super) mac: String,
    seal: Key,
}

impl ReplyKey {
    pub(super) fn new(
        pepper: &Pepper,
        ballot_key: &str,
        voter_key: &str,
        client_key: &str,
    ) -> Self {
        let mac = pepper.mac(&[
            b"idempotency:",
            voter_key.as_bytes(),
            b":",
            client_key.as_bytes(),
        ]);
        // Once the ballot key is destroyed (publication) even the pepper cannot open a reply.
        let seal = pepper.mac(&[b"idempotency-seal:", ballot_key.as_bytes()]);
        let mut key = Key::default();
        hex::decode_to_slice(seal, &mut key).expect("a MAC is 32 bytes of hex");
        ReplyKey { mac, seal: key }
    }

    pub(super) fn seal(&self, reply: &StoredReply) -> Result<String> {
        let plain = serde_json::to_vec(reply).map_err(Error::internal)?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.seal)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: self.mac.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("sealing a reply failed"))?;
        Ok(hex::encode([nonce.as_slice(), &sealed].concat()))
    }

    pub(super) fn open(&self, stored: &str) -> Result<StoredReply> {
        let bytes = hex::decode(stored).map_err(Error::internal)?;
        if bytes.len() < 12 {
            return Err(Error::internal("a stored reply is too short"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = ChaCha20Poly1305::new(&self.seal)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: self.mac.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("a stored reply does not open"))?;
        serde_json::from_slice(&plain).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ballots::tests::at;

    #[test]
    fn replies_expire_on_the_hour_after_the_ttl() {
        let ttl = TimeDelta::hours(3);
        assert_eq!(
            expiry(at("2026-12-05 12:34:56.1"), ttl),
            at("2026-12-05 16:00:00")
        );
        // Every ballot of an hour shares the value.
        assert_eq!(
            expiry(at("2026-12-05 12:00:00"), ttl),
            expiry(at("2026-12-05 12:59:59.9"), ttl)
        );
    }

    #[test]
    fn a_sealed_reply_opens_only_under_its_key() {
        let pepper = Pepper::new(vec![7u8; 32]).unwrap();
        let key = ReplyKey::new(&pepper, "ballot-key", "voter", "client-key");
        let sealed = key
            .seal(&StoredReply {
                request_hash: "h".into(),
                status: 201,
                body: "{\"receipt\":\"ABCDE\"}".into(),
            })
            .unwrap();
        assert!(!sealed.contains("ABCDE"));
        let opened = key.open(&sealed).unwrap();
        assert_eq!(
            (opened.status, opened.body.as_str()),
            (201, "{\"receipt\":\"ABCDE\"}")
        );
        // Another ballot key (a new cycle, or none after publication) cannot open it.
        let other = ReplyKey::new(&pepper, "another-ballot-key", "voter", "client-key");
        assert!(other.open(&sealed).is_err());
    }
}
