//! `POST /municipalities`: a platform admin creates a municipality with its first admin.

use std::collections::BTreeMap;

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::settings::SettingsView;
use crate::api::views::AccountView;
use crate::auth::extract::PlatformAdmin;
use crate::db::Db;
use crate::domain::SettingsInput;
use crate::error::ApiResult;
use crate::service::accounts::StaffInput;
use crate::service::municipalities::{self as service, NewMunicipality};

/// The first municipality admin: always invited (`invited`, a single-use link valid 7 days is
/// e-mailed to set their own password, which the platform admin never sees or sets).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    pub email: String,
    pub display_name: String,
}

/// A new municipality. Settings left out take the country's defaults.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMunicipality {
    /// Lower-case letters, digits and hyphens, 2–63 characters.
    pub slug: String,
    /// ISO 3166-1 alpha-2, e.g. `TR`, `KZ`.
    pub country: String,
    /// Name per language tag; the default language is required.
    pub names: BTreeMap<String, String>,
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
    pub admin: FirstAdmin,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedMunicipality {
    pub municipality: SettingsView,
    pub admin: AccountView,
}

/// Create a municipality together with its first municipality admin.
#[utoipa::path(post, path = "/api/v1/municipalities", tag = "admin",
    operation_id = "createMunicipality",
    request_body(content = CreateMunicipality, example = crate::api::examples::create_municipality),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, the first admin `invited`: the invitation is e-mailed", body = CreatedMunicipality,
            example = crate::api::examples::created_municipality),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a platform admin"),
        (status = 409, description = "The slug is taken"),
        (status = 422, description = "Invalid fields, each named"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities")]
// Each extractor is one thing the handler needs; the invitation needs four of them.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    req: HttpRequest,
    db: web::Data<Db>,
    admin: PlatformAdmin,
    // For the first admin's invitation: the key its code is hashed with, and the outbox.
    pepper: web::Data<crate::domain::Pepper>,
    settings: web::Data<crate::config::Settings>,
    sealer: web::Data<crate::auth::sealing::Sealer>,
    outbox: web::Data<crate::service::outbox::Outbox>,
    body: web::Json<CreateMunicipality>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mailing = crate::api::recovery::mailing(&settings, sealer, outbox);
    let created = service::create(
        &db,
        &admin.0,
        NewMunicipality {
            slug: body.slug,
            country: body.country,
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
                proposal_categories: None,
                verification_methods: None,
            },
            admin: StaffInput {
                email: body.admin.email,
                display_name: body.admin.display_name,
                role: "municipality_admin".into(),
            },
        },
        (pepper.get_ref(), &mailing),
    )
    .await?;
    let slug = created.municipality.slug.clone();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/municipalities/{slug}")))
        .json(CreatedMunicipality {
            municipality: SettingsView::build(&req, created.municipality)?,
            admin: AccountView::with_slug(created.admin, Some(slug)),
        }))
}
