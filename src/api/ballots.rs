//! Ballots: `PUT|GET /budgets/{id}/ballot`, `GET /budgets/{id}/eligibility`,
//! `POST /budgets/{id}/paper-ballots`,
//! `GET /receipts/{code}`.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::extract::{Caller, UncheckedCaller};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::{ApiError, ApiResult};
use crate::service::ballots::{
    self as service, Cast, CastReply, CastRequest, FrozenBallots, OwnBallot, PaperBatch,
    PaperReply, Selection, Standing,
};
use crate::service::receipts::{self, ReceiptStatus};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotBody {
    /// The proposals chosen: approval and knapsack ballots name them; cumulative ballots add
    /// `points`; ranked ballots add `rank` (or list them in order).
    pub selections: Vec<Selection>,
}

/// Cast or replace the caller's ballot while voting is open.
///
/// A retry with the same `Idempotency-Key` header gets the first answer again.
#[utoipa::path(put, path = "/api/v1/budgets/{id}/ballot", tag = "ballots",
    operation_id = "castBallot",
    params(("id" = Uuid, Path, description = "The budget"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request return the first answer")),
    request_body(content = BallotBody, example = crate::api::examples::ballot),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Cast", body = CastReply, example = crate::api::examples::cast),
        (status = 200, description = "Replaced an earlier ballot", body = CastReply,
            example = crate::api::examples::recast),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not eligible here (`not_eligible`: not verified, too young, another district, not a resident)"),
        (status = 404, description = "No such budget"),
        (status = 409, description = "Voting is not open (`cycle_not_in_voting`) or the ballot is final (`already_voted`)"),
        (status = 422, description = "The ballot breaks a rule: `too_many_selections`, `too_few_selections`, `over_budget`, `under_minimum_spend`, `points_exceeded`, `points_total_exceeded`, `duplicate_selection`, `proposal_not_on_ballot`, `invalid_selection`, `invalid_points`, `invalid_ranks`, `idempotency_key_reused`"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[put("/budgets/{id}/ballot")]
pub async fn cast(
    req: HttpRequest,
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    frozen: web::Data<FrozenBallots>,
    caller: UncheckedCaller,
    id: web::Path<Uuid>,
    body: web::Json<BallotBody>,
) -> ApiResult<HttpResponse> {
    let idempotency_key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    ApiError::bad_request(
                        "invalid_idempotency_key",
                        "the Idempotency-Key must be ASCII",
                    )
                })?
                .to_string(),
        ),
    };
    let request = CastRequest {
        budget_id: id.into_inner().into(),
        selections: body.into_inner().selections,
        idempotency_key,
        reply_ttl: reply_ttl(&req),
    };
    let outcome = service::cast(&db, &pepper, &frozen, caller.0, request).await?;
    Ok(HttpResponse::build(cast_status(&outcome))
        .content_type(ContentType::json())
        .body(outcome.into_body()))
}

/// 201 for a new ballot, 200 for a replaced one; a retry answers as its first request did.
fn cast_status(outcome: &Cast) -> StatusCode {
    match outcome {
        Cast::Recorded(_) => StatusCode::CREATED,
        Cast::Replaced(_) => StatusCode::OK,
        Cast::Replayed(first) => cast_status(first),
    }
}

/// How long a ballot's reply is kept for retries (`ballot_idempotency_hours`).
fn reply_ttl(req: &HttpRequest) -> chrono::TimeDelta {
    let hours = req
        .app_data::<web::Data<Settings>>()
        .map_or(Settings::default().ballot_idempotency_hours, |s| {
            s.ballot_idempotency_hours
        });
    chrono::TimeDelta::hours(i64::from(hours))
}

/// The caller's own current ballot in a budget.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/ballot", tag = "ballots",
    operation_id = "getOwnBallot",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ballot", body = OwnBallot),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No ballot (`no_ballot`) or no such budget"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/ballot")]
pub async fn own(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::own(&db, &pepper, &caller, id.into_inner().into()).await?))
}

/// Where the caller stands in a budget: whether they may vote now, and if not, why.
///
/// Whether a ballot sent now would be taken and, if not, why (the cast's own reasons); whether
/// they have voted, with the receipt, and may change it.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/eligibility", tag = "ballots",
    operation_id = "getEligibility",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's standing", body = Standing),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No such budget here"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/eligibility")]
pub async fn standing(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let standing = service::standing(&db, &pepper, &caller, id.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(standing))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperBody {
    pub polling_station: String,
    /// Each paper ballot's selections, as for `PUT /budgets/{id}/ballot`.
    pub ballots: Vec<BallotBody>,
}

/// An official enters a polling station's paper ballots.
///
/// During voting, or after the close before publication. The batch is checked like online
/// ballots and stored all or nothing; a stored count of the budget is dropped.
#[utoipa::path(post, path = "/api/v1/budgets/{id}/paper-ballots", tag = "ballots",
    operation_id = "enterPaperBallots",
    params(("id" = Uuid, Path, description = "The budget")),
    request_body = PaperBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The batch was stored", body = PaperReply),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = 409, description = "Not during voting or after the close (`cycle_not_in_voting`)"),
        (status = 422, description = "Ballots that break a rule, each named `ballots[i]` with its code"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/budgets/{id}/paper-ballots")]
pub async fn paper(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PaperBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let batch = PaperBatch {
        polling_station: body.polling_station,
        ballots: body.ballots.into_iter().map(|b| b.selections).collect(),
    };
    let reply = service::enter_paper(&db, &caller, id.into_inner().into(), batch).await?;
    Ok(HttpResponse::Created().json(reply))
}

/// Whether the ballot behind a receipt is in the count (after the close).
///
/// Never what it contains. Just after a scheduled close the answer waits until the close is
/// written down, so that `counted` is final.
#[utoipa::path(get, path = "/api/v1/receipts/{code}", tag = "ballots",
    operation_id = "checkReceipt",
    security(()),
    params(("code" = String, Path, description = "The receipt code, as given (case, spaces and dashes do not matter)")),
    responses(
        (status = 200, description = "The receipt's status", body = ReceiptStatus),
        (status = 404, description = "No such receipt"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/receipts/{code}")]
pub async fn receipt(db: web::Data<Db>, code: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(receipts::check(&db, &code).await?))
}

/// How many ballots a budget holds, by channel.
///
/// For the municipality's staff, also while voting runs. No endpoint shows running totals per
/// proposal before the close.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/turnout", tag = "ballots",
    operation_id = "getTurnout",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Ballot counts", body = crate::service::ballots::Turnout),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not staff of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/turnout")]
pub async fn turnout(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::turnout(&db, &caller, id.into_inner().into()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ballot_is_201_a_replacement_200_and_a_retry_as_its_first() {
        let recorded = Cast::Recorded(String::new());
        let replaced = Cast::Replaced(String::new());
        assert_eq!(cast_status(&recorded), StatusCode::CREATED);
        assert_eq!(cast_status(&replaced), StatusCode::OK);
        assert_eq!(
            cast_status(&Cast::Replayed(Box::new(recorded))),
            StatusCode::CREATED
        );
        assert_eq!(
            cast_status(&Cast::Replayed(Box::new(replaced))),
            StatusCode::OK
        );
    }
}
