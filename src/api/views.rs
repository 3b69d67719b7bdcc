//! Response shapes shared by several endpoints.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::accounts::AccountRow;
use crate::db::Db;
use crate::error::ApiResult;

// A file (an export, a CSV) in the API document: `type: string, format: binary`, which
// generated clients read as a blob or bytes rather than as text or JSON.
/// The file's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// Stored times are UTC; the API speaks RFC 3339 with `Z`.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// An account as its owner or its admins see it. Never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    #[schema(value_type = crate::domain::Role)]
    pub role: String,
    pub email: Option<String>,
    pub display_name: String,
    // Never `deleted`: a deleted account has no view.
    #[schema(value_type = crate::api::closed_sets::AccountStatus)]
    pub status: crate::domain::AccountStatus,
    /// The municipality's slug; null for platform admins.
    pub municipality: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl AccountView {
    /// The view with the municipality's slug filled in, when the caller has only the row.
    pub async fn load(db: &Db, row: AccountRow) -> ApiResult<Self> {
        let slug = match row.municipality_id.clone() {
            Some(id) => Some(crate::service::directory::slug_of(db, id).await?),
            None => None,
        };
        Ok(Self::with_slug(row, slug))
    }

    pub fn with_slug(row: AccountRow, municipality: Option<String>) -> Self {
        Self {
            id: row.id.into(),
            role: row.role.as_str().to_string(),
            email: row.email,
            display_name: row.display_name,
            status: row.status,
            municipality,
            created_at: utc(row.created_at),
            last_login_at: row.last_login_at.map(utc),
        }
    }
}
