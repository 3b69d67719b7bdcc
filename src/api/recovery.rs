//! `/auth/password-recovery` and `/auth/password-reset`: a new password through a link sent by
//! e-mail (the rules in `service::recovery`); `/auth/invitation`: an invited staff member's
//! first password (`service::invitations`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::extract::client_ip;
use crate::auth::rate_limit::RecoveryLimiter;
use crate::auth::sealing::Sealer;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::outbox::{Mailing, Outbox};
use crate::service::recovery::{self, RecoveryRequest};
use crate::state::AuthState;

/// What a handler that queues e-mail hands its service (also the admin module's staff
/// invitations).
pub fn mailing(
    settings: &Settings,
    sealer: web::Data<Sealer>,
    outbox: web::Data<Outbox>,
) -> Mailing {
    let base = settings.public_url.as_deref().unwrap_or_default();
    Mailing {
        sealer: sealer.into_inner(),
        outbox: outbox.into_inner(),
        public_url: base.trim_end_matches('/').to_string(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRecovery {
    /// The municipality's slug; omit (or null) for platform admins.
    pub municipality: Option<String>,
    /// The account's e-mail address.
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryAccepted {
    /// Always `accepted`: the same whether or not the address belongs to an account.
    #[schema(example = "accepted")]
    pub status: String,
}

/// Ask for a password-recovery link by e-mail.
///
/// The answer is the same whether or not the address belongs to an active account here, so it
/// tells no one who is registered; when it does, a single-use link (valid for a short time) is
/// e-mailed to it. Throttled per client address and per e-mail address (429 with
/// `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/password-recovery", tag = "auth",
    operation_id = "requestPasswordRecovery",
    request_body = PasswordRecovery,
    security(()),
    responses(
        (status = 202, description = "Accepted (whether or not the address is registered)", body = RecoveryAccepted),
        (status = 422, description = "`invalid_email`: not an e-mail address"),
        (status = 429, description = "Too many requests from this address or for this e-mail; see `Retry-After`"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/password-recovery")]
#[allow(clippy::too_many_arguments)]
pub async fn request(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<AuthState>,
    pepper: web::Data<Pepper>,
    settings: web::Data<Settings>,
    sealer: web::Data<Sealer>,
    outbox: web::Data<Outbox>,
    body: web::Json<PasswordRecovery>,
) -> ApiResult<HttpResponse> {
    let PasswordRecovery {
        municipality,
        email,
    } = body.into_inner();
    let mailing = mailing(&settings, sealer, outbox);
    let lifetime = chrono::Duration::seconds(
        i64::try_from(settings.recovery.link_lifetime_secs).unwrap_or(i64::MAX / 1000),
    );
    let input = RecoveryRequest {
        municipality,
        email,
        client_ip: client_ip(&req, auth.trust_forwarded_for),
    };
    let limiter = RecoveryLimiter::new(&settings.recovery);
    recovery::request(&db, &pepper, &limiter, &mailing, lifetime, input).await?;
    Ok(HttpResponse::Accepted().json(RecoveryAccepted {
        status: "accepted".into(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The `token` of the link in the recovery e-mail.
    pub token: String,
    /// Under the same policy as at registration.
    pub new_password: String,
}

/// Set a new password with the token of a recovery link.
///
/// The link works once and for a short time; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    operation_id = "resetPassword",
    request_body = PasswordReset,
    security(()),
    responses(
        (status = 204, description = "The password is set; every session of the account has ended"),
        (status = 403, description = "`invalid_code`: an unknown, used or expired link"),
        (status = 422, description = "The new password breaks the policy"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/password-reset")]
pub async fn reset(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    body: web::Json<PasswordReset>,
) -> ApiResult<HttpResponse> {
    let PasswordReset {
        token,
        new_password,
    } = body.into_inner();
    recovery::reset(&db, &pepper, token, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationAcceptance {
    /// The `token` of the link in the invitation e-mail.
    pub token: String,
    /// The staff member's own password (at least 12 characters, not a common one).
    pub password: String,
}

/// Accept a staff invitation by setting one's own password.
///
/// The invitation link works once and for 7 days; the account becomes active and can log in.
#[utoipa::path(post, path = "/api/v1/auth/invitation", tag = "auth",
    operation_id = "acceptInvitation",
    request_body = InvitationAcceptance,
    security(()),
    responses(
        (status = 204, description = "The password is set and the account is active"),
        (status = 403, description = "`invalid_code`: an unknown, used or expired invitation"),
        (status = 422, description = "The password breaks the policy"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/auth/invitation")]
pub async fn accept_invitation(
    db: web::Data<Db>,
    pepper: web::Data<Pepper>,
    body: web::Json<InvitationAcceptance>,
) -> ApiResult<HttpResponse> {
    let InvitationAcceptance { token, password } = body.into_inner();
    crate::service::invitations::accept(&db, &pepper, token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}
