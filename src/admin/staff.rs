//! `GET|POST /municipalities/{slug}/staff`, `PATCH|DELETE …/staff/{id}`: officials, auditors
//! and admins of one municipality. Accounts are disabled, never deleted, so the audit log
//! keeps pointing at someone.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::views::AccountView;
use crate::auth::extract::{Admins, Staff};
use crate::db::Db;
use crate::error::ApiResult;
use crate::service::accounts::StaffInput;
use crate::service::staff::{self as service, StaffChange};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    pub email: String,
    pub display_name: String,
    #[schema(value_type = crate::api::closed_sets::StaffRole)]
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaff {
    pub display_name: Option<String>,
    #[schema(value_type = Option<crate::api::closed_sets::StaffRole>)]
    pub role: Option<String>,
    #[schema(value_type = Option<crate::api::closed_sets::AccountStatus>)]
    pub status: Option<String>,
}

fn views(slug: &str, rows: Vec<crate::db::accounts::AccountRow>) -> Vec<AccountView> {
    rows.into_iter()
        .map(|row| AccountView::with_slug(row, Some(slug.to_string())))
        .collect()
}

/// The municipality's staff accounts.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/staff", tag = "admin",
    operation_id = "listStaff",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Staff, oldest first", body = Vec<AccountView>),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
    ))]
#[get("/municipalities/{slug}/staff")]
pub async fn list(db: web::Data<Db>, staff: Staff<Admins>) -> ApiResult<HttpResponse> {
    let rows = service::list(&db, &staff.municipality).await?;
    Ok(HttpResponse::Ok().json(views(&staff.municipality.slug, rows)))
}

/// Invite an official, auditor or municipality admin.
///
/// The account is `invited` and the address gets a single-use link (valid 7 days) to set its own
/// password, which no admin ever sees or sets (a body with `password` is refused as an unknown
/// field).
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/staff", tag = "admin",
    operation_id = "createStaff",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body = CreateStaff,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created `invited`: the invitation is e-mailed", body = AccountView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 409, description = "The e-mail is taken here"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/staff")]
pub async fn create(
    db: web::Data<Db>,
    staff: Staff<Admins>,
    // For an invitation: the key its code is hashed with, and the outbox.
    pepper: web::Data<crate::domain::Pepper>,
    settings: web::Data<crate::config::Settings>,
    sealer: web::Data<crate::auth::sealing::Sealer>,
    outbox: web::Data<crate::service::outbox::Outbox>,
    body: web::Json<CreateStaff>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = StaffInput {
        email: body.email,
        display_name: body.display_name,
        role: body.role,
    };
    let mailing = crate::api::recovery::mailing(&settings, sealer, outbox);
    let pepper = pepper.get_ref();
    let row = service::create(
        &db,
        &staff.caller,
        &staff.municipality,
        input,
        (pepper, &mailing),
    )
    .await?;
    Ok(HttpResponse::Created().json(AccountView::with_slug(row, Some(staff.municipality.slug))))
}

/// Change a staff account's name, role or status.
#[utoipa::path(patch, path = "/api/v1/municipalities/{slug}/staff/{id}", tag = "admin",
    operation_id = "updateStaff",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The account")),
    request_body = UpdateStaff,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = AccountView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such staff account here"),
        (status = 409, description = "It would leave the municipality without an active admin"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/municipalities/{slug}/staff/{id}")]
pub async fn update(
    db: web::Data<Db>,
    staff: Staff<Admins>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<UpdateStaff>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let change = StaffChange {
        display_name: body.display_name,
        role: body.role,
        status: body.status,
    };
    let id = path.into_inner().1.into();
    let row = service::update(&db, &staff.caller, &staff.municipality, id, change).await?;
    Ok(HttpResponse::Ok().json(AccountView::with_slug(row, Some(staff.municipality.slug))))
}

/// Disable a staff account: it can no longer log in and its sessions end now.
#[utoipa::path(delete, path = "/api/v1/municipalities/{slug}/staff/{id}", tag = "admin",
    operation_id = "disableStaff",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The account")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such staff account here"),
        (status = 409, description = "It would leave the municipality without an active admin"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[delete("/municipalities/{slug}/staff/{id}")]
pub async fn disable(
    db: web::Data<Db>,
    staff: Staff<Admins>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let change = StaffChange {
        display_name: None,
        role: None,
        status: Some(crate::domain::AccountStatus::Disabled.as_str().into()),
    };
    service::update(&db, &staff.caller, &staff.municipality, id, change).await?;
    Ok(HttpResponse::NoContent().finish())
}
