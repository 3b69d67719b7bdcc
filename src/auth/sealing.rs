//! Sealing: secrets the service must read back later, encrypted at rest.
//!
//! Hashes serve for what the service only compares (passwords, refresh tokens, one-time
//! codes). A few secrets must be read back in clear: an identity provider's client secret
//! (sent to the provider at every sign-in) and a queued e-mail whose body carries a recovery
//! link until it is sent. Those are stored sealed: XChaCha20-Poly1305 under a key derived from
//! the server's `signing_secret`, which lives outside the database like every other server
//! secret. Someone who reads the whole database learns neither.
//!
//! Each sealed value is bound to a `context` (its purpose and owner, e.g.
//! `"oidc-client-secret:<municipality id>"`) as associated data, so a value cut from one row
//! and pasted into another fails to open instead of being used in the wrong place.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Domain separation: the sealing key never equals any other key derived from the secret.
const LABEL: &[u8] = b"kurultai/sealing-key/v1\0";
/// The version prefix of every sealed value, so a later scheme can be told apart.
const PREFIX: &str = "v1.";
const NONCE_BYTES: usize = 24;

/// The key values are sealed with. Deliberately no `Debug`.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

/// A sealed value that does not open: altered, from another context, or sealed under
/// another server secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sealed value does not open (altered, moved, or sealed under another secret)")]
pub struct Unsealable;

impl Sealer {
    /// The sealer whose key is derived from `secret` (the server's `signing_secret`).
    pub fn new(secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(LABEL);
        let key = mac.finalize().into_bytes();
        Self {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// `plaintext` sealed for `context`: `v1.` and the base64url of a random 192-bit nonce
    /// followed by the ciphertext and its tag. Random nonces of this size never repeat in
    /// practice, so one key seals any number of values.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length a request can carry");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", BASE64.encode(out))
    }

    /// The plaintext of a value [`seal`](Self::seal)ed for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, Unsealable> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| BASE64.decode(b).ok())
            .filter(|b| b.len() > NONCE_BYTES)
            .ok_or(Unsealable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Unsealable)
    }

    /// [`open`](Self::open) for text sealed from a `&str`.
    pub fn open_text(&self, sealed: &str, context: &str) -> Result<String, Unsealable> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&[9u8; 32])
    }

    #[test]
    fn a_sealed_value_opens_in_its_own_context_only() {
        let s = sealer();
        let sealed = s.seal(b"client-secret-123", "oidc-client-secret:m1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("client-secret-123"));
        assert_eq!(
            s.open_text(&sealed, "oidc-client-secret:m1").unwrap(),
            "client-secret-123"
        );
        assert_eq!(s.open(&sealed, "oidc-client-secret:m2"), Err(Unsealable));
        assert_eq!(s.open(&sealed, "outbox"), Err(Unsealable));
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let s = sealer();
        assert_ne!(s.seal(b"x", "c"), s.seal(b"x", "c"));
    }

    #[test]
    fn another_secret_or_an_altered_value_does_not_open() {
        let sealed = sealer().seal(b"secret", "c");
        assert_eq!(Sealer::new(&[8u8; 32]).open(&sealed, "c"), Err(Unsealable));
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(sealer().open(&altered, "c"), Err(Unsealable));
        for junk in ["", "v1.", "v1.AAAA", "v2.abc", "not sealed", "v1.!!!"] {
            assert_eq!(sealer().open(junk, "c"), Err(Unsealable), "{junk:?}");
        }
    }

    #[test]
    fn an_empty_value_seals_and_opens() {
        let s = sealer();
        assert_eq!(s.open(&s.seal(b"", "c"), "c").unwrap(), b"");
    }
}
