//! Budget cycles: `GET|POST /municipalities/{slug}/cycles`, `GET|PATCH /cycles/{id}`,
//! `POST /cycles/{id}/transition`.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::budgets::BudgetView;
use crate::api::by_slug;
use crate::api::lang;
use crate::api::patch::double_option;
use crate::api::views::utc;
use crate::auth::extract::{Caller, Officials, Staff};
use crate::db::Db;
use crate::domain::cycle::CycleStatus;
use crate::domain::translations::pick;
use crate::error::{ApiError, ApiResult};
use crate::service::cycles::{self as service, CycleInput};
use crate::service::scope::CycleScope;

/// A budget cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleView {
    pub id: String,
    /// The municipality's slug.
    pub municipality: String,
    pub names: BTreeMap<String, String>,
    /// The name in the caller's language, else the default language.
    pub name: String,
    /// A cycle whose scheduled close has passed reads `closed`.
    #[schema(value_type = CycleStatus)]
    pub status: String,
    /// The municipality's IANA zone, in which the `*_local` times are given.
    pub time_zone: String,
    pub submission_opens_at: Option<DateTime<Utc>>,
    pub voting_opens_at: Option<DateTime<Utc>>,
    /// When voting closes by itself, if scheduled.
    pub voting_closes_at: Option<DateTime<Utc>>,
    /// `voting_closes_at` as wall-clock time in the municipality's zone.
    pub voting_closes_local: Option<String>,
    pub voting_opened_at: Option<DateTime<Utc>>,
    /// When the close was written down: no ballot committed after it, and every ballot was
    /// cast no later. A scheduled close is written at or a moment after `voting_closes_at`
    /// (later if a ballot accepted before that instant was still being stored); it is null
    /// until then, though `status` already reads `closed`.
    pub voting_closed_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The cycle's budgets, as `GET /cycles/{id}/budgets` gives them; only with
    /// `?include=budgets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Vec<BudgetView>>,
}

impl CycleView {
    pub fn build(req: &HttpRequest, scope: CycleScope) -> ApiResult<Self> {
        let CycleScope {
            cycle,
            municipality,
            status,
        } = scope;
        let languages = municipality.languages();
        let lang = lang::negotiate(req, &languages, municipality.default_language());
        let names: BTreeMap<String, String> = cycle.names.0.clone();
        let zone = municipality.settings.time_zone.tz();
        Ok(CycleView {
            name: pick(&names, &lang, municipality.default_language()),
            id: cycle.id.into(),
            municipality: municipality.slug,
            names,
            status: status.as_str().to_string(),
            time_zone: municipality.settings.time_zone.name().to_string(),
            submission_opens_at: cycle.submission_opens_at.map(utc),
            voting_opens_at: cycle.voting_opens_at.map(utc),
            voting_closes_at: cycle.voting_closes_at.map(utc),
            voting_closes_local: cycle.voting_closes_at.map(|t| {
                utc(t)
                    .with_timezone(&zone)
                    .format("%Y-%m-%dT%H:%M:%S")
                    .to_string()
            }),
            voting_opened_at: cycle.voting_opened_at.map(utc),
            voting_closed_at: cycle.voting_closed_at.map(utc),
            published_at: cycle.published_at.map(utc),
            created_at: utc(cycle.created_at),
            updated_at: utc(cycle.updated_at),
            budgets: None,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CycleListQuery {
    /// `budgets`: each cycle with its budgets, so a city's page needs one request, not one per
    /// cycle (a round trip each on a phone's 3G).
    #[param(value_type = Option<crate::api::closed_sets::CycleInclude>)]
    pub include: Option<String>,
    /// Language of `name` (else `Accept-Language`).
    pub lang: Option<String>,
}

/// A cycle's details. Times: an RFC 3339 instant, or a wall-clock time such as
/// `2027-05-31T20:00` in the municipality's zone; `null` clears a time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleBody {
    /// Name per language tag; the default language is required.
    pub names: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub submission_opens_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub voting_opens_at: Option<Option<String>>,
    /// Voting closes by itself at this time; no ballot is accepted from then on.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub voting_closes_at: Option<Option<String>>,
}

impl From<CycleBody> for CycleInput {
    fn from(b: CycleBody) -> Self {
        CycleInput {
            names: b.names,
            submission_opens_at: b.submission_opens_at,
            voting_opens_at: b.voting_opens_at,
            voting_closes_at: b.voting_closes_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The status to move to.
    #[schema(example = "submission", value_type = CycleStatus)]
    pub to: String,
}

/// The municipality's cycles, newest first (drafts only for its staff).
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/cycles", tag = "cycles",
    operation_id = "listCycles",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The municipality's slug"), CycleListQuery),
    responses(
        (status = 200, description = "The cycles", body = Vec<CycleView>),
        (status = 400, description = "`include` is not `budgets` (`invalid_query`)"),
        (status = 404, description = "No such municipality"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/municipalities/{slug}/cycles")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    query: web::Query<CycleListQuery>,
) -> ApiResult<HttpResponse> {
    let with_budgets = match query.include.as_deref() {
        None => false,
        Some("budgets") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "include takes only `budgets`",
            ))
        }
    };
    // Loaded after the query is checked: a bad `include` is 400 even for an unknown slug.
    let municipality = by_slug::load(&req).await?;
    let listed = service::list(&db, caller.as_deref(), municipality, with_budgets).await?;
    let views = listed
        .into_iter()
        .map(|(scope, rows)| {
            let budgets = rows
                .map(|rows| {
                    rows.into_iter()
                        .map(|row| BudgetView::build(&req, row, &scope))
                        .collect::<ApiResult<Vec<_>>>()
                })
                .transpose()?;
            Ok(CycleView {
                budgets,
                ..CycleView::build(&req, scope)?
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Start a cycle (as a draft).
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/cycles", tag = "cycles",
    operation_id = "createCycle",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body(content = CycleBody, example = crate::api::examples::create_cycle),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CycleView, example = crate::api::examples::cycle),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/cycles")]
pub async fn create(
    req: HttpRequest,
    db: web::Data<Db>,
    staff: Staff<Officials>,
    body: web::Json<CycleBody>,
) -> ApiResult<HttpResponse> {
    let row = service::create(
        &db,
        &staff.caller,
        &staff.municipality,
        body.into_inner().into(),
    )
    .await?;
    let scope = service::get(&db, Some(&staff.caller), row.id).await?;
    Ok(HttpResponse::Created().json(CycleView::build(&req, scope)?))
}

/// One cycle.
#[utoipa::path(get, path = "/api/v1/cycles/{id}", tag = "cycles",
    operation_id = "getCycle",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The cycle")),
    responses(
        (status = 200, description = "The cycle", body = CycleView),
        (status = 404, description = "No such cycle (or a draft of another municipality)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}")]
pub async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let scope = service::get(&db, caller.as_deref(), id.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(CycleView::build(&req, scope)?))
}

/// Change a draft's names or scheduled times.
#[utoipa::path(patch, path = "/api/v1/cycles/{id}", tag = "cycles",
    operation_id = "updateCycle",
    params(("id" = Uuid, Path, description = "The cycle")),
    request_body = CycleBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CycleView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such cycle here"),
        (status = 409, description = "Not a draft (`cycle_not_draft`)"),
        (status = 422, description = "Invalid fields"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/cycles/{id}")]
pub async fn update(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CycleBody>,
) -> ApiResult<HttpResponse> {
    let scope = service::update(
        &db,
        &caller,
        id.into_inner().into(),
        body.into_inner().into(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CycleView::build(&req, scope)?))
}

/// Move the cycle along its lifecycle.
///
/// `draft → submission → review → voting → closed → published`, or to `cancelled` before
/// `published`. Opening voting needs at least one approved proposal in every budget and
/// freezes the rules and the ballots; publishing needs every budget counted.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/transition", tag = "cycles",
    operation_id = "transitionCycle",
    params(("id" = Uuid, Path, description = "The cycle")),
    request_body = TransitionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Moved", body = CycleView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such cycle here"),
        (status = 409, description = "Move not allowed now (`invalid_transition`, `no_budgets`, `budget_without_proposals`, `close_in_past`, `tally_missing`, `cycle_changed`)"),
        (status = 422, description = "Unknown status"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/cycles/{id}/transition")]
pub async fn transition(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<TransitionBody>,
) -> ApiResult<HttpResponse> {
    let to: CycleStatus = body
        .to
        .parse()
        .map_err(|e: crate::domain::UnknownVariant| {
            ApiError::field("to", "unknown_value", e.to_string())
        })?;
    let scope = service::transition(&db, &caller, id.into_inner().into(), to).await?;
    Ok(HttpResponse::Ok().json(CycleView::build(&req, scope)?))
}
