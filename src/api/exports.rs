//! Exports for auditors: `GET /budgets/{id}/export.pb`.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use uuid::Uuid;

use crate::auth::extract::Caller;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::service::exports;

/// A counted budget as a Pabulib `.pb` file (auditors and officials, once voting has closed):
/// META with our exact rule in `comment`, PROJECTS with `selected` from the stored result,
/// VOTES with anonymous ids in a random order. The export is recorded in the audit log with
/// the file's SHA-256.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/export.pb", tag = "exports",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Pabulib file, as an attachment", body = String, content_type = "text/plain; charset=utf-8",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"<slug>-<budget id>.pb\"`"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor or official of this municipality", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such budget here", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Voting has not closed (`cycle_not_closed`), the budget is not counted (`not_tallied`), or the count changed meanwhile (`cycle_changed`)", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Malformed request", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/budgets/{id}/export.pb")]
pub async fn budget_pb(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let export = exports::pb(&db, &caller, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", export.filename),
        ))
        .body(export.text))
}
