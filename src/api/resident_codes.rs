//! Single-use codes officials hand to residents, and where residents enter them:
//! `POST /municipalities/{slug}/residents/{id}/letter-code` and `POST /me/verification/letter-code`
//! (the printed letter that verifies a registration), `POST
//! /municipalities/{slug}/residents/{id}/password-reset-code` and `POST
//! /municipalities/{slug}/password-reset/counter` (a new password after a check at the counter).
//!
//! A code is in one answer only, to print or hand over; it is stored as a keyed hash.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::by_slug;
use crate::api::residents::{own_view, ResidentView};
use crate::auth::extract::{client_ip, Officials, ResidentAuth, Staff};
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::one_time_codes::Issued;
use crate::service::residents::{self as service, CounterReset, OwnCode};
use crate::state::AuthState;

/// A code just issued: give it to the resident now; it is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCode {
    /// Two groups of five characters, e.g. `7XK2M-Q4TZ9`; case, spaces and dashes do not
    /// matter when it is typed.
    #[schema(example = "7XK2M-Q4TZ9")]
    pub code: String,
    /// After this instant the code opens nothing.
    pub expires_at: DateTime<Utc>,
}

impl From<Issued> for IssuedCode {
    fn from(issued: Issued) -> Self {
        Self {
            code: issued.code,
            expires_at: issued.expires_at.and_utc(),
        }
    }
}

/// Issue a printed letter code for a resident.
///
/// Replaces any earlier letter code of the resident. Audit-logged (`resident.letter_code_issued`),
/// without the code.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents/{id}/letter-code",
    tag = "residents",
    operation_id = "issueLetterCode",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The resident")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The code, this once", body = IssuedCode),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such resident here"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer letter codes"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents/{id}/letter-code")]
pub async fn issue_letter_code(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    staff: Staff<Officials>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let issued =
        service::issue_letter_code(&db, &pepper, &staff.caller, &staff.municipality, id).await?;
    Ok(HttpResponse::Created().json(IssuedCode::from(issued)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// The code as printed; case, spaces and dashes do not matter.
    #[serde(default)]
    #[schema(example = "7XK2M-Q4TZ9")]
    pub code: String,
}

/// Enter the letter code an official issued to the caller.
///
/// Records `letter_code` among the ways the caller's registration was proven; a pending
/// registration becomes verified (a rejected one stays rejected).
#[utoipa::path(post, path = "/api/v1/me/verification/letter-code", tag = "residents",
    operation_id = "enterLetterCode",
    request_body = CodeEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded: the caller's profile", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "`invalid_code` (wrong, used, expired or another resident's: the answer does not say which), or not a resident"),
        (status = 409, description = "`verification_method_not_offered`: the municipality does not offer letter codes"),
        (status = 429, description = "Too many attempts for this account"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/me/verification/letter-code")]
pub async fn enter_letter_code(
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
        OwnCode::Letter,
    )
    .await
}

/// The caller enters a code of `kind`; the answer is their profile (`service::residents::own_codes`).
pub(crate) async fn enter_own_code(
    db: &Db,
    pepper: &Pepper,
    auth: &AuthState,
    resident: &ResidentAuth,
    entry: CodeEntry,
    kind: OwnCode,
) -> ApiResult<HttpResponse> {
    let limiter = &auth.code_limiter;
    let profile =
        service::redeem_own_code(db, pepper, limiter, &resident.0, kind, entry.code).await?;
    Ok(HttpResponse::Ok().json(own_view(db, profile).await?))
}

/// Issue a counter reset code for a resident, after checking the person at the counter.
///
/// Replaces any earlier counter code of the resident. Audit-logged
/// (`resident.password_reset_code_issued`), without the code.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents/{id}/password-reset-code",
    tag = "residents",
    operation_id = "issuePasswordResetCode",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The resident")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The code, this once", body = IssuedCode),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such resident here"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents/{id}/password-reset-code")]
pub async fn issue_counter_code(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    staff: Staff<Officials>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let issued =
        service::issue_counter_code(&db, &pepper, &staff.caller, &staff.municipality, id).await?;
    Ok(HttpResponse::Created().json(IssuedCode::from(issued)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterResetRequest {
    /// In the municipality's scheme; never stored or returned.
    #[serde(default)]
    pub national_id: String,
    /// The code the official handed over.
    #[serde(default)]
    #[schema(example = "7XK2M-Q4TZ9")]
    pub code: String,
    /// At least 12 characters, not a common one.
    #[serde(default)]
    pub new_password: String,
}

/// Set a new password with a counter reset code.
///
/// Every session of the account ends. An unknown ID and a wrong code get the same answer.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/password-reset/counter",
    tag = "residents",
    operation_id = "resetPasswordAtCounter",
    security(()),
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body = CounterResetRequest,
    responses(
        (status = 204, description = "The password is set; log in with it"),
        (status = 403, description = "`invalid_code`: the ID is not registered here, or the code is wrong, used or expired (the answer does not say which)"),
        (status = 404, description = "No such municipality"),
        (status = 422, description = "The new password does not meet the policy"),
        (status = 429, description = "Too many attempts from this address or with this ID"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/password-reset/counter")]
pub async fn reset_at_counter(
    req: HttpRequest,
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    auth: web::Data<AuthState>,
    body: web::Json<CounterResetRequest>,
) -> ApiResult<HttpResponse> {
    let municipality = by_slug::load(&req).await?;
    let ip = client_ip(&req, auth.trust_forwarded_for);
    let body = body.into_inner();
    let input = CounterReset {
        national_id: body.national_id,
        code: body.code,
        new_password: body.new_password,
    };
    service::reset_at_counter(&db, &pepper, &auth.code_limiter, &municipality, &ip, input).await?;
    Ok(HttpResponse::NoContent().finish())
}
