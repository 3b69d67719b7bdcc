//! The server-side key that IDs are hashed with.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use thiserror::Error;

/// The server-side secret key of [`NationalId::keyed_hash`]. Kept outside the database: with
/// it, the 10^9–10^11 possible IDs of a scheme could be hashed and matched in seconds.
#[derive(Clone)]
pub struct Pepper(pub(super) Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PepperError {
    #[error("the national-ID pepper must be at least {MIN_PEPPER_BYTES} bytes (got {0})")]
    TooShort(usize),
}

/// 256 bits, the output size of SHA-256: a shorter key would be the weakest link.
pub const MIN_PEPPER_BYTES: usize = 32;

impl Pepper {
    /// `hex(HMAC-SHA256(pepper, part₁ ‖ part₂ ‖ …))`: keyed hashes of other values derived
    /// from an ID (a voter's key in one budget), so that they too mean nothing without the
    /// pepper.
    pub fn mac(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        for part in parts {
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, PepperError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_PEPPER_BYTES {
            return Err(PepperError::TooShort(bytes.len()));
        }
        Ok(Pepper(bytes))
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    // ---- hashing and secrecy ----

    fn pepper() -> Pepper {
        Pepper::new([7u8; 32]).unwrap()
    }

    #[test]
    fn keyed_hash_is_hmac_of_scheme_and_normalised_id() {
        let id = ok(TrTckn, "100 000 001 46");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"tr_tckn:10000000146");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(id.keyed_hash(&pepper()), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn keyed_hash_depends_on_pepper_and_scheme() {
        let a = ok(Generic, "10000000146").keyed_hash(&pepper());
        let b = ok(TrTckn, "10000000146").keyed_hash(&pepper());
        let c = ok(TrTckn, "10000000146").keyed_hash(&Pepper::new([8u8; 32]).unwrap());
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_eq!(
            ok(AzFin, "5gxm4dz").keyed_hash(&pepper()),
            ok(AzFin, "5GXM4DZ").keyed_hash(&pepper())
        );
    }

    #[test]
    fn short_peppers_are_refused() {
        assert_eq!(
            Pepper::new(vec![0; 31]).unwrap_err(),
            PepperError::TooShort(31)
        );
        assert_eq!(format!("{:?}", pepper()), "Pepper(<redacted>)");
    }
}
