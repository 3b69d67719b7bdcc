//! `GET /municipalities/{slug}/audit-log`: the municipality's hash-chained log, page by page,
//! optionally filtered by action and by day, with the whole chain checked from its first entry
//! through the last one returned.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::{AuditReaders, Staff};
use std::collections::HashMap;

use crate::db::audit::AuditRow;
use crate::db::Db;
use crate::domain::TimeZoneName;

use crate::error::{ApiError, ApiResult};
use crate::service::audit_pages::{Filter, StaffName};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: String,
    pub actor_account_id: Option<String>,
    /// The actor's display name, when the actor is staff of this municipality (residents and
    /// platform admins are named by role only).
    pub actor_name: Option<String>,
    /// The actor's e-mail, when the actor is staff of this municipality.
    pub actor_email: Option<String>,
    /// The actor's role, or `system` for scheduled acts.
    #[schema(value_type = crate::api::closed_sets::ActorRole)]
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and every field of the entry (see `db::audit::entry_hash`).
    pub hash: String,
}

impl AuditEntry {
    fn from_row(row: AuditRow, staff: &HashMap<String, StaffName>) -> Self {
        let actor = row.actor_account_id.as_ref().and_then(|id| staff.get(id));
        AuditEntry {
            actor_name: actor.map(|a| a.display_name.clone()),
            actor_email: actor.and_then(|a| a.email.clone()),
            details: row.details_json(),
            seq: row.seq,
            id: row.id,
            actor_account_id: row.actor_account_id,
            actor_role: row.actor_role,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            created_at: row.created_at.and_utc(),
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<i64>,
    /// Whether every entry of the whole chain, from its first through `checked_through`,
    /// links up and hashes to what is stored (the entries a filter leaves out included).
    pub chain_intact: bool,
    /// The sequence number the check ran through: this page's last entry, or the chain's last
    /// entry when this is the last page (filtered or empty pages included).
    pub checked_through: i64,
    /// The first entry whose link or hash does not hold, if any.
    pub first_broken_seq: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this sequence number (default: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many entries.
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<i64>,
    /// Only entries of this action (e.g. `cycle.transition`).
    pub action: Option<String>,
    /// Only entries from this day on, in the municipality's time zone (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Only entries up to and including this day, in the municipality's time zone.
    #[param(value_type = Option<String>, format = Date)]
    pub until: Option<NaiveDate>,
}

impl AuditQuery {
    /// The filter the query asks for, its days read in the municipality's `zone`: `from` starts
    /// at its local midnight, `until` ends at the next day's.
    fn filter(&self, zone: TimeZoneName) -> ApiResult<Filter> {
        if let (Some(from), Some(until)) = (self.from, self.until) {
            if from > until {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "from is a day on or before until",
                ));
            }
        }
        let midnight = |day: NaiveDate| zone.to_utc(day.and_time(NaiveTime::MIN)).naive_utc();
        Ok(Filter {
            action: self.action.clone().filter(|a| !a.is_empty()),
            since: self.from.map(midnight),
            before: self.until.and_then(|d| d.succ_opt()).map(midnight),
        })
    }
}

/// The municipality's audit log, oldest first, with the hash chain checked.
///
/// Optionally only one action's entries or those of some days (in the municipality's time
/// zone); pages stay keyed by `seq` under a filter, so none is dropped or repeated.
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}/audit-log", tag = "audit",
    operation_id = "listAuditLog",
    params(("slug" = String, Path, description = "The municipality's slug"), AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the log", body = AuditPage),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an auditor or admin of this municipality"),
        (status = 404, description = "No such municipality (or another tenant's)"),
        (status = "4XX", description = "Malformed request"),
    ))]
#[get("/municipalities/{slug}/audit-log")]
pub async fn list(
    db: web::Data<Db>,
    staff: Staff<AuditReaders>,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) || query.after.is_some_and(|a| a < 0) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit is 1–500 and after is not negative",
        ));
    }
    let after = query.after.unwrap_or(0);
    let filter = query.filter(staff.municipality.settings.time_zone)?;
    let municipality = staff.municipality.id.clone();
    let page = crate::service::audit_pages::page(&db, municipality, after, limit, filter).await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        next_after: page.next_after,
        checked_through: page.checked_through,
        chain_intact: page.first_broken_seq.is_none(),
        first_broken_seq: page.first_broken_seq,
        entries: page
            .entries
            .into_iter()
            .map(|row| AuditEntry::from_row(row, &page.staff))
            .collect(),
    }))
}
