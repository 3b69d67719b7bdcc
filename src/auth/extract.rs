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
use diesel::prelude::*;
use futures_util::future::{ready, LocalBoxFuture, Ready};

use crate::db::budgets::{self, BallotRead};
use crate::db::municipalities::MunicipalityRow;
use crate::db::schema::{accounts, sessions};
use crate::db::{sessions as session_rows, Db, DbConn};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::state::AuthState;

/// The authenticated account behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub role: Role,
    pub municipality_id: Option<String>,
    pub session_id: String,
}

impl Caller {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
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

/// The session is neither revoked nor expired and its account is active.
fn session_is_live(conn: &mut DbConn, session_id: &str, account_id: &str) -> QueryResult<bool> {
    let now = Utc::now().naive_utc();
    let found: i64 = sessions::table
        .inner_join(accounts::table)
        .filter(session_rows::is_live(
            session_id.to_string(),
            account_id.to_string(),
            now,
        ))
        .filter(accounts::status.eq("active"))
        .count()
        .get_result(conn)?;
    Ok(found == 1)
}

fn check_session(conn: &mut DbConn, caller: &Caller) -> ApiResult<()> {
    if session_is_live(conn, &caller.session_id, &caller.account_id)? {
        Ok(())
    } else {
        Err(session_revoked())
    }
}

fn session_revoked() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "session_revoked",
        "This session has ended; log in again.",
    )
}

/// The caller named by a valid access token, before its session is checked.
fn token_caller(req: &HttpRequest) -> ApiResult<Caller> {
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
    Ok(Caller {
        account_id: claims.sub.to_string(),
        role: claims.role,
        municipality_id: claims.municipality.map(|m| m.to_string()),
        session_id: claims.sid.to_string(),
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
            let checking = caller.clone();
            db.read(move |conn| check_session(conn, &checking)).await?;
            Ok(caller)
        })
    }
}

/// A caller with a valid access token whose session is still to be checked, for a handler
/// that checks it on the connection of its own transaction (casting a ballot: one checkout
/// and one blocking hand-off instead of two). [`Self::check`] is the only way to the
/// [`Caller`], so the check cannot be left out.
#[derive(Clone)]
pub struct UncheckedCaller(Caller);

impl UncheckedCaller {
    /// The caller, if the session is live (`session_revoked` otherwise, as from [`Caller`]).
    pub fn check(&self, conn: &mut DbConn) -> ApiResult<Caller> {
        check_session(conn, &self.0)?;
        Ok(self.0.clone())
    }

    /// Like [`Self::check`], with the budget (its cycle under the ballot lock) and the caller's
    /// resident registration read by the same query ([`budgets::find_for_ballot_locked`]): the
    /// ballot's path, where every round trip counts. A dead session answers
    /// `session_revoked` whether or not the budget exists, as from [`Caller`].
    pub fn check_with_budget(
        &self,
        conn: &mut DbConn,
        budget_id: &str,
    ) -> ApiResult<(Caller, BallotRead)> {
        let caller = &self.0;
        let now = Utc::now().naive_utc();
        let found = budgets::find_for_ballot_locked(
            conn,
            budget_id,
            &caller.session_id,
            &caller.account_id,
            now,
        )?;
        match found {
            Some(read) if read.session_live => Ok((caller.clone(), read)),
            Some(_) => Err(session_revoked()),
            None => {
                check_session(conn, caller)?;
                Err(ApiError::not_found())
            }
        }
    }
}

impl FromRequest for UncheckedCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(token_caller(req).map(UncheckedCaller))
    }
}

/// A platform admin.
pub struct PlatformAdmin(pub Caller);

impl FromRequest for PlatformAdmin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if caller.is(Role::PlatformAdmin) {
                Ok(PlatformAdmin(caller))
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
    const ROLES: &'static [Role] = &[Role::Official];
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
pub struct ResidentAuth(pub Caller);

impl FromRequest for ResidentAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if caller.is(Role::Resident) {
                Ok(ResidentAuth(caller))
            } else {
                Err(ApiError::forbidden())
            }
        })
    }
}

/// A caller allowed by `R` in the municipality of the path's `{slug}`, with that municipality.
pub struct Staff<R: RoleSet> {
    pub caller: Caller,
    pub municipality: MunicipalityRow,
    _roles: PhantomData<R>,
}

/// Decides whether `caller` may act on `municipality` with one of `allowed`.
pub fn authorise(
    caller: &Caller,
    municipality: &MunicipalityRow,
    allowed: &[Role],
) -> ApiResult<()> {
    if caller.role == Role::PlatformAdmin {
        return if allowed.contains(&Role::PlatformAdmin) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        };
    }
    if caller.municipality_id.as_deref() != Some(municipality.id.as_str()) {
        return Err(ApiError::not_found());
    }
    if allowed.contains(&caller.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
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
                caller,
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
