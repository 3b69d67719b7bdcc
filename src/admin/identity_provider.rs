//! `GET|PUT|DELETE /municipalities/{slug}/identity-provider`: the municipality's OpenID
//! Connect provider (issue 19). The client secret is write-only.

use std::collections::BTreeMap;

use actix_web::{delete, get, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::utc;
use crate::auth::extract::{Admins, Staff};
use crate::auth::sealing::Sealer;
use crate::db::Db;
use crate::error::ApiResult;
use crate::service::oidc::{self, Oidc, ProviderInput, ProviderSettings};

/// The provider as its admins see it: never the client secret.
#[derive(Serialize, ToSchema)]
pub struct IdentityProviderView {
    pub issuer_url: String,
    pub client_id: String,
    /// Whether a client secret is stored (it is never shown).
    pub client_secret_set: bool,
    pub national_id_claim: String,
    pub birth_date_claim: Option<String>,
    pub name_claim: Option<String>,
    /// Scopes asked beyond `openid`.
    pub scopes: Vec<String>,
    pub button_labels: BTreeMap<String, String>,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ProviderSettings> for IdentityProviderView {
    fn from(s: ProviderSettings) -> Self {
        let p = s.provider;
        Self {
            issuer_url: p.issuer_url,
            client_id: p.client_id,
            client_secret_set: s.client_secret_set,
            national_id_claim: p.national_id_claim,
            birth_date_claim: p.birth_date_claim,
            name_claim: p.name_claim,
            scopes: p.scopes,
            button_labels: p.button_labels,
            redirect_uri: s.redirect_uri,
            updated_at: utc(p.updated_at),
        }
    }
}

/// The whole configuration; `client_secret` may be left out to keep the stored one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderInput {
    /// The provider's issuer; its `/.well-known/openid-configuration` is fetched and checked
    /// on saving. `https` (plain `http` only on the loopback address).
    pub issuer_url: String,
    pub client_id: String,
    /// Write-only: stored sealed, never returned. Required the first time.
    pub client_secret: Option<String>,
    /// The ID token claim carrying the national ID (e.g. `national_id`).
    pub national_id_claim: String,
    /// The claim carrying the birth date (`YYYY-MM-DD`); without it, the date inside the ID
    /// (IIN, PINFL) is used, and other schemes cannot register through the provider.
    pub birth_date_claim: Option<String>,
    /// The claim carrying the person's name (default `name`).
    pub name_claim: Option<String>,
    /// Scopes to ask beyond `openid` (e.g. `profile`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The sign-in button's label per enabled language; the default language is required.
    pub button_labels: BTreeMap<String, String>,
}

/// The municipality's identity provider.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/identity-provider", tag = "admin",
    operation_id = "getIdentityProvider",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The provider", body = IdentityProviderView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's), or `no_identity_provider`"),
    ))]
#[get("/municipalities/{slug}/identity-provider")]
pub async fn show(
    db: web::Data<Db>,
    oidc: web::Data<Oidc>,
    staff: Staff<Admins>,
) -> ApiResult<HttpResponse> {
    let settings = oidc::config::show(&db, &oidc, &staff.municipality)
        .await?
        .ok_or_else(|| {
            crate::service::Error::missing(
                "no_identity_provider",
                "This municipality has no identity provider.",
            )
        })?;
    Ok(HttpResponse::Ok().json(IdentityProviderView::from(settings)))
}

/// Configure the municipality's identity provider (audit-logged, without the secret).
#[utoipa::path(put, path = "/api/v1/municipalities/{slug}/identity-provider", tag = "admin",
    operation_id = "putIdentityProvider",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body = IdentityProviderInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = IdentityProviderView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 422, description = "Invalid fields, or `discovery_failed` / `provider_unsuitable` for the issuer URL"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[put("/municipalities/{slug}/identity-provider")]
pub async fn update(
    db: web::Data<Db>,
    oidc: web::Data<Oidc>,
    sealer: web::Data<Sealer>,
    staff: Staff<Admins>,
    body: web::Json<IdentityProviderInput>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = ProviderInput {
        issuer_url: body.issuer_url,
        client_id: body.client_id,
        client_secret: body.client_secret,
        national_id_claim: body.national_id_claim,
        birth_date_claim: body.birth_date_claim,
        name_claim: body.name_claim,
        scopes: body.scopes,
        button_labels: body.button_labels,
    };
    let settings = oidc::config::save(
        &db,
        &oidc,
        &sealer,
        &staff.caller,
        &staff.municipality,
        input,
    )
    .await?;
    Ok(HttpResponse::Ok().json(IdentityProviderView::from(settings)))
}

/// Stop offering provider sign-in (audit-logged).
#[utoipa::path(delete, path = "/api/v1/municipalities/{slug}/identity-provider", tag = "admin",
    operation_id = "deleteIdentityProvider",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's), or none configured"),
    ))]
#[delete("/municipalities/{slug}/identity-provider")]
pub async fn remove(db: web::Data<Db>, staff: Staff<Admins>) -> ApiResult<HttpResponse> {
    oidc::config::remove(&db, &staff.caller, &staff.municipality).await?;
    Ok(HttpResponse::NoContent().finish())
}
