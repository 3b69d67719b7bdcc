//! Sign-in with a municipality's OpenID Connect provider (issue 19): the admin's
//! configuration (`config`), the authorization-code flow with PKCE, `state` and `nonce`
//! (`flow`), the HTTP client and the provider's keys (`client`), and reading the national ID
//! and the person's details from a checked ID token (`claims`).
//!
//! The national ID a provider vouches for is treated like a typed one: parsed under the
//! municipality's scheme with its check digits, hashed with the pepper, and never stored or
//! logged in clear.

mod accounts;
mod claims;
mod client;
pub mod config;
pub mod flow;

pub use client::Oidc;
pub use config::{ProviderInput, ProviderSettings};
pub use flow::{Callback, Started};

/// The context a municipality's client secret is sealed for (`auth::sealing`).
fn secret_context(municipality_id: &crate::domain::ids::MunicipalityId) -> String {
    format!("oidc-client-secret:{municipality_id}")
}
