//! Who may vote in a budget, decided at casting time.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::municipalities::MunicipalityRow;
use crate::db::schema::residents;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::service::municipalities::settings_of;

/// What the ballot needs of the resident.
pub struct Eligible {
    pub national_id_hash: String,
}

fn refused(reason: &str) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        "not_eligible",
        format!("You cannot vote in this budget: {reason}."),
    )
}

/// A verified resident, old enough on today's date in the municipality's zone, living in the
/// budget's district (any district for a city-wide budget).
pub fn check(
    conn: &mut DbConn,
    municipality: &MunicipalityRow,
    account_id: &str,
    budget_district: Option<&str>,
    at: DateTime<Utc>,
) -> ApiResult<Eligible> {
    let row: Option<(String, String, chrono::NaiveDate, Option<String>)> = residents::table
        .find(account_id)
        .filter(residents::municipality_id.eq(&municipality.id))
        .select((
            residents::status,
            residents::national_id_hash,
            residents::birth_date,
            residents::district_id,
        ))
        .first(conn)
        .optional()?;
    let Some((status, national_id_hash, birth_date, district)) = row else {
        return Err(refused("not_verified"));
    };
    if status != "verified" {
        return Err(refused("not_verified"));
    }
    let settings = settings_of(municipality)?;
    if !settings.is_old_enough(birth_date, settings.time_zone.local_date(at)) {
        return Err(refused("too_young"));
    }
    if let Some(required) = budget_district {
        if district.as_deref() != Some(required) {
            return Err(refused("wrong_district"));
        }
    }
    Ok(Eligible { national_id_hash })
}
