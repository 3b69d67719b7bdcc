//! `GET|PATCH /municipalities/{slug}/settings`.

use std::collections::BTreeMap;

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::municipalities::MunicipalityView;
use crate::api::views::utc;
use crate::auth::extract::{Admins, Staff};
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::SettingsInput;
use crate::error::ApiResult;
use crate::service::municipalities::{self as service, SettingsPatch};

/// A municipality's settings as its admins see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    pub id: String,
    #[serde(flatten)]
    pub public: MunicipalityView,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl SettingsView {
    pub fn build(req: &HttpRequest, row: Municipality) -> ApiResult<Self> {
        let (id, created_at, updated_at) = (row.id.to_string(), row.created_at, row.updated_at);
        Ok(Self {
            id,
            public: MunicipalityView::build(req, row)?,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

/// Fields to change; those left out stay as they are. The country cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    pub names: Option<BTreeMap<String, String>>,
    pub languages: Option<Vec<String>>,
    pub default_language: Option<String>,
    pub currency: Option<String>,
    pub time_zone: Option<String>,
    #[schema(value_type = Option<crate::domain::NationalIdScheme>)]
    pub national_id_scheme: Option<String>,
    /// `enforce` (a wrong check digit refuses the ID) or `warn`.
    #[schema(value_type = Option<crate::domain::CheckDigitPolicy>)]
    pub check_digit_policy: Option<String>,
    pub min_voting_age: Option<i64>,
    #[schema(value_type = Option<crate::domain::RegistrationPolicy>)]
    pub registration_policy: Option<String>,
    #[schema(value_type = Option<crate::domain::RevotePolicy>)]
    pub revote_policy: Option<String>,
    /// How many proposals one resident may submit in a cycle (0–100, default 5).
    pub max_proposals_per_resident: Option<i64>,
    /// The whole list of proposal categories (replaces the old one; `[]`: free text). Each
    /// `key` is a-z, 0-9, `-`, `_`; `names` has the default language and enabled ones only.
    pub proposal_categories: Option<Vec<crate::domain::ProposalCategory>>,
    /// The whole set of verification methods offered (at least one, none twice); budgets
    /// accept some or all of them for voting.
    #[schema(value_type = Option<Vec<crate::domain::VerificationMethod>>)]
    pub verification_methods: Option<Vec<String>>,
}

/// Read the municipality's settings.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/settings", tag = "admin",
    operation_id = "getSettings",
    params(("slug" = String, Path, description = "The municipality's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
    ))]
#[get("/municipalities/{slug}/settings")]
pub async fn show(req: HttpRequest, staff: Staff<Admins>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(SettingsView::build(&req, staff.municipality)?))
}

/// Change the municipality's settings. Every bad field is named in one 422 answer.
#[utoipa::path(patch, path = "/api/v1/municipalities/{slug}/settings", tag = "admin",
    operation_id = "updateSettings",
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body = SettingsUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new settings", body = SettingsView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = 422, description = "Invalid settings, each field named"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/municipalities/{slug}/settings")]
pub async fn update(
    req: HttpRequest,
    db: web::Data<Db>,
    staff: Staff<Admins>,
    body: web::Json<SettingsUpdate>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let patch = SettingsPatch {
        names: body.names,
        settings: SettingsInput {
            currency: body.currency,
            time_zone: body.time_zone,
            languages: body.languages,
            default_language: body.default_language,
            national_id_scheme: body.national_id_scheme,
            check_digit_policy: body.check_digit_policy,
            min_voting_age: body.min_voting_age,
            registration_policy: body.registration_policy,
            revote_policy: body.revote_policy,
            max_proposals_per_resident: body.max_proposals_per_resident,
            proposal_categories: body.proposal_categories,
            verification_methods: body.verification_methods,
        },
    };
    let row = service::update_settings(&db, &staff.caller, staff.municipality, patch).await?;
    Ok(HttpResponse::Ok().json(SettingsView::build(&req, row)?))
}
