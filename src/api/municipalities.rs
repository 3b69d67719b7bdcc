//! Public reads: the municipalities, their public settings and their districts.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::by_slug::BySlug;
use crate::api::lang;
use crate::api::views::utc;
use crate::db::districts::DistrictRow;
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::translations::pick;
use crate::domain::SettingsWire;
use crate::error::ApiResult;
use crate::service::directory;

/// What anyone may know about a municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityView {
    pub slug: String,
    /// Name per language tag.
    pub names: BTreeMap<String, String>,
    /// The name in the caller's language (`?lang=` or `Accept-Language`), else the default.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub languages: Vec<String>,
    pub default_language: String,
    /// ISO 4217; money fields (`*_minor`) count its minor units.
    pub currency: String,
    /// IANA time zone name.
    pub time_zone: String,
    #[schema(value_type = crate::domain::NationalIdScheme)]
    pub national_id_scheme: String,
    /// What a wrong check digit does.
    #[schema(value_type = crate::domain::CheckDigitPolicy)]
    pub check_digit_policy: String,
    pub min_voting_age: i32,
    #[schema(value_type = crate::domain::RegistrationPolicy)]
    pub registration_policy: String,
    #[schema(value_type = crate::domain::RevotePolicy)]
    pub revote_policy: String,
    /// How many proposals one resident may submit in a cycle.
    pub max_proposals_per_resident: i32,
    /// The categories a proposal may carry, with their names per language (the client shows
    /// them in the page's language); empty: categories are free text.
    pub proposal_categories: Vec<crate::domain::ProposalCategory>,
    /// The ways a resident may prove their registration here (`docs/identity.md`);
    /// a budget's `accepted_verifications` are some of them.
    pub verification_methods: Vec<crate::domain::VerificationMethod>,
}

impl MunicipalityView {
    pub fn build(req: &HttpRequest, row: Municipality) -> ApiResult<Self> {
        let settings = SettingsWire::from(&row.settings);
        let lang = lang::negotiate(req, &settings.languages, row.default_language());
        Ok(Self {
            name: pick(&row.names, &lang, row.default_language()),
            default_language: settings.default_language,
            currency: settings.currency,
            time_zone: settings.time_zone,
            national_id_scheme: settings.national_id_scheme,
            check_digit_policy: settings.check_digit_policy,
            min_voting_age: settings.min_voting_age,
            registration_policy: settings.registration_policy,
            revote_policy: settings.revote_policy,
            max_proposals_per_resident: settings.max_proposals_per_resident,
            proposal_categories: row.settings.proposal_categories.clone(),
            verification_methods: row.settings.verification_methods.clone(),
            slug: row.slug,
            names: row.names.0,
            country: row.country,
            languages: settings.languages,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    pub id: String,
    pub names: BTreeMap<String, String>,
    /// The name in the caller's language, else the default language.
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl DistrictView {
    pub fn build(row: DistrictRow, lang: &str, default: &str) -> ApiResult<Self> {
        let names: BTreeMap<String, String> = row.names.0.clone();
        Ok(Self {
            name: pick(&names, lang, default),
            id: row.id.into(),
            names,
            created_at: utc(row.created_at),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Language of the `name` fields.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityPage {
    pub items: Vec<MunicipalityView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// All municipalities, by slug.
#[utoipa::path(get, path = "/api/v1/municipalities", tag = "municipalities", params(PageQuery),
    operation_id = "listMunicipalities",
    security(()),
    responses(
        (status = 200, description = "A page of municipalities", body = MunicipalityPage),
        (status = 400, description = "Malformed query"),
    ))]
#[get("/municipalities")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 100));
    let cursor = query.cursor.clone();
    let rows = directory::municipalities(&db, cursor, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| MunicipalityView::build(&req, row))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = more.then(|| items.last().map(|m| m.slug.clone())).flatten();
    Ok(HttpResponse::Ok().json(MunicipalityPage { items, next_cursor }))
}

/// One municipality's public settings.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}", tag = "municipalities",
    operation_id = "getMunicipality",
    security(()),
    params(("slug" = String, Path, description = "The municipality's slug")),
    responses(
        (status = 200, description = "The municipality", body = MunicipalityView),
        (status = 404, description = "No such municipality"),
    ))]
#[get("/municipalities/{slug}")]
pub async fn show(req: HttpRequest, BySlug(row): BySlug) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(MunicipalityView::build(&req, row)?))
}

/// A municipality's districts.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/districts", tag = "municipalities",
    operation_id = "listDistricts",
    security(()),
    params(("slug" = String, Path, description = "The municipality's slug")),
    responses(
        (status = 200, description = "Its districts, oldest first", body = Vec<DistrictView>),
        (status = 404, description = "No such municipality"),
    ))]
#[get("/municipalities/{slug}/districts")]
pub async fn list_districts(
    req: HttpRequest,
    db: web::Data<Db>,
    BySlug(municipality): BySlug,
) -> ApiResult<HttpResponse> {
    let rows = directory::districts(&db, municipality.id.clone()).await?;
    let languages = municipality.languages();
    let lang = lang::negotiate(&req, &languages, municipality.default_language());
    let views = rows
        .into_iter()
        .map(|row| DistrictView::build(row, &lang, municipality.default_language()))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}
