//! The HS256 keys tokens are signed with, and the ring that rotates them.

use super::{JwtError, MIN_SECRET_BYTES};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// One HS256 key with its id. `Debug` shows only the id.
#[derive(Clone)]
pub struct SigningKey {
    pub(super) kid: String,
    pub(super) secret: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A key with an explicit id: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let kid = kid.into();
        let secret = secret.into();
        let kid_ok = (1..=64).contains(&kid.len())
            && kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !kid_ok {
            return Err(JwtError::Key(
                "key id must be 1-64 of A-Z a-z 0-9 . _ -".into(),
            ));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(JwtError::Key(format!(
                "secret must be at least {MIN_SECRET_BYTES} bytes, got {}",
                secret.len()
            )));
        }
        Ok(SigningKey { kid, secret })
    }

    /// A key whose id is derived from the secret (first 16 hex digits of a domain-separated
    /// SHA-256), so a configuration can list bare secrets and still get stable, distinct ids.
    /// The id reveals nothing usable about a 256-bit secret.
    pub fn from_secret(secret: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let secret = secret.into();
        let mut h = Sha256::new();
        h.update(b"kurultai jwt kid\0");
        h.update(&secret);
        let kid = hex::encode(&h.finalize()[..8]);
        SigningKey::new(kid, secret)
    }

    /// A fresh random 256-bit key (for development set-ups and tests).
    pub fn generate() -> Self {
        let mut secret = vec![0u8; MIN_SECRET_BYTES];
        OsRng.fill_bytes(&mut secret);
        SigningKey::from_secret(secret).expect("a generated key is long enough")
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// The current signing key and the older keys still accepted for verification.
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: String,
    keys: HashMap<String, SigningKey>,
}

impl KeyRing {
    pub fn new(current: SigningKey) -> Self {
        let kid = current.kid.clone();
        KeyRing {
            current: kid.clone(),
            keys: HashMap::from([(kid, current)]),
        }
    }

    /// Adds a verification-only key (a previous signing key during rotation).
    pub fn with_previous(mut self, key: SigningKey) -> Result<Self, JwtError> {
        if self.keys.contains_key(&key.kid) {
            return Err(JwtError::Key(format!("duplicate key id {}", key.kid)));
        }
        self.keys.insert(key.kid.clone(), key);
        Ok(self)
    }

    pub fn current_kid(&self) -> &str {
        &self.current
    }

    pub(super) fn current(&self) -> &SigningKey {
        &self.keys[&self.current]
    }

    pub(super) fn get(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.get(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    #[test]
    fn rotation_keeps_old_tokens_valid_until_the_old_key_is_dropped() {
        let old = AccessTokens::new(KeyRing::new(key("2026", 1)), JwtConfig::new(ISS, AUD));
        let old_token = issue(&old);
        let rotated = AccessTokens::new(
            KeyRing::new(key("2027", 2))
                .with_previous(key("2026", 1))
                .unwrap(),
            JwtConfig::new(ISS, AUD),
        );
        assert!(rotated.verify(&old_token, now()).is_ok());
        let new_token = issue(&rotated);
        assert_eq!(payload(&new_token)["iss"], ISS);
        assert!(new_token.split('.').next().is_some());
        assert!(rotated.verify(&new_token, now()).is_ok());
        let dropped = AccessTokens::new(KeyRing::new(key("2027", 2)), JwtConfig::new(ISS, AUD));
        assert_eq!(
            dropped.verify(&old_token, now()).unwrap_err(),
            JwtError::UnknownKey
        );
        assert!(dropped.verify(&new_token, now()).is_ok());
    }

    #[test]
    fn key_rules() {
        assert!(SigningKey::new("k", vec![0; 31]).is_err());
        assert!(SigningKey::new("", vec![0; 32]).is_err());
        assert!(SigningKey::new("k id", vec![0; 32]).is_err());
        assert!(SigningKey::new("a".repeat(65), vec![0; 32]).is_err());
        let k = SigningKey::from_secret(vec![5; 32]).unwrap();
        assert_eq!(k.kid().len(), 16);
        assert_eq!(k.kid(), SigningKey::from_secret(vec![5; 32]).unwrap().kid());
        assert_ne!(k.kid(), SigningKey::from_secret(vec![6; 32]).unwrap().kid());
        assert_ne!(SigningKey::generate().kid(), SigningKey::generate().kid());
        assert!(!format!("{k:?}").contains("5, 5"));
        assert!(KeyRing::new(key("a", 1))
            .with_previous(key("a", 2))
            .is_err());
    }
}
