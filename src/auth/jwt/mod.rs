//! Access tokens: short-lived JWTs (RFC 7519) checked as RFC 8725 asks.
//!
//! Algorithm: HS256, pinned. The service is the only party that issues and verifies these
//! tokens, so an asymmetric scheme (EdDSA) would buy nothing but key-format handling; what
//! matters is that the algorithm is fixed by the verifier and never read from the token, that
//! keys are at least 256 bits, and that keys rotate. A token names its key with `kid`; a
//! [`KeyRing`] signs with its current key and still verifies with the previous ones until they
//! are dropped.
//!
//! Verification order: size bound, header (alg exactly HS256 — so `none` and every other
//! algorithm are refused before any key is looked at —, typ `JWT`, no `crit`, a known `kid`),
//! signature, then the claims (`iss`, `aud`, `exp` with a small leeway, `nbf`, `iat`, and role
//! versus municipality).

use jsonwebtoken::Algorithm;
use thiserror::Error;

/// The one algorithm we sign with and accept.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
const ALGORITHM_NAME: &str = "HS256";
/// 256 bits: RFC 7518 §3.2 requires an HS256 key at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Tokens larger than this are refused before any parsing. Ours are about 400 bytes.
const MAX_TOKEN_BYTES: usize = 4096;

/// Why a token was refused or could not be made. Every variant but `Key` and `Signing` is the
/// client's problem and should become a 401 with the code `invalid_token` (the finer code is
/// for logs; telling an attacker which check failed helps only them).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtError {
    #[error("token is not a well-formed JWT")]
    Malformed,
    #[error("token algorithm is not allowed")]
    AlgorithmNotAllowed,
    #[error("token type is not JWT")]
    WrongType,
    #[error("token has critical header parameters we do not understand")]
    UnsupportedCritical,
    #[error("token key id is missing or unknown")]
    UnknownKey,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token issuer is wrong")]
    WrongIssuer,
    #[error("token audience is wrong")]
    WrongAudience,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token role and municipality do not fit together")]
    InconsistentClaims,
    #[error("invalid signing key: {0}")]
    Key(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

impl JwtError {
    /// Stable code, for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            JwtError::Malformed => "token_malformed",
            JwtError::AlgorithmNotAllowed => "token_algorithm_not_allowed",
            JwtError::WrongType => "token_wrong_type",
            JwtError::UnsupportedCritical => "token_unsupported_critical",
            JwtError::UnknownKey => "token_unknown_key",
            JwtError::BadSignature => "token_bad_signature",
            JwtError::WrongIssuer => "token_wrong_issuer",
            JwtError::WrongAudience => "token_wrong_audience",
            JwtError::Expired => "token_expired",
            JwtError::NotYetValid => "token_not_yet_valid",
            JwtError::InconsistentClaims => "token_inconsistent_claims",
            JwtError::Key(_) => "token_key_invalid",
            JwtError::Signing(_) => "token_signing_failed",
        }
    }

    /// Whether this is the server's fault (500) rather than a bad token (401).
    pub fn is_server_error(&self) -> bool {
        matches!(self, JwtError::Key(_) | JwtError::Signing(_))
    }
}

/// Issues and verifies access tokens.
#[derive(Debug, Clone)]
pub struct AccessTokens {
    keys: KeyRing,
    config: JwtConfig,
}

impl AccessTokens {
    pub fn new(keys: KeyRing, config: JwtConfig) -> Self {
        AccessTokens { keys, config }
    }

    pub fn config(&self) -> &JwtConfig {
        &self.config
    }
}

mod claims;
mod issue;
mod keys;
#[cfg(test)]
mod test_support;
mod verify;

use claims::consistent;
pub use claims::{AccessClaims, JwtConfig};
pub use issue::IssuedToken;
pub use keys::{KeyRing, SigningKey};
