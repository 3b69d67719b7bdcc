//! Authentication: password policy and hashing, access tokens (JWT), refresh tokens, login
//! throttling (all pure and synchronous), and the request extractors that authorise callers.

pub mod extract;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod refresh;
