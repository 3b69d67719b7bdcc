//! Budgets: `GET|POST /cycles/{id}/budgets`, `GET|PATCH|DELETE /budgets/{id}`.

use std::collections::BTreeMap;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::lang;
use crate::api::patch::double_option;
use crate::api::views::utc;
use crate::auth::extract::Caller;
use crate::db::budgets::BudgetRow;
use crate::db::Db;
use crate::domain::budget::{BallotInput, BallotSpec, CountingRule, RuleInput};
use crate::domain::translations::pick;
use crate::error::ApiResult;
use crate::service::budgets::{self as service, BudgetInput};
use crate::service::scope::CycleScope;

/// A pot of money in a cycle, with the rules of its ballot and of its count.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetView {
    pub id: String,
    pub cycle_id: String,
    pub names: BTreeMap<String, String>,
    /// The name in the caller's language, else the default language.
    pub name: String,
    /// The district whose residents vote here; null for a city-wide budget.
    pub district_id: Option<String>,
    pub amount_minor: i64,
    /// ISO 4217 code of `amount_minor` and of the proposals' costs.
    pub currency: String,
    pub ballot: BallotSpec,
    pub rule: CountingRule,
    /// When voting opened and these rules were frozen.
    pub frozen_at: Option<DateTime<Utc>>,
    /// The verification methods that count for voting here; empty: any the municipality
    /// offers (its `verification_methods`).
    pub accepted_verifications: Vec<crate::domain::VerificationMethod>,
    /// The cycle's status, as in `GET /cycles/{id}`.
    #[schema(value_type = crate::domain::cycle::CycleStatus)]
    pub cycle_status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BudgetView {
    pub fn build(req: &HttpRequest, row: BudgetRow, scope: &CycleScope) -> ApiResult<Self> {
        let municipality = &scope.municipality;
        let languages = municipality.languages();
        let lang = lang::negotiate(req, &languages, municipality.default_language());
        let names: BTreeMap<String, String> = row.names.0.clone();
        Ok(BudgetView {
            name: pick(&names, &lang, municipality.default_language()),
            ballot: row.ballot_rules.clone(),
            rule: row.counting_rule.clone(),
            id: row.id.into(),
            cycle_id: row.cycle_id.into(),
            names,
            district_id: row.district_id.map(String::from),
            amount_minor: row.amount_minor,
            currency: municipality.settings.currency.code().to_string(),
            frozen_at: row.frozen_at.map(utc),
            accepted_verifications: row.accepted_verifications.0,
            cycle_status: scope.status.as_str().to_string(),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

/// A budget as sent. On `PATCH`, absent fields keep their value, and `ballot` or `rule`, when
/// given, replace the stored one as a whole (omitted parts take their defaults).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetBody {
    /// Name per language tag; the default language is required.
    pub names: Option<BTreeMap<String, String>>,
    /// A district of the municipality, or null for a city-wide budget.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub district_id: Option<Option<String>>,
    /// The money to spend, in minor units of the municipality's currency.
    pub amount_minor: Option<i64>,
    /// Ballot rules: `type` (`approval`, `knapsack`, `cumulative`, `ranked`; default
    /// `approval`), `min_selections`, `max_selections` (for `ranked`: the number of ranks),
    /// `max_points` and `max_points_per_proposal` (`cumulative`), `max_spend_minor` (default:
    /// the amount) and `min_spend_percent` (`knapsack`).
    pub ballot: Option<BallotInput>,
    /// Counting rule: `kind` (`greedy`, `equal_shares`, `phragmen`; default `greedy`),
    /// `completion` (Equal Shares only: `none`, `add1`, `add1_greedy`, `equalshares_add1`,
    /// `equalshares_add1u`), `tie_break` (`pabutools` or `equalshares`) and `seed` (the
    /// published seed of the `equalshares` order; drawn now if absent).
    pub rule: Option<RuleInput>,
    /// The verification methods that count for voting here, each one the municipality offers
    /// (`verification_not_offered`); `[]`: any it offers. Replaces the stored set.
    #[schema(value_type = Option<Vec<crate::domain::VerificationMethod>>)]
    pub accepted_verifications: Option<Vec<String>>,
}

impl From<BudgetBody> for BudgetInput {
    fn from(b: BudgetBody) -> Self {
        BudgetInput {
            names: b.names,
            district_id: b.district_id,
            amount_minor: b.amount_minor,
            ballot: b.ballot,
            rule: b.rule,
            accepted_verifications: b.accepted_verifications,
        }
    }
}

/// The cycle's budgets.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/budgets", tag = "budgets",
    operation_id = "listBudgets",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The cycle")),
    responses(
        (status = 200, description = "The budgets", body = Vec<BudgetView>),
        (status = 404, description = "No such cycle"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}/budgets")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (rows, scope) = service::list(&db, caller.as_deref(), id.into_inner().into()).await?;
    let views = rows
        .into_iter()
        .map(|row| BudgetView::build(&req, row, &scope))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Add a budget to a cycle that has not opened voting.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/budgets", tag = "budgets",
    operation_id = "createBudget",
    params(("id" = Uuid, Path, description = "The cycle")),
    request_body(content = BudgetBody, example = crate::api::examples::create_budget),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = BudgetView, example = crate::api::examples::budget),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such cycle here"),
        (status = 409, description = "Voting has opened (`budget_frozen`)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/cycles/{id}/budgets")]
pub async fn create(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<BudgetBody>,
) -> ApiResult<HttpResponse> {
    let row = service::create(
        &db,
        &caller,
        id.into_inner().into(),
        body.into_inner().into(),
    )
    .await?;
    let (row, scope) = service::get(&db, Some(&caller), row.id).await?;
    Ok(HttpResponse::Created().json(BudgetView::build(&req, row, &scope)?))
}

/// One budget.
#[utoipa::path(get, path = "/api/v1/budgets/{id}", tag = "budgets",
    operation_id = "getBudget",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The budget")),
    responses(
        (status = 200, description = "The budget", body = BudgetView),
        (status = 404, description = "No such budget"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}")]
pub async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (row, scope) = service::get(&db, caller.as_deref(), id.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(BudgetView::build(&req, row, &scope)?))
}

/// Change a budget before voting opens.
#[utoipa::path(patch, path = "/api/v1/budgets/{id}", tag = "budgets",
    operation_id = "updateBudget",
    params(("id" = Uuid, Path, description = "The budget")),
    request_body = BudgetBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = BudgetView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = 409, description = "Voting has opened (`budget_frozen`)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/budgets/{id}")]
pub async fn update(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<BudgetBody>,
) -> ApiResult<HttpResponse> {
    let row = service::update(
        &db,
        &caller,
        id.into_inner().into(),
        body.into_inner().into(),
    )
    .await?;
    let (row, scope) = service::get(&db, Some(&caller), row.id).await?;
    Ok(HttpResponse::Ok().json(BudgetView::build(&req, row, &scope)?))
}

/// Remove a budget before voting opens. A budget that holds proposals is kept.
#[utoipa::path(delete, path = "/api/v1/budgets/{id}", tag = "budgets",
    operation_id = "deleteBudget",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = 409, description = "Voting has opened (`budget_frozen`), or the budget holds proposals (`budget_has_proposals`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[delete("/budgets/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    service::delete(&db, &caller, id.into_inner().into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
