//! Authentication building blocks: password policy and hashing, access tokens (JWT) and
//! refresh tokens. Pure and synchronous: no database, no HTTP; the service runs the slow parts
//! (argon2) on a blocking thread.

pub mod jwt;
pub mod password;
pub mod refresh;
