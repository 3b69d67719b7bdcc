//! `POST /municipalities/{slug}/voter-roll`: a municipality admin replaces the voter roll
//! with a CSV file. The body is read into memory, hashed line by line and dropped; neither
//! the file nor a line of it is stored or logged.

use actix_web::http::{header, StatusCode};
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::{MunicipalityAdmins, Staff};
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::{ApiError, ApiResult};
use crate::service::residents::{self as service, MAX_ROLL_BYTES};

#[derive(Debug, Serialize, ToSchema)]
pub struct RollView {
    /// People on the new roll.
    pub rows: usize,
    /// Pending residents verified because they are on it.
    pub newly_verified: usize,
}

fn is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"))
}

/// Replace the voter roll.
///
/// A `text/csv` body with the header `national_id,birth_date` and one person per line
/// (`YYYY-MM-DD` dates). Every ID is checked with the municipality's scheme; if any line is
/// wrong, nothing is stored and the answer lists the bad lines (`line[n].national_id`,
/// `line[n].birth_date`, the header is line 1). Otherwise the roll is replaced in one
/// transaction and pending residents who are on it are verified.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/voter-roll", tag = "admin",
    operation_id = "uploadVoterRoll",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body(content = inline(crate::api::views::FileBytes), content_type = "text/csv",
        description = "national_id,birth_date then one line per person"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The roll was replaced", body = RollView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 413, description = "The file is larger than 64 MiB"),
        (status = 415, description = "Not text/csv"),
        (status = 422, description = "Bad lines, with their numbers; nothing was stored"),
    ))]
#[post("/municipalities/{slug}/voter-roll")]
pub async fn upload(
    req: HttpRequest,
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    staff: Staff<MunicipalityAdmins>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    if !is_csv(&req) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the voter roll as text/csv.",
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request("unreadable_body", "The request body could not be read.")
        })?;
        if body.len() + chunk.len() > MAX_ROLL_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The voter roll is larger than allowed.",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let outcome =
        service::upload_roll(&db, &pepper, &staff.caller, &staff.municipality, body).await?;
    Ok(HttpResponse::Ok().json(RollView {
        rows: outcome.rows,
        newly_verified: outcome.newly_verified,
    }))
}
