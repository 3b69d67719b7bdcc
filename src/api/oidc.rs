//! Sign-in through the municipality's OpenID Connect provider (issue 19): whether it is
//! offered, starting it (to sign in, or to link a logged-in resident's account), the
//! provider's callback, and trading the callback's single-use code for our tokens.

use std::collections::BTreeMap;

use actix_web::http::header::LOCATION;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::token_response;
use crate::api::by_slug::BySlug;
use crate::api::lang;
use crate::auth::extract::{client_ip, ResidentAuth};
use crate::auth::sealing::Sealer;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::translations::pick;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::oidc::{self, flow, Oidc};
use crate::state::AuthState;

/// How residents may sign in besides their national ID and password.
#[derive(Serialize, ToSchema)]
pub struct SignInOptions {
    /// Present when the municipality offers sign-in through its identity provider.
    pub provider: Option<ProviderButton>,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderButton {
    /// The button's label in the caller's language (`?lang=`, `Accept-Language`), else the
    /// default language.
    pub label: String,
    /// The label per language tag.
    pub labels: BTreeMap<String, String>,
}

/// Whether the municipality offers provider sign-in, and the button's label.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/sign-in-options", tag = "auth",
    operation_id = "getSignInOptions",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(()),
    responses(
        (status = 200, description = "The ways to sign in", body = SignInOptions),
        (status = 404, description = "No such municipality"),
    ))]
#[get("/municipalities/{slug}/sign-in-options")]
pub async fn sign_in_options(
    req: HttpRequest,
    db: web::Data<Db>,
    municipality: BySlug,
) -> ApiResult<HttpResponse> {
    let m = municipality.0;
    let labels = oidc::config::button_labels(&db, &m).await?;
    let default = m.default_language();
    let language = lang::negotiate(&req, &m.languages(), default);
    let provider = labels.map(|labels| ProviderButton {
        label: pick(&labels, &language, default),
        labels,
    });
    Ok(HttpResponse::Ok().json(SignInOptions { provider }))
}

/// The throttle's view of who starts a sign-in.
fn starter<'a>(req: &HttpRequest, auth: &'a AuthState) -> flow::Starter<'a> {
    flow::Starter {
        limiter: &auth.limiter,
        client_ip: client_ip(req, auth.trust_forwarded_for),
    }
}

/// Where to send the person: the provider's authorization page.
#[derive(Serialize, ToSchema)]
pub struct StartedView {
    pub authorization_url: String,
}

/// Start a sign-in through the municipality's identity provider.
///
/// The answer is the provider's authorization URL (code flow with PKCE S256, `state` and
/// `nonce`); the pending sign-in is kept in the database for ten minutes, so any instance can
/// finish it. The provider sends the person back to `/auth/oidc/callback`.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/oidc/start", tag = "auth",
    operation_id = "startProviderSignIn",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(()),
    responses(
        (status = 200, description = "Go to the provider", body = StartedView),
        (status = 404, description = "No such municipality, or `no_identity_provider`"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer `provider` among its verification methods"),
        (status = 429, description = "Too many sign-ins started from this address"),
    ))]
#[post("/municipalities/{slug}/oidc/start")]
pub async fn start(
    req: HttpRequest,
    auth: web::Data<AuthState>,
    db: web::Data<Db>,
    oidc: web::Data<Oidc>,
    sealer: web::Data<Sealer>,
    pepper: web::Data<Pepper>,
    municipality: BySlug,
) -> ApiResult<HttpResponse> {
    let starter = starter(&req, &auth);
    let started = flow::start(&db, &oidc, &sealer, &pepper, starter, &municipality.0, None).await?;
    Ok(HttpResponse::Ok().json(StartedView {
        authorization_url: started.authorization_url,
    }))
}

/// Link the caller's account to the municipality's identity provider.
///
/// For a resident who registered by typing their national ID: the provider's sign-in that
/// follows links the account if the provider vouches for the same ID
/// (`provider_id_mismatch` otherwise), and verifies a pending registration.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/oidc/link", tag = "auth",
    operation_id = "startProviderLink",
    params(("slug" = String, Path, description = "The resident's municipality")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Go to the provider", body = StartedView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a resident of this municipality"),
        (status = 404, description = "No such municipality, or `no_identity_provider`"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer `provider` among its verification methods"),
        (status = 429, description = "Too many sign-ins started from this address"),
    ))]
#[post("/municipalities/{slug}/oidc/link")]
pub async fn link(
    req: HttpRequest,
    auth: web::Data<AuthState>,
    db: web::Data<Db>,
    oidc: web::Data<Oidc>,
    sealer: web::Data<Sealer>,
    pepper: web::Data<Pepper>,
    resident: ResidentAuth,
) -> ApiResult<HttpResponse> {
    let m = &crate::api::by_slug::load(&req).await?;
    let starter = starter(&req, &auth);
    let started = flow::start(&db, &oidc, &sealer, &pepper, starter, m, Some(&resident.0)).await?;
    Ok(HttpResponse::Ok().json(StartedView {
        authorization_url: started.authorization_url,
    }))
}

/// What the provider sends back.
#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when the person cancelled or it refused.
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The issuer (RFC 9207); the ID token's own `iss` is what is checked.
    pub iss: Option<String>,
    pub session_state: Option<String>,
}

/// The provider's redirect back (the redirect URI a city registers).
///
/// Always answers 303 to the web client: on success to `#/m/<slug>/signed-in?code=<code>`,
/// a single-use code valid two minutes for `POST /auth/oidc/finish` (our tokens never travel
/// in a URL); on failure to `#/m/<slug>/sign-in?error=<code>` (or `#/?error=<code>` when
/// the sign-in is unknown). Refusals: `oidc_state_invalid` (unknown, replayed or expired
/// `state`), `oidc_denied`, `oidc_exchange_failed`, `oidc_signature_invalid`,
/// `oidc_audience_invalid`, `oidc_issuer_invalid`, `oidc_token_expired`,
/// `oidc_nonce_invalid`, `oidc_token_invalid`, `oidc_claim_missing`,
/// `oidc_birth_date_missing`, a national-ID code (`invalid_check_digit`, …),
/// `provider_id_mismatch`, `id_registered_without_provider`.
#[utoipa::path(get, path = "/api/v1/auth/oidc/callback", tag = "auth",
    operation_id = "providerCallback",
    params(CallbackQuery),
    security(()),
    responses(
        (status = 303, description = "To the web client, with a single-use code or an error code"),
    ))]
#[get("/auth/oidc/callback")]
pub async fn callback(
    db: web::Data<Db>,
    oidc: web::Data<Oidc>,
    sealer: web::Data<Sealer>,
    pepper: web::Data<Pepper>,
    settings: web::Data<Settings>,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let returned = flow::Returned {
        code: query.code,
        state: query.state,
        error: query.error,
    };
    let outcome = flow::callback(&db, &oidc, &sealer, &pepper, returned).await;
    let base = settings
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    let location = match (&outcome.slug, &outcome.result) {
        (Some(slug), Ok(code)) => format!("{base}/#/m/{slug}/signed-in?code={code}"),
        (Some(slug), Err(err)) => format!("{base}/#/m/{slug}/sign-in?error={}", err.code()),
        (None, Ok(_)) => format!("{base}/#/"),
        (None, Err(err)) => format!("{base}/#/?error={}", err.code()),
    };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// The `code` from the callback's redirect.
    pub code: String,
}

/// Trade the callback's single-use code for tokens, answered like `POST /auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/oidc/finish", tag = "auth",
    operation_id = "finishProviderSignIn",
    request_body = FinishRequest,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = crate::api::auth::TokenResponse),
        (status = 401, description = "The account is disabled"),
        (status = 403, description = "`invalid_code`: unknown, used or expired"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/oidc/finish")]
pub async fn finish(
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    pepper: web::Data<Pepper>,
    body: web::Json<FinishRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = flow::finish(&db, &auth, &pepper, body.into_inner().code).await?;
    token_response(&db, tokens).await
}
