//! Proposals: `GET|POST /budgets/{id}/proposals`, `GET /cycles/{id}/proposals`,
//! `GET|PATCH /proposals/{id}`, `POST /proposals/{id}/review`, `POST /proposals/{id}/withdraw`.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::lang;
use crate::api::patch::double_option;
use crate::api::views::utc;
use crate::auth::extract::Caller;
use crate::db::proposals::ProposalRow;
use crate::db::Db;
use crate::domain::ids::{BudgetId, CycleId, ProposalId};
use crate::domain::translations::pick;
use crate::error::{ApiError, ApiResult};
use crate::service::proposals::{
    self as service, translations, ListQuery, Location, ProposalInput, Sort,
};
use crate::service::scope::{is_staff, CycleScope};
use crate::service::Actor;

/// A proposal, with its texts in every language and in the caller's.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: String,
    pub budget_id: String,
    pub titles: BTreeMap<String, String>,
    pub descriptions: BTreeMap<String, String>,
    /// The title in the caller's language (`?lang=` or `Accept-Language`), else the default.
    pub title: String,
    pub description: String,
    /// The language `title` and `description` were chosen for.
    pub language: String,
    pub cost_minor: i64,
    pub currency: String,
    pub category: Option<String>,
    pub location: Option<Location>,
    pub status: crate::domain::ProposalStatus,
    /// Why it was rejected (shown to its author and to staff).
    pub status_reason: Option<String>,
    /// On the frozen ballot of a budget in voting or later.
    pub on_ballot: bool,
    /// Whether the caller wrote it.
    pub mine: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProposalView {
    fn build(
        row: ProposalRow,
        scope: &CycleScope,
        lang: &str,
        caller: Option<&Actor>,
    ) -> ApiResult<Self> {
        let default = scope.municipality.default_language();
        let titles = translations(&row.titles)?;
        let descriptions = translations(&row.descriptions)?;
        let mine =
            caller.is_some_and(|c| row.author_account_id.as_deref() == Some(c.account_id.as_str()));
        let language = if titles.contains_key(lang) {
            lang.to_string()
        } else {
            default.to_string()
        };
        let location = row.location().map_err(ApiError::internal)?;
        Ok(ProposalView {
            title: pick(&titles, lang, default),
            description: pick(&descriptions, lang, default),
            language,
            status_reason: (mine || is_staff(caller, &scope.municipality))
                .then_some(row.status_reason)
                .flatten(),
            id: row.id.into(),
            budget_id: row.budget_id.into(),
            titles,
            descriptions,
            cost_minor: row.cost_minor,
            currency: scope.municipality.settings.currency.code().to_string(),
            category: row.category,
            location,
            status: row.status,
            on_ballot: row.on_ballot,
            mine,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

fn language(req: &HttpRequest, scope: &CycleScope) -> ApiResult<String> {
    let languages = scope.municipality.languages();
    Ok(lang::negotiate(
        req,
        &languages,
        scope.municipality.default_language(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPage {
    pub items: Vec<ProposalView>,
    /// How many proposals match, over all pages.
    pub total: usize,
    pub page: u32,
    pub limit: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Staff only (the public sees `approved`).
    #[param(value_type = Option<crate::domain::ProposalStatus>)]
    pub status: Option<String>,
    pub category: Option<String>,
    /// Only budgets of this district.
    pub district: Option<Uuid>,
    /// Words that must all occur in the title or description, in any language.
    pub q: Option<String>,
    /// `cost` is cheapest first, `-cost` dearest first.
    #[param(value_type = Option<crate::api::closed_sets::ProposalSort>)]
    pub sort: Option<String>,
    /// Language of `title` and `description`.
    pub lang: Option<String>,
    /// 1-based page.
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

impl ProposalQuery {
    fn into_query(self, language: String) -> ApiResult<ListQuery> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=100).contains(&limit) || self.page == Some(0) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "limit is 1–100 and page starts at 1",
            ));
        }
        Ok(ListQuery {
            status: self.status,
            category: self.category,
            district: self.district.map(|d| d.to_string()),
            search: self.q.filter(|q| !q.trim().is_empty()),
            sort: self
                .sort
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or(Sort::Submitted),
            language,
            page: self.page.unwrap_or(1),
            limit,
        })
    }
}

async fn list_of(
    req: HttpRequest,
    db: &Db,
    caller: Option<Caller>,
    budget: Option<String>,
    cycle: Option<String>,
    query: ProposalQuery,
) -> ApiResult<HttpResponse> {
    // The language is chosen against the municipality's languages once the scope is known;
    // negotiate with the raw request first and re-pick per view.
    let page = query.page.unwrap_or(1);
    let limit = query.limit.unwrap_or(50);
    let wanted = query.lang.clone().unwrap_or_default();
    let listed = service::list(
        db,
        caller.as_deref(),
        budget.map(BudgetId::from),
        cycle.map(CycleId::from),
        query.into_query(wanted)?,
    )
    .await?;
    let lang = language(&req, &listed.scope)?;
    let items = listed
        .items
        .into_iter()
        .map(|(row, _)| ProposalView::build(row, &listed.scope, &lang, caller.as_deref()))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(ProposalPage {
        items,
        total: listed.total,
        page,
        limit,
    }))
}

/// A budget's proposals: approved ones for the public, all for staff, plus the caller's own.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/proposals", tag = "proposals",
    operation_id = "listBudgetProposals",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The budget"), ProposalQuery),
    responses(
        (status = 200, description = "A page of proposals", body = ProposalPage),
        (status = 403, description = "A status filter other than `approved` from a non-staff caller"),
        (status = 404, description = "No such budget"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/proposals")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
    query: web::Query<ProposalQuery>,
) -> ApiResult<HttpResponse> {
    list_of(
        req,
        &db,
        caller,
        Some(id.to_string()),
        None,
        query.into_inner(),
    )
    .await
}

/// The proposals of every budget of a cycle (filter by `district`).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/proposals", tag = "proposals",
    operation_id = "listCycleProposals",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The cycle"), ProposalQuery),
    responses(
        (status = 200, description = "A page of proposals", body = ProposalPage),
        (status = 403, description = "A status filter other than `approved` from a non-staff caller"),
        (status = 404, description = "No such cycle"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}/proposals")]
pub async fn list_in_cycle(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
    query: web::Query<ProposalQuery>,
) -> ApiResult<HttpResponse> {
    list_of(
        req,
        &db,
        caller,
        None,
        Some(id.to_string()),
        query.into_inner(),
    )
    .await
}

/// A proposal as sent. On `PATCH`, absent fields keep their value; `null` clears `category` or
/// `location`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// Title per language tag: any of the municipality's languages (readers without a text
    /// in theirs get the default language's, else any).
    pub titles: Option<BTreeMap<String, String>>,
    /// Description per language tag, as `titles`.
    pub descriptions: Option<BTreeMap<String, String>>,
    /// Positive, at most the budget's amount (minor units).
    pub cost_minor: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    /// One of the municipality's `proposal_categories` keys where it lists them, else free text
    /// (`unknown_category` otherwise).
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Location>)]
    pub location: Option<Option<Location>>,
}

impl From<ProposalBody> for ProposalInput {
    fn from(b: ProposalBody) -> Self {
        ProposalInput {
            titles: b.titles,
            descriptions: b.descriptions,
            cost_minor: b.cost_minor,
            category: b.category,
            location: b.location,
        }
    }
}

async fn respond(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    id: ProposalId,
    created: bool,
) -> ApiResult<HttpResponse> {
    let (row, _, scope) = service::get(db, Some(caller), id).await?;
    let lang = language(req, &scope)?;
    let view = ProposalView::build(row, &scope, &lang, Some(caller))?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Submit a proposal to a budget.
///
/// Verified residents during `submission` (up to the municipality's per-resident limit),
/// officials until voting opens.
#[utoipa::path(post, path = "/api/v1/budgets/{id}/proposals", tag = "proposals",
    operation_id = "createProposal",
    params(("id" = Uuid, Path, description = "The budget")),
    request_body(content = ProposalBody, example = crate::api::examples::create_proposal),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted", body = ProposalView, example = crate::api::examples::proposal),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a verified resident (`not_verified`) or not an official"),
        (status = 404, description = "No such budget"),
        (status = 409, description = "Not now (`cycle_not_accepting_proposals`) or over the limit (`proposal_limit_reached`)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/budgets/{id}/proposals")]
pub async fn create(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ProposalBody>,
) -> ApiResult<HttpResponse> {
    let row = service::create(
        &db,
        &caller,
        id.into_inner().into(),
        body.into_inner().into(),
    )
    .await?;
    respond(&req, &db, &caller, row.id, true).await
}

/// One proposal.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals",
    operation_id = "getProposal",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The proposal")),
    responses(
        (status = 200, description = "The proposal", body = ProposalView),
        (status = 404, description = "No such proposal (or not visible to the caller)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/proposals/{id}")]
pub async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (row, _, scope) = service::get(&db, caller.as_deref(), id.into_inner().into()).await?;
    let lang = language(&req, &scope)?;
    Ok(HttpResponse::Ok().json(ProposalView::build(row, &scope, &lang, caller.as_deref())?))
}

/// Change a proposal.
///
/// Its author while it is `submitted` during `submission`, officials until voting opens.
#[utoipa::path(patch, path = "/api/v1/proposals/{id}", tag = "proposals",
    operation_id = "updateProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    request_body = ProposalBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = ProposalView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not allowed"),
        (status = 404, description = "No such proposal here"),
        (status = 409, description = "Not now (`cycle_not_accepting_proposals`)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/proposals/{id}")]
pub async fn update(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ProposalBody>,
) -> ApiResult<HttpResponse> {
    let row = service::update(
        &db,
        &caller,
        id.into_inner().into(),
        body.into_inner().into(),
    )
    .await?;
    respond(&req, &db, &caller, row.id, false).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[schema(value_type = crate::api::closed_sets::ReviewDecision)]
    pub decision: String,
    /// Required to reject; shown to the author.
    pub reason: Option<String>,
}

/// An official approves or rejects a proposal (until voting opens).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/review", tag = "proposals",
    operation_id = "reviewProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    request_body = ReviewBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = ProposalView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such proposal here"),
        (status = 409, description = "Not now, or withdrawn"),
        (status = 422, description = "Unknown decision or a rejection without reason"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/proposals/{id}/review")]
pub async fn review(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ReviewBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::field(
                "decision",
                "unknown_value",
                "decision is approve or reject",
            ))
        }
    };
    let row = service::review(&db, &caller, id.into_inner().into(), approve, body.reason).await?;
    respond(&req, &db, &caller, row.id, false).await
}

/// The author withdraws their proposal (until voting opens).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "proposals",
    operation_id = "withdrawProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = ProposalView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not the author"),
        (status = 404, description = "No such proposal"),
        (status = 409, description = "Not now, or already withdrawn or rejected"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/proposals/{id}/withdraw")]
pub async fn withdraw(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = service::withdraw(&db, &caller, id.into_inner().into()).await?;
    respond(&req, &db, &caller, row.id, false).await
}
