//! `POST /municipalities/{slug}/districts`, `PATCH|DELETE …/districts/{id}`.

use std::collections::BTreeMap;

use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::lang;
use crate::api::municipalities::DistrictView;
use crate::auth::extract::{Admins, Staff};
use crate::db::Db;
use crate::error::ApiResult;
use crate::service::districts as service;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrictInput {
    /// Name per language tag; the municipality's default language is required.
    pub names: BTreeMap<String, String>,
}

fn view(
    req: &HttpRequest,
    staff: &Staff<Admins>,
    row: crate::db::districts::DistrictRow,
) -> ApiResult<DistrictView> {
    let languages = staff.municipality.languages();
    let default = staff.municipality.default_language();
    DistrictView::build(row, &lang::negotiate(req, &languages, default), default)
}

/// Add a district.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/districts", tag = "admin",
    operation_id = "createDistrict",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body = DistrictInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = DistrictView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 422, description = "Invalid names"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/districts")]
pub async fn create(
    req: HttpRequest,
    db: web::Data<Db>,
    staff: Staff<Admins>,
    body: web::Json<DistrictInput>,
) -> ApiResult<HttpResponse> {
    let row = service::create(
        &db,
        &staff.caller,
        &staff.municipality,
        body.into_inner().names,
    )
    .await?;
    Ok(HttpResponse::Created().json(view(&req, &staff, row)?))
}

/// Rename a district.
#[utoipa::path(patch, path = "/api/v1/municipalities/{slug}/districts/{id}", tag = "admin",
    operation_id = "updateDistrict",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The district")),
    request_body = DistrictInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Renamed", body = DistrictView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such district here"),
        (status = 422, description = "Invalid names"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/municipalities/{slug}/districts/{id}")]
pub async fn update(
    req: HttpRequest,
    db: web::Data<Db>,
    staff: Staff<Admins>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<DistrictInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let row = service::rename(
        &db,
        &staff.caller,
        &staff.municipality,
        id,
        body.into_inner().names,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view(&req, &staff, row)?))
}

/// Remove a district that nothing refers to yet.
#[utoipa::path(delete, path = "/api/v1/municipalities/{slug}/districts/{id}", tag = "admin",
    operation_id = "deleteDistrict",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The district")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such district here"),
        (status = 409, description = "The district is in use"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[delete("/municipalities/{slug}/districts/{id}")]
pub async fn delete(
    db: web::Data<Db>,
    staff: Staff<Admins>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    service::delete(&db, &staff.caller, &staff.municipality, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
