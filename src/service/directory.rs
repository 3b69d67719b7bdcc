//! The public directory: municipalities by slug or page, a municipality's districts, the slug
//! of a municipality id, and the municipality a budget belongs to — the reads handlers need to
//! name and describe a municipality, each one blocking hand-off.

use crate::db::districts::{self, DistrictRow};
use crate::db::municipalities::{self, Municipality};
use crate::db::{budgets, Db};
use crate::domain::ids::{BudgetId, MunicipalityId};
use crate::service::{Error, Result};

/// The municipality of a slug (`not_found` if none).
pub async fn municipality(db: &Db, slug: String) -> Result<Municipality> {
    db.read(move |conn| municipalities::by_slug(conn, &slug).map_err(Error::from))
        .await
}

/// Up to `limit` municipalities in slug order, after the slug `cursor`.
pub async fn municipalities(
    db: &Db,
    cursor: Option<String>,
    limit: i64,
) -> Result<Vec<Municipality>> {
    db.read(move |conn| municipalities::list(conn, cursor.as_deref(), limit).map_err(Error::from))
        .await
}

/// The districts of a municipality, oldest first.
pub async fn districts(db: &Db, municipality_id: MunicipalityId) -> Result<Vec<DistrictRow>> {
    db.read(move |conn| districts::of_municipality(conn, &municipality_id).map_err(Error::from))
        .await
}

/// A municipality by its id.
pub async fn municipality_by_id(db: &Db, municipality_id: MunicipalityId) -> Result<Municipality> {
    db.read(move |conn| municipalities::by_id(conn, &municipality_id).map_err(Error::from))
        .await
}

/// The slug of a municipality id.
pub async fn slug_of(db: &Db, municipality_id: MunicipalityId) -> Result<String> {
    db.read(move |conn| {
        municipalities::by_id(conn, &municipality_id)
            .map(|m| m.slug)
            .map_err(Error::from)
    })
    .await
}

/// The municipality a budget belongs to (`not_found` if there is no such budget).
pub async fn municipality_of_budget(db: &Db, budget_id: BudgetId) -> Result<Municipality> {
    db.read(move |conn| {
        let budget = budgets::find(conn, &budget_id)?;
        municipalities::by_id(conn, &budget.municipality_id).map_err(Error::from)
    })
    .await
}
