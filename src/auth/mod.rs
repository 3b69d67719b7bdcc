//! Authentication: password policy and hashing, access tokens (JWT), refresh tokens, the shapes
//! of the login and registration throttles (all pure and synchronous), and the request extractors that authorise callers.

pub mod extract;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod refresh;
pub mod sealing;

use jwt::AccessTokens;
use rate_limit::{CodeLimiter, LoginLimiter, RegistrationLimiter};

/// Token issuing and checking, with the settings they need: built once from the settings
/// (`state.rs`), read by the extractors and handed to the services as a plain value.
pub struct AuthState {
    pub tokens: AccessTokens,
    pub access_ttl_minutes: i64,
    pub refresh_ttl_days: i64,
    pub limiter: LoginLimiter,
    pub registration_limiter: RegistrationLimiter,
    /// Attempts at typed one-time codes.
    pub code_limiter: CodeLimiter,
    pub trust_forwarded_for: bool,
}
