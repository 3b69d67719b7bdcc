//! Exports: `GET /budgets/{id}/export.pb`, `GET /cycles/{id}/export` (the signed archive),
//! the public key that signs it (`GET /municipalities/{slug}/keys`), and the results as CSV
//! (`GET /budgets/{id}/results.csv`).

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::attachment::disposition;
use crate::api::by_slug::BySlug;
use crate::api::results::budget_language;
use crate::api::views::FileBytes;
use crate::archive::ArchiveKeys;
use crate::auth::extract::Caller;
use crate::db::Db;
use crate::domain::ids::BudgetId;
use crate::error::ApiResult;
use crate::service::exports::{self, Money};

/// A counted budget as a Pabulib `.pb` file.
///
/// For auditors and officials, once voting has closed: META with our exact rule in `comment`,
/// PROJECTS with `selected` from the stored result, VOTES with anonymous ids in a random
/// order. The export is recorded in the audit log with the file's SHA-256.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/export.pb", tag = "exports",
    operation_id = "exportBudgetPb",
    params(("id" = Uuid, Path, description = "The budget")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Pabulib file, as an attachment", body = inline(FileBytes), content_type = "text/plain; charset=utf-8",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"<slug>-<budget's name>-<YYYY-MM-DD>.pb\"; filename*=UTF-8''…` (the name in the default language; ASCII in `filename`, every script in `filename*`)"))),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an auditor or official of this municipality"),
        (status = 404, description = "No such budget here"),
        (status = 409, description = "Voting has not closed (`cycle_not_closed`), the budget is not counted (`not_tallied`), or the count changed meanwhile (`cycle_changed`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/export.pb")]
pub async fn budget_pb(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let export = exports::pb(&db, &caller, id.into_inner().into()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, disposition(&export.filename)))
        .streaming(export.body))
}

/// Everything a counted cycle produced, as one signed `.tar.gz`.
///
/// For auditors and officials, once voting has closed and every budget is counted: each
/// budget's `.pb`, results as JSON and CSV, the engine's stored result, the counted receipt
/// codes, the municipality's audit log, and `manifest.json` with the SHA-256 of every file,
/// signed with the municipality's Ed25519 key (`manifest.sig`). Check it offline with
/// `kurultai verify ARCHIVE --key PUBKEY`. The export is recorded in the audit log with the
/// archive's SHA-256.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/export", tag = "exports",
    operation_id = "exportCycleArchive",
    params(("id" = Uuid, Path, description = "The cycle")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The archive (`kurultai.archive/1`), as an attachment", body = inline(FileBytes), content_type = "application/gzip",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"<slug>-<cycle's name>-<YYYY-MM-DD>.tar.gz\"; filename*=UTF-8''…`"))),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an auditor or official of this municipality"),
        (status = 404, description = "No such cycle here"),
        (status = 409, description = "Voting has not closed (`cycle_not_closed`), a budget is not counted (`not_tallied`), or a count changed meanwhile (`cycle_changed`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/cycles/{id}/export")]
pub async fn cycle_archive(
    db: web::Data<Db>,
    keys: web::Data<ArchiveKeys>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let archive = crate::service::archive::cycle_archive(
        &db,
        keys.into_inner(),
        &caller,
        id.into_inner().into(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .insert_header((header::CONTENT_DISPOSITION, disposition(&archive.filename)))
        .streaming(archive.body))
}

/// A municipality's public keys: the Ed25519 key its cycle archives are signed with.
#[derive(Debug, Serialize, ToSchema)]
pub struct Keys {
    pub municipality: String,
    pub keys: Vec<KeyView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// `Ed25519`.
    pub algorithm: String,
    /// First 16 hex digits of the key's SHA-256, as in an archive's manifest.
    pub key_id: String,
    /// The 32-byte public key, base64: give it to `kurultai verify --key`.
    pub public_key: String,
    /// What the key signs: `cycle-archive`.
    #[serde(rename = "use")]
    pub usage: String,
}

/// The public key that signs the municipality's cycle archives (anyone may read it).
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/keys", tag = "exports",
    operation_id = "getSigningKeys",
    security(()),
    params(("slug" = String, Path, description = "The municipality")),
    responses(
        (status = 200, description = "The municipality's public keys", body = Keys),
        (status = 404, description = "No such municipality"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/municipalities/{slug}/keys")]
pub async fn public_keys(
    keys: web::Data<ArchiveKeys>,
    BySlug(municipality): BySlug,
) -> ApiResult<HttpResponse> {
    let public = keys.for_municipality(&municipality.id).public();
    Ok(HttpResponse::Ok().json(Keys {
        municipality: municipality.slug,
        keys: vec![KeyView {
            algorithm: "Ed25519".into(),
            key_id: public.key_id(),
            public_key: public.to_base64(),
            usage: "cycle-archive".into(),
        }],
    }))
}

/// A budget's results as CSV, for spreadsheets.
///
/// UTF-8 with BOM, a header row, one row per proposal: id, name, cost in main units, currency,
/// votes, score, selected `yes`/`no`, funding order, and the Equal Shares round that funded
/// it. Visible as `GET /budgets/{id}/results` is.
#[utoipa::path(get, path = "/api/v1/budgets/{id}/results.csv", tag = "results",
    operation_id = "getResultsCsv",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The budget"),
           ("lang" = Option<String>, Query, description = "Language of the names")),
    responses(
        (status = 200, description = "The results as CSV", body = inline(FileBytes), content_type = "text/csv; charset=utf-8"),
        (status = 404, description = "No such budget, or no result to show yet (`no_results`)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/budgets/{id}/results.csv")]
pub async fn results_csv(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Option<Caller>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (municipality, language) = budget_language(&req, &db, BudgetId::from(*id)).await?;
    let results = crate::service::tally::results(
        &db,
        caller.as_deref(),
        id.into_inner().into(),
        Some(language),
    )
    .await?;
    let csv = crate::service::results_csv::results_csv(&results, &Money::of(&municipality)?)?;
    let name = crate::service::download_names::budget(&db, results.budget_id, "csv").await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, disposition(&name)))
        .body(csv))
}
