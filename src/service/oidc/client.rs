//! The HTTP client that talks to providers, and their signing keys.
//!
//! Keys come from the provider's JWKS and are kept per JWKS address. A provider that rotates
//! its key signs with one the cache does not hold yet: a token naming an unknown key makes the
//! cache fetch the JWKS again, but at most once per [`REFETCH_EVERY`] per address, so tokens
//! with made-up key ids cannot make this server hammer the provider.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{IssuerUrl, JsonWebKeySet};

use crate::service::{Error, Result};

/// How often an unknown key id may make us fetch a provider's JWKS again.
pub const REFETCH_EVERY: Duration = Duration::from_secs(5);
/// How long a provider may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the flow needs from outside the database: the HTTP client, the callback address and
/// the providers' keys.
pub struct Oidc {
    pub(super) http: reqwest::Client,
    redirect_uri: String,
    keys: Mutex<HashMap<String, (CoreJsonWebKeySet, Instant)>>,
}

impl Oidc {
    /// `public_url` is where residents reach this service; the provider sends them back to
    /// `<public_url>/api/v1/auth/oidc/callback`.
    pub fn new(public_url: &str) -> Self {
        let http = reqwest::ClientBuilder::new()
            // openidconnect's advice: a provider's redirect must not lead our server's
            // requests elsewhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            redirect_uri: format!(
                "{}/api/v1/auth/oidc/callback",
                public_url.trim_end_matches('/')
            ),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The redirect URI a city registers with its provider.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The provider's discovery document and keys, checked by openidconnect (the document's
    /// `issuer` must be the one asked for). The keys start the cache.
    pub(super) async fn discover(&self, issuer: &str) -> Result<CoreProviderMetadata> {
        let issuer = IssuerUrl::new(issuer.to_string())
            .map_err(|_| Error::field("issuer_url", "invalid_url", "Give the issuer's URL."))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::info!(error = %e, "provider discovery failed");
                Error::field(
                    "issuer_url",
                    "discovery_failed",
                    "The provider's discovery document could not be fetched or is not valid.",
                )
            })?;
        self.remember(metadata.jwks_uri().url().as_str(), metadata.jwks().clone());
        Ok(metadata)
    }

    fn remember(&self, jwks_uri: &str, keys: CoreJsonWebKeySet) {
        let mut cache = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(jwks_uri.to_string(), (keys, Instant::now()));
    }

    /// The provider's keys: from the cache, or fetched. With `unknown_kid`, a token named a key
    /// the cached set lacks: fetch again unless that was done within [`REFETCH_EVERY`]. `None`
    /// when nothing new was fetched.
    pub(super) async fn keys(
        &self,
        metadata: &CoreProviderMetadata,
        unknown_kid: bool,
    ) -> Result<Option<CoreJsonWebKeySet>> {
        let uri = metadata.jwks_uri().url().as_str().to_string();
        let cached = {
            let cache = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(&uri).cloned()
        };
        match cached {
            Some((keys, _)) if !unknown_kid => return Ok(Some(keys)),
            Some((_, fetched)) if fetched.elapsed() < REFETCH_EVERY => return Ok(None),
            _ => {}
        }
        let keys = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "the provider's JWKS could not be fetched");
                Error::unavailable(
                    "provider_unavailable",
                    "The identity provider is not answering; try again shortly.",
                )
            })?;
        self.remember(&uri, keys.clone());
        Ok(Some(keys))
    }
}
