//! What every request handler can reach: settings, the database, token keys, the ID pepper,
//! the archive signing keys and the login throttle. Registered as separate `web::Data` items so that a handler asks
//! only for what it uses.

use std::sync::Arc;

use actix_web::web;

use crate::archive::ArchiveKeys;
use crate::auth::jwt::{AccessTokens, JwtConfig, JwtError, KeyRing, SigningKey};
use crate::auth::rate_limit::{CodeLimiter, LoginLimiter, RegistrationLimiter};
use crate::auth::sealing::Sealer;
pub use crate::auth::AuthState;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::{Pepper, PepperError};
use crate::secrets::Secrets;
use crate::service::ballots::FrozenBallots;
use crate::service::oidc::Oidc;
use crate::service::outbox::Outbox;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub auth: web::Data<AuthState>,
    /// Key of the national-ID hash (registration, voter roll, login by ID, voter keys).
    pub id_pepper: web::Data<Pepper>,
    /// The proposals on frozen ballots, shared by the workers.
    pub frozen_ballots: web::Data<FrozenBallots>,
    /// Where the municipalities' archive signing keys come from.
    pub archive_keys: web::Data<ArchiveKeys>,
    /// Seals the secrets the service reads back (a provider's client secret, queued mail).
    pub sealer: web::Data<Sealer>,
    /// The outbox's wake-up call and counters, shared by requests and the mail worker.
    pub outbox: web::Data<Outbox>,
    /// Sign-in through the municipalities' identity providers: HTTP client, providers' keys.
    pub oidc: web::Data<Oidc>,
}

/// Why the shared state could not be built from the settings and secrets.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Keys(#[from] JwtError),
    #[error(transparent)]
    Pepper(#[from] PepperError),
}

impl AppState {
    pub fn new(settings: Settings, secrets: Secrets, db: Db) -> Result<Self, StateError> {
        let mut keys = KeyRing::new(SigningKey::from_secret(secrets.jwt_current)?);
        for previous in secrets.jwt_previous {
            keys = keys.with_previous(SigningKey::from_secret(previous)?)?;
        }
        let config = JwtConfig {
            ttl: chrono::Duration::minutes(settings.jwt.access_ttl_minutes),
            ..JwtConfig::new(&settings.jwt.issuer, &settings.jwt.audience)
        };
        let auth = AuthState {
            tokens: AccessTokens::new(keys, config),
            access_ttl_minutes: settings.jwt.access_ttl_minutes,
            refresh_ttl_days: settings.jwt.refresh_ttl_days,
            limiter: LoginLimiter::new(&settings.rate_limit),
            registration_limiter: RegistrationLimiter::new(&settings.rate_limit),
            code_limiter: CodeLimiter::new(&settings.code_limits),
            trust_forwarded_for: settings.trust_forwarded_for,
        };
        let public_url = settings.public_url.clone().unwrap_or_default();
        Ok(Self {
            oidc: web::Data::new(Oidc::new(&public_url)),
            settings: Arc::new(settings),
            db,
            auth: web::Data::new(auth),
            id_pepper: web::Data::new(Pepper::new(secrets.id_pepper)?),
            frozen_ballots: web::Data::new(FrozenBallots::default()),
            sealer: web::Data::new(Sealer::new(&secrets.signing_secret)),
            archive_keys: web::Data::new(ArchiveKeys::new(secrets.signing_secret)),
            outbox: web::Data::new(Outbox::default()),
        })
    }

    /// Registers the shared state and the extractor configurations on an app.
    pub fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.db.clone()))
            .app_data(self.auth.clone())
            .app_data(self.id_pepper.clone())
            .app_data(self.frozen_ballots.clone())
            .app_data(self.archive_keys.clone())
            .app_data(self.sealer.clone())
            .app_data(self.outbox.clone())
            .app_data(self.oidc.clone())
            .app_data(web::Data::from(self.settings.clone()))
            .app_data(crate::api::problems::json_config(
                self.settings.max_body_bytes,
            ))
            .app_data(crate::api::problems::path_config())
            .app_data(crate::api::problems::query_config());
    }
}
