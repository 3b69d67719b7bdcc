//! Participation statistics: `GET /cycles/{id}/stats` (JSON) and `GET /cycles/{id}/stats.csv`.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use uuid::Uuid;

use crate::auth::extract::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::service::stats::{self, CycleStats};

/// A cycle's participation statistics.
///
/// Turnout per budget, by channel, district, age band and day; registrations by status;
/// proposals by category and outcome. Counts of fewer than 10 people are suppressed (`null`,
/// `suppressed: true`), with a second cell where one could be recovered from a total. For the
/// municipality's staff at any time, for everyone once the cycle is published.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/stats", tag = "results",
    operation_id = "getCycleStats",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The cycle")),
    responses(
        (status = 200, description = "The statistics", body = CycleStats),
        (status = 404, description = "No such cycle, or not public yet (`no_stats`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}/stats")]
pub async fn cycle_stats(
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let stats = stats::cycle_stats(&db, caller.as_deref(), id.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(stats))
}

/// The same statistics as CSV, for spreadsheets.
///
/// UTF-8 with BOM, the header row `section,budget_id,budget,key,value,suppressed`, one row per
/// number.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/stats.csv", tag = "results",
    operation_id = "getCycleStatsCsv",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The cycle")),
    responses(
        (status = 200, description = "The statistics as CSV", body = inline(crate::api::views::FileBytes), content_type = "text/csv; charset=utf-8"),
        (status = 404, description = "No such cycle, or not public yet (`no_stats`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}/stats.csv")]
pub async fn cycle_stats_csv(
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let stats = stats::cycle_stats(&db, caller.as_deref(), id.into_inner().into()).await?;
    let csv = stats::stats_csv(&stats)?;
    let name = crate::service::download_names::cycle(&db, stats.cycle_id.clone(), "csv").await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment::disposition(&name),
        ))
        .body(csv))
}
