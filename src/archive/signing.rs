//! The municipalities' archive signing keys (Ed25519).
//!
//! A municipality's key is derived from one server secret (`signing_secret`, kept like the
//! token key and the ID pepper: configuration in production, `<data_dir>/secrets/` in
//! development) and the municipality's id: `seed = HMAC-SHA256(secret, LABEL ‖ id)`. So no
//! private key is ever stored, in the database or anywhere else; the same secret always gives
//! a municipality the same key, and one municipality's key says nothing about another's.
//! Rotating the server secret rotates every municipality's key (archives signed before keep
//! verifying against the public key printed in them and published at the time).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Domain separation: the seed of a signing key can never equal any other HMAC we compute.
const LABEL: &[u8] = b"kurultai/archive-signing-key/v1\0";

/// The server secret all municipalities' keys come from. Deliberately no `Debug`.
pub struct ArchiveKeys {
    secret: Vec<u8>,
}

impl ArchiveKeys {
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    /// The municipality's signing key.
    pub fn for_municipality(&self, municipality_id: &str) -> MunicipalityKey {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        mac.update(LABEL);
        mac.update(municipality_id.as_bytes());
        let seed: [u8; 32] = mac.finalize().into_bytes().into();
        MunicipalityKey(SigningKey::from_bytes(&seed))
    }
}

/// One municipality's key pair. Deliberately no `Debug`.
pub struct MunicipalityKey(SigningKey);

impl MunicipalityKey {
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature of `message`, base64.
    pub fn sign(&self, message: &[u8]) -> String {
        BASE64.encode(self.0.sign(message).to_bytes())
    }
}

/// A public key, as published and as given to `kurultai verify --key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a base64 Ed25519 public key (32 bytes)")]
    BadKey,
    #[error("not a base64 Ed25519 signature (64 bytes)")]
    BadSignature,
    #[error("the signature does not match the manifest and this key")]
    Mismatch,
}

impl PublicKey {
    /// Reads the base64 form (standard alphabet, padding optional, surrounding blanks ignored).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim().trim_end_matches('=');
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text)
            .map_err(|_| KeyError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadKey)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| KeyError::BadKey)
    }

    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.as_bytes())
    }

    /// A short name for the key: the first 16 hex digits of its SHA-256.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Checks a base64 signature of `message` (strict: no malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &str) -> Result<(), KeyError> {
        let bytes = BASE64
            .decode(signature.trim())
            .map_err(|_| KeyError::BadSignature)?;
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| KeyError::BadSignature)?;
        self.0
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .map_err(|_| KeyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> ArchiveKeys {
        ArchiveKeys::new(vec![7; 32])
    }

    #[test]
    fn a_municipality_keeps_its_key_and_no_two_share_one() {
        let a = keys().for_municipality("a").public();
        assert_eq!(a, keys().for_municipality("a").public());
        assert_ne!(a, keys().for_municipality("b").public());
        assert_ne!(
            a,
            ArchiveKeys::new(vec![8; 32]).for_municipality("a").public()
        );
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let key = keys().for_municipality("a");
        let signature = key.sign(b"manifest");
        let public = PublicKey::parse(&key.public().to_base64()).unwrap();
        assert_eq!(public.verify(b"manifest", &signature), Ok(()));
        assert_eq!(
            public.verify(b"manifesT", &signature),
            Err(KeyError::Mismatch)
        );
        let other = keys().for_municipality("b").public();
        assert_eq!(
            other.verify(b"manifest", &signature),
            Err(KeyError::Mismatch)
        );
        assert_eq!(
            public.verify(b"manifest", "not base64!"),
            Err(KeyError::BadSignature)
        );
        assert_eq!(PublicKey::parse("AAAA"), Err(KeyError::BadKey));
        assert_eq!(public.key_id().len(), 16);
    }
}
