//! Authorisation as extractors. A handler that takes [`Caller`] only runs for a valid,
//! unrevoked access token of an active account; one that takes [`Staff<R>`] only runs when the
//! caller has one of `R`'s roles in the municipality named by the path's `{slug}` — so the
//! tenancy check cannot be forgotten.
//!
//! [`UncheckedCaller`] leaves the session check to the handler's own transaction.
//!
//! Another municipality's private resources answer 404, not 403, so that ids and slugs of
//! other tenants do not leak; a role that may not act in its own municipality gets 403.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Utc;
use futures_util::future::{ready, LocalBoxFuture, Ready};

use crate::auth::AuthState;
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::ids::MunicipalityId;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::service::scope::{self, authorise};
use crate::service::{actor, Actor, UncheckedActor};

/// The authenticated account behind a request, its session checked: the extractor of the
/// plain [`Actor`] the services take (`&caller` hands it over).
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl std::ops::Deref for Caller {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The caller named by a valid access token, before its session is checked.
fn token_caller(req: &HttpRequest) -> ApiResult<Actor> {
    let auth = req
        .app_data::<web::Data<AuthState>>()
        .ok_or_else(|| ApiError::internal("auth state is not registered"))?;
    let token = bearer_token(req)
        .ok_or_else(|| ApiError::unauthorized("This needs a bearer access token."))?;
    let claims = auth.tokens.verify(&token, Utc::now()).map_err(|err| {
        // Which check failed goes to the log only: telling a forger helps nobody else.
        tracing::debug!(reason = err.code(), "access token refused");
        ApiError::unauthorized("The access token is invalid or expired.")
    })?;
    Ok(Actor {
        account_id: claims.sub.into(),
        role: claims.role,
        municipality_id: claims.municipality.map(MunicipalityId::from),
        session_id: claims.sid.into(),
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = token_caller(req);
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let caller = caller?;
            let db = db.ok_or_else(|| ApiError::internal("the database is not registered"))?;
            Ok(Caller(actor::confirm(&db, caller).await?))
        })
    }
}

/// A caller with a valid access token whose session is still to be checked, for a handler
/// whose service checks it on the connection of its own transaction ([`UncheckedActor`]).
#[derive(Clone)]
pub struct UncheckedCaller(pub UncheckedActor);

impl FromRequest for UncheckedCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(token_caller(req).map(|actor| UncheckedCaller(UncheckedActor::new(actor))))
    }
}

/// A platform admin.
pub struct PlatformAdmin(pub Actor);

impl FromRequest for PlatformAdmin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if caller.is(Role::PlatformAdmin) {
                Ok(PlatformAdmin(caller.0))
            } else {
                Err(ApiError::forbidden())
            }
        })
    }
}

/// A set of roles allowed to act on a municipality's resources.
pub trait RoleSet {
    const ROLES: &'static [Role];
}

/// The municipality admin module: municipality admins, and platform admins as operators.
pub struct Admins;
impl RoleSet for Admins {
    const ROLES: &'static [Role] = &[Role::MunicipalityAdmin, Role::PlatformAdmin];
}

/// Auditors and municipality admins: reading the audit log.
pub struct AuditReaders;
impl RoleSet for AuditReaders {
    const ROLES: &'static [Role] = &[Role::Auditor, Role::MunicipalityAdmin];
}

/// Officials: reviewing registrations, running cycles, vetting proposals, counting.
pub struct Officials;
impl RoleSet for Officials {
    const ROLES: &'static [Role] = scope::OFFICIALS;
}

/// Officials and municipality admins: reading the list of residents.
pub struct OfficialsAndAdmins;
impl RoleSet for OfficialsAndAdmins {
    const ROLES: &'static [Role] = &[Role::Official, Role::MunicipalityAdmin];
}

/// Municipality admins only, without platform admins: the voter roll is personal data that
/// an operator has no business uploading for a municipality.
pub struct MunicipalityAdmins;
impl RoleSet for MunicipalityAdmins {
    const ROLES: &'static [Role] = &[Role::MunicipalityAdmin];
}

/// A resident acting on their own account (`/me/profile`, `DELETE /me`); any other role is
/// 403.
pub struct ResidentAuth(pub Actor);

impl FromRequest for ResidentAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if caller.is(Role::Resident) {
                Ok(ResidentAuth(caller.0))
            } else {
                Err(ApiError::forbidden())
            }
        })
    }
}

/// A caller allowed by `R` in the municipality of the path's `{slug}`, with that municipality.
pub struct Staff<R: RoleSet> {
    pub caller: Actor,
    pub municipality: Municipality,
    _roles: PhantomData<R>,
}

impl<R: RoleSet + 'static> FromRequest for Staff<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        // The same loader as `BySlug`: a handler taking both reads the municipality once.
        let municipality = crate::api::by_slug::load(req);
        Box::pin(async move {
            let caller = caller.await?;
            let municipality = municipality.await?;
            authorise(&caller, &municipality, R::ROLES)?;
            Ok(Staff {
                caller: caller.0,
                municipality,
                _roles: PhantomData,
            })
        })
    }
}

/// The client's address for throttling: the peer, or the first `X-Forwarded-For` hop when
/// the deployment says a trusted proxy sets it.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
