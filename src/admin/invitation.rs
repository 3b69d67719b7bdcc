//! `POST /municipalities/{slug}/staff/{id}/invitation`: an admin sends an invited staff member
//! a new invitation link (the rules in `service::staff::resend_invitation`).

use actix_web::{post, web, HttpResponse};
use uuid::Uuid;

use crate::api::recovery::RecoveryAccepted;
use crate::auth::extract::{Admins, Staff};
use crate::auth::rate_limit::RecoveryLimiter;
use crate::auth::sealing::Sealer;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::Pepper;
use crate::error::ApiResult;
use crate::service::outbox::Outbox;
use crate::service::staff as service;

/// Send an invited staff member a new invitation link.
///
/// The earlier link stops working; the e-mail is the first one's, in the municipality's
/// language. Audit-logged as `staff.invitation_resent` (without the link). Throttled per
/// account (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/staff/{id}/invitation", tag = "admin",
    operation_id = "resendStaffInvitation",
    params(("slug" = String, Path, description = "The municipality's slug"),
           ("id" = Uuid, Path, description = "The invited account")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new link is issued and its e-mail queued", body = RecoveryAccepted),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin of this municipality"),
        (status = 404, description = "No such staff account here"),
        (status = 409, description = "`not_invited`: the account has set its password or is disabled"),
        (status = 429, description = "Too many invitations resent to this account; see `Retry-After`"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[post("/municipalities/{slug}/staff/{id}/invitation")]
#[allow(clippy::too_many_arguments)]
pub async fn resend(
    db: web::Data<Db>,
    staff: Staff<Admins>,
    path: web::Path<(String, Uuid)>,
    pepper: web::Data<Pepper>,
    settings: web::Data<Settings>,
    sealer: web::Data<Sealer>,
    outbox: web::Data<Outbox>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().1.into();
    let mailing = crate::api::recovery::mailing(&settings, sealer, outbox);
    let limiter = RecoveryLimiter::new(&settings.recovery);
    let invitations = (pepper.get_ref(), &mailing, &limiter);
    service::resend_invitation(&db, &staff.caller, &staff.municipality, id, invitations).await?;
    Ok(HttpResponse::Accepted().json(RecoveryAccepted {
        status: "accepted".into(),
    }))
}
