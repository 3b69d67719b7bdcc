//! Counting and results: `POST /budgets/{id}/tally`, `GET /budgets/{id}/results`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::lang;
use crate::auth::extract::Caller;
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::ids::BudgetId;
use crate::error::ApiResult;
use crate::service::tally::{self as service, Results};

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyReply {
    pub budget_id: String,
    pub ballots_counted: i64,
    pub computed_at: chrono::DateTime<chrono::Utc>,
}

/// Count a budget of a closed cycle with its frozen rule and store the result.
///
/// A later count replaces it until the cycle is published.
#[utoipa::path(post, path = "/api/v1/budgets/{id}/tally", tag = "results",
    operation_id = "tallyBudget",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Counted", body = TallyReply),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = 409, description = "The cycle is not closed (`cycle_not_closed`) or changed meanwhile (`cycle_changed`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/budgets/{id}/tally")]
pub async fn tally(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = service::run(&db, &caller, id.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(TallyReply {
        budget_id: row.budget_id.into(),
        ballots_counted: row.ballots_counted,
        computed_at: row.computed_at.and_utc(),
    }))
}

/// A budget's result.
///
/// Public once the cycle is published, for the municipality's staff once counted.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/results", tag = "results",
    operation_id = "getResults",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The budget"),
           ("lang" = Option<String>, Query, description = "Language of the titles")),
    responses(
        (status = 200, description = "The result", body = Results, example = crate::api::examples::results),
        (status = 404, description = "No such budget, or no result to show yet (`no_results`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/results")]
pub async fn results(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = BudgetId::from(id.into_inner());
    let (_, language) = budget_language(&req, &db, id.clone()).await?;
    Ok(
        HttpResponse::Ok()
            .json(service::results(&db, caller.as_deref(), id, Some(language)).await?),
    )
}

/// The budget's municipality and the language to answer in (`?lang`, `Accept-Language`, else
/// the municipality's default).
pub async fn budget_language(
    req: &HttpRequest,
    db: &Db,
    budget_id: BudgetId,
) -> ApiResult<(Municipality, String)> {
    let municipality = crate::service::directory::municipality_of_budget(db, budget_id).await?;
    let languages = municipality.languages();
    let language = lang::negotiate(req, &languages, municipality.default_language());
    Ok((municipality, language))
}
