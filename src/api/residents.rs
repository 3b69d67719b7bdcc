//! Residents: `POST|GET /municipalities/{slug}/residents`, `POST …/residents/{id}/verify`,
//! `POST …/residents/{id}/reject`, `GET|PATCH /me/profile` and `DELETE /me`.
//!
//! No response ever carries the national ID: the server does not have it after the request.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::by_slug;
use crate::api::views::utc;
use crate::auth::extract::{client_ip, Officials, OfficialsAndAdmins, ResidentAuth, Staff};
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::residents::{self as service, Decision, Profile, ProfilePatch, Registration};
use crate::state::AuthState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// In the municipality's scheme (`national_id_scheme`); spaces and dashes are ignored.
    /// Stored only as a keyed hash, never returned.
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub full_name: String,
    /// `YYYY-MM-DD`; must equal the date inside the ID for schemes that encode one.
    #[serde(default)]
    #[schema(value_type = String, format = Date)]
    pub birth_date: String,
    /// Required when the municipality has districts.
    pub district_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// At least 12 characters, not a common one.
    #[serde(default)]
    pub password: String,
    /// One of the municipality's languages.
    pub language: Option<String>,
}

/// A resident's profile, as the resident and the municipality's officials see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentView {
    /// The resident's account id.
    pub id: String,
    /// The municipality's slug.
    pub municipality: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub district_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub status: crate::domain::ResidentStatus,
    /// How the registration was proven, in the order the methods verified it (empty while
    /// pending; kept when an official rejects, since the rejection stands over any method).
    pub verified_by: Vec<crate::domain::VerificationMethod>,
    /// Why the registration was rejected.
    pub status_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Non-fatal findings at registration, e.g. `unverified_check_digit`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// To the resident only, while they are under the municipality's minimum voting age: the
    /// first day (on its calendar) they may vote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_from: Option<NaiveDate>,
}

impl ResidentView {
    pub(crate) fn build(profile: Profile, municipality: &str) -> Self {
        let Profile {
            resident,
            account,
            verified_by,
        } = profile;
        Self {
            id: resident.account_id.into(),
            municipality: municipality.to_string(),
            full_name: resident.full_name,
            birth_date: resident.birth_date,
            district_id: resident.district_id.map(String::from),
            email: account.email,
            phone: resident.phone,
            language: resident.language,
            status: resident.status,
            verified_by,
            status_reason: resident.status_reason,
            reviewed_at: resident.reviewed_at.map(utc),
            created_at: utc(resident.created_at),
            updated_at: utc(resident.updated_at),
            warnings: Vec::new(),
            votes_from: None,
        }
    }
}

/// Register as a resident of a municipality.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents", tag = "residents",
    operation_id = "registerResident",
    security(()),
    params(("slug" = String, Path, description = "The municipality's slug")),
    request_body(content = RegisterRequest, example = crate::api::examples::register_resident),
    responses(
        (status = 201, description = "Registered: `verified`, or `pending` until an official or the voter roll verifies", body = ResidentView,
            example = crate::api::examples::registered_resident),
        (status = 404, description = "No such municipality"),
        (status = 409, description = "`already_registered`: this ID or this e-mail (the answer does not say which)"),
        (status = 422, description = "Every bad field: `invalid_check_digit`, `birth_date_mismatch`, `unknown_district`, password policy…; or `invalid_text` (control, bidirectional or only invisible characters, in any field of any request)"),
        (status = 429, description = "Too many registrations from this address or with this ID"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents")]
pub async fn register(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    pepper: web::Data<Pepper>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    crate::service::throttle::take(
        &db,
        &pepper,
        auth.registration_limiter
            .address(&client_ip(&req, auth.trust_forwarded_for)),
    )
    .await?;
    // Loaded after the address is throttled, so an unknown slug counts as an attempt too.
    let municipality = by_slug::load(&req).await?;
    let body = body.into_inner();
    let input = Registration {
        national_id: body.national_id,
        full_name: body.full_name,
        birth_date: body.birth_date,
        district_id: body.district_id,
        email: body.email,
        phone: body.phone,
        password: body.password,
        language: body.language,
    };
    let slug = municipality.slug.clone();
    let registered = service::register(
        &db,
        &pepper,
        &auth.registration_limiter,
        municipality,
        input,
    )
    .await?;
    let mut view = ResidentView::build(
        Profile {
            resident: registered.resident,
            account: registered.account,
            verified_by: registered.verified_by,
        },
        &slug,
    );
    view.warnings = registered.warnings.iter().map(|w| w.to_string()).collect();
    view.votes_from = registered.votes_from;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResidentQuery {
    /// All when absent.
    #[param(value_type = Option<crate::domain::ResidentStatus>)]
    pub status: Option<String>,
    /// At most this many items.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (with the same filters).
    pub cursor: Option<String>,
    /// Only residents of this district.
    pub district: Option<Uuid>,
    /// Words that must all occur in the full name, in any case.
    pub q: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentPage {
    /// In registration order, oldest first.
    pub items: Vec<ResidentView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The municipality's residents, oldest registration first (e.g. `?status=pending` to review).
///
/// Filtered by status, district and a name search.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/residents", tag = "residents",
    operation_id = "listResidents",
    params(("slug" = String, Path, description = "The municipality's slug"), ResidentQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of residents", body = ResidentPage),
        (status = 400, description = "Malformed query or cursor"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official or admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
    ))]
#[get("/municipalities/{slug}/residents")]
pub async fn list(
    db: web::Data<Db>,
    staff: Staff<OfficialsAndAdmins>,
    query: web::Query<ResidentQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let status = query
        .status
        .as_deref()
        .map(service::parse_status)
        .transpose()?;
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 100));
    let filter = service::ResidentFilter {
        status,
        district: query.district.map(Into::into),
        search: query.q.filter(|q| !q.trim().is_empty()),
    };
    let (profiles, more) =
        service::list(&db, &staff.municipality, filter, query.cursor, limit).await?;
    let items: Vec<ResidentView> = profiles
        .into_iter()
        .map(|p| ResidentView::build(p, &staff.municipality.slug))
        .collect();
    let next_cursor = more.then(|| items.last().map(|r| r.id.clone())).flatten();
    Ok(HttpResponse::Ok().json(ResidentPage { items, next_cursor }))
}

/// Verify a registration.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents/{id}/verify", tag = "residents",
    operation_id = "verifyResident",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The resident")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified (also when already verified)", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such resident here"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents/{id}/verify")]
pub async fn verify(
    db: web::Data<Db>,
    staff: Staff<Officials>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let profile = service::review(
        &db,
        &staff.caller,
        &staff.municipality,
        id,
        Decision::Verify,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ResidentView::build(profile, &staff.municipality.slug)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Shown to the resident: 1 to 500 characters.
    #[serde(default)]
    pub reason: String,
}

/// Reject a registration, with a reason.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents/{id}/reject", tag = "residents",
    operation_id = "rejectResident",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The resident")),
    request_body = RejectRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected (also when already rejected)", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such resident here"),
        (status = 422, description = "No reason, or too long"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents/{id}/reject")]
pub async fn reject(
    db: web::Data<Db>,
    staff: Staff<Officials>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<RejectRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let reason = service::rejection_reason(&body.reason)?;
    let profile = service::review(
        &db,
        &staff.caller,
        &staff.municipality,
        id,
        Decision::Reject { reason },
    )
    .await?;
    Ok(HttpResponse::Ok().json(ResidentView::build(profile, &staff.municipality.slug)))
}

/// Release a rejected registration's national ID, so that its owner can register.
///
/// The registration is erased as a deletion erases it; the release is audit-logged.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/residents/{id}/release", tag = "residents",
    operation_id = "releaseResident",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The resident")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Released: the registration is gone and its ID free"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an official of this municipality"),
        (status = 404, description = "No such resident here"),
        (status = 409, description = "`not_rejected`: only a rejected registration is released"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/residents/{id}/release")]
pub async fn release(
    db: web::Data<Db>,
    staff: Staff<Officials>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    service::release(&db, &staff.caller, &staff.municipality, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn own_view(db: &Db, profile: Profile) -> ApiResult<ResidentView> {
    let id = profile.resident.municipality_id.clone();
    let municipality = crate::service::directory::municipality_by_id(db, id).await?;
    let votes_from =
        crate::service::residents::votes_from(&municipality, &profile.resident, Utc::now());
    let mut view = ResidentView::build(profile, &municipality.slug);
    view.votes_from = votes_from;
    Ok(view)
}

/// The caller's own resident profile.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "residents",
    operation_id = "getProfile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a resident"),
    ))]
#[get("/me/profile")]
pub async fn show_profile(db: web::Data<Db>, resident: ResidentAuth) -> ApiResult<HttpResponse> {
    let profile = service::own_profile(&db, &resident.0).await?;
    Ok(HttpResponse::Ok().json(own_view(&db, profile).await?))
}

/// Distinguishes a field sent as `null` (`Some(None)`: clear it) from one left out (`None`).
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A resident's corrections; absent fields stay as they are, `null` clears an optional one.
///
/// The birth date and the national ID cannot be changed here: the ID check, the voter-roll
/// match and the minimum-age rule were decided on them, so a resident who got one wrong
/// deletes the registration and registers again, passing those checks anew.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub full_name: Option<String>,
    /// One of the municipality's districts (it cannot be cleared when the municipality has any).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub district_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub language: Option<Option<String>>,
}

/// Correct the caller's name, district, e-mail, phone or language.
#[utoipa::path(patch, path = "/api/v1/me/profile", tag = "residents",
    operation_id = "updateProfile",
    request_body = ProfileUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The corrected profile", body = ResidentView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a resident"),
        (status = 409, description = "The e-mail is taken here"),
        (status = 422, description = "Every bad field"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[patch("/me/profile")]
pub async fn update_profile(
    db: web::Data<Db>,
    resident: ResidentAuth,
    body: web::Json<ProfileUpdate>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let patch = ProfilePatch {
        full_name: body.full_name,
        district_id: body.district_id,
        email: body.email,
        phone: body.phone,
        language: body.language,
    };
    let profile = service::update_profile(&db, &resident.0, patch).await?;
    Ok(HttpResponse::Ok().json(own_view(&db, profile).await?))
}

/// Delete the caller's registration and account.
///
/// Every session ends; ballots already cast stay counted and can no longer be linked to
/// anyone.
#[utoipa::path(delete, path = "/api/v1/me", tag = "residents",
    operation_id = "deleteMe",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not a resident"),
    ))]
#[delete("/me")]
pub async fn delete_me(db: web::Data<Db>, resident: ResidentAuth) -> ApiResult<HttpResponse> {
    service::delete_self(&db, &resident.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
