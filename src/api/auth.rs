//! `/auth/login`, `/auth/refresh`, `/auth/logout`, `/me` and `/me/password`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::AccountView;
use crate::auth::extract::{client_ip, Caller};
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::auth::{self as auth_service, LoginInput, Tokens};
use crate::state::AuthState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The municipality's slug; omit (or null) for platform admins.
    pub municipality: Option<String>,
    /// An e-mail address, or for a resident also their national ID (spaces and dashes are
    /// ignored).
    pub login: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque; exchange it at `/auth/refresh`. Each one works once.
    pub refresh_token: String,
    pub account: AccountView,
}

pub(crate) async fn token_response(db: &Db, tokens: Tokens) -> ApiResult<HttpResponse> {
    let account = AccountView::load(db, tokens.account).await?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token: tokens.access_token,
        token_type: "Bearer".into(),
        expires_in: tokens.expires_in,
        refresh_token: tokens.refresh_token,
        account,
    }))
}

/// Log in with an e-mail (or, for residents, a national ID) and a password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = LoginRequest, example = crate::api::examples::login),
    operation_id = "login",
    security(()),
    responses(
        (status = 200, description = "Logged in", body = TokenResponse, example = crate::api::examples::logged_in),
        (status = 401, description = "Wrong login or password"),
        (status = 429, description = "Too many attempts"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    pepper: web::Data<Pepper>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = LoginInput {
        municipality: body.municipality,
        login: body.login,
        password: body.password,
        client_ip: client_ip(&req, auth.trust_forwarded_for),
    };
    let tokens = auth_service::login(&db, &auth, &pepper, input).await?;
    token_response(&db, tokens).await
}

/// Exchange a refresh token for a new access token and a new refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    operation_id = "refreshTokens",
    security(()),
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/refresh")]
pub async fn refresh(
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let tokens =
        auth_service::refresh(&db, auth.into_inner(), body.into_inner().refresh_token).await?;
    token_response(&db, tokens).await
}

/// End the current session: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    operation_id = "logout",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No valid token"),
    ))]
#[post("/auth/logout")]
pub async fn logout(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    auth_service::logout(&db, caller.session_id.clone()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The calling account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = AccountView),
        (status = 401, description = "No valid token"),
    ))]
#[get("/me")]
pub async fn me(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    let row = crate::service::accounts::find(&db, caller.account_id.clone()).await?;
    Ok(HttpResponse::Ok().json(AccountView::load(&db, row).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// Under the same policy as at registration.
    pub new_password: String,
}

/// Change the caller's password.
///
/// The current password is required; every other session of the account ends (this one stays).
/// Attempts are throttled per account like logins (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth",
    operation_id = "changePassword",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No valid token"),
        (status = 422, description = "`wrong_password` (the current one), or the new one breaks the password policy"),
        (status = 429, description = "Too many attempts on this account; see `Retry-After`"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/me/password")]
pub async fn change_password(
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    pepper: web::Data<Pepper>,
    caller: Caller,
    body: web::Json<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.into_inner();
    let throttle = (&auth.limiter, pepper.get_ref());
    crate::service::accounts::change_password(
        &db,
        throttle,
        &caller,
        current_password,
        new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
