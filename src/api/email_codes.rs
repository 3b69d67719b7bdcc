//! `POST /me/verification/email-code` and `…/email-code/confirm`: a resident proves they read
//! mail at their account's address with a code sent to it (the rules in
//! `service::residents::email_codes`).

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::recovery::mailing;
use crate::api::resident_codes::{enter_own_code, CodeEntry};
use crate::api::residents::ResidentView;
use crate::auth::extract::ResidentAuth;
use crate::auth::sealing::Sealer;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::outbox::Outbox;
use crate::service::residents::{self as service, OwnCode};
use crate::state::AuthState;

/// A code is on its way; it is in the e-mail only.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailCodeSent {
    /// The caller's address the code was sent to.
    #[schema(example = "aigerim@example.kz")]
    pub sent_to: String,
    /// After this instant the code opens nothing.
    pub expires_at: DateTime<Utc>,
}

/// Send a code to the caller's e-mail address.
///
/// Replaces any earlier e-mail code of the caller. The message is in the caller's language;
/// the code is never in an answer. Throttled per account.
#[utoipa::path(post, path = "/api/v1/me/verification/email-code", tag = "residents",
    operation_id = "sendEmailCode",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The code is queued for the caller's address", body = EmailCodeSent),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a resident"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer e-mail codes; `email_missing`: the account has no e-mail address"),
        (status = 429, description = "Too many codes sent for this account; see `Retry-After`"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/me/verification/email-code")]
#[allow(clippy::too_many_arguments)]
pub async fn send_email_code(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    auth: web::Data<AuthState>,
    settings: web::Data<Settings>,
    sealer: web::Data<Sealer>,
    outbox: web::Data<Outbox>,
    resident: ResidentAuth,
) -> ApiResult<HttpResponse> {
    let mailing = mailing(&settings, sealer, outbox);
    let sent =
        service::send_email_code(&db, &pepper, &auth.code_limiter, &mailing, &resident.0).await?;
    Ok(HttpResponse::Accepted().json(EmailCodeSent {
        sent_to: sent.address,
        expires_at: sent.expires_at.and_utc(),
    }))
}

/// Enter the code sent to the caller's e-mail address.
///
/// Records `email_code` among the ways the caller's registration was proven; a pending
/// registration becomes verified (a rejected one stays rejected).
#[utoipa::path(post, path = "/api/v1/me/verification/email-code/confirm", tag = "residents",
    operation_id = "confirmEmailCode",
    request_body = CodeEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded: the caller's profile", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "`invalid_code` (wrong, used, expired, sent to an address the account no longer has, or another resident's: the answer does not say which), or not a resident"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer e-mail codes"),
        (status = 429, description = "Too many attempts for this account"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/me/verification/email-code/confirm")]
pub async fn confirm_email_code(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    auth: web::Data<AuthState>,
    resident: ResidentAuth,
    body: web::Json<CodeEntry>,
) -> ApiResult<HttpResponse> {
    enter_own_code(
        &db,
        &pepper,
        &auth,
        &resident,
        body.into_inner(),
        OwnCode::Email,
    )
    .await
}
