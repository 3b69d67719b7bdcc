//! Opaque refresh tokens: 256 random bits from the operating system, handed to the client as
//! URL-safe base64 and stored only as a SHA-256 hash.
//!
//! An unkeyed hash is enough here, unlike for national IDs: the token space is 2^256, so a
//! stolen table of hashes cannot be reversed by enumeration.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Bytes of randomness in a token.
pub const TOKEN_BYTES: usize = 32;
/// Length of the encoded token: 32 bytes in unpadded base64.
pub const TOKEN_LEN: usize = 43;

/// A freshly generated refresh token. Its `Debug` is redacted; get the text with
/// [`RefreshToken::expose`] only to put it in the response.
pub struct RefreshToken(String);

impl RefreshToken {
    /// 256 bits from the OS random number generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        OsRng.fill_bytes(&mut bytes);
        RefreshToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The token text for the client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value to store: see [`hash`].
    pub fn hash(&self) -> String {
        hash(&self.0)
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// Lower-case hex SHA-256 of the token text: what is stored and looked up.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape of one of ours (43 URL-safe base64 characters decoding to 32
/// bytes). Lets the service answer garbage without a database round trip; a well-shaped token
/// still has to be found by its hash.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && URL_SAFE_NO_PAD
            .decode(token)
            .is_ok_and(|b| b.len() == TOKEN_BYTES)
}

/// Compares two strings in time that depends only on their lengths. Lookups go by hash in the
/// database, so this is for the rare in-memory comparison of secrets (e.g. a stored hash with a
/// computed one).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_are_url_safe_and_256_bits() {
        let t = RefreshToken::generate();
        assert_eq!(t.expose().len(), TOKEN_LEN);
        assert!(t
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(is_well_formed(t.expose()));
    }

    #[test]
    fn tokens_do_not_repeat() {
        let set: HashSet<String> = (0..1000)
            .map(|_| RefreshToken::generate().expose().to_owned())
            .collect();
        assert_eq!(set.len(), 1000);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = RefreshToken::generate();
        assert_eq!(t.hash(), hash(t.expose()));
        assert_eq!(t.hash().len(), 64);
    }

    #[test]
    fn debug_is_redacted() {
        let t = RefreshToken::generate();
        let shown = format!("{t:?}");
        assert!(!shown.contains(t.expose()));
    }

    #[test]
    fn shape_check() {
        assert!(!is_well_formed(""));
        assert!(!is_well_formed(&"A".repeat(42)));
        assert!(!is_well_formed(&"A".repeat(44)));
        assert!(!is_well_formed(&"+".repeat(43)));
        assert!(!is_well_formed(&"é".repeat(21)));
        // 43 characters whose last one carries bits past the 256th is not canonical base64.
        assert!(!is_well_formed(&format!("{}B", "A".repeat(42))));
        assert!(is_well_formed(&"A".repeat(43)));
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(constant_time_eq("", ""));
    }
}
