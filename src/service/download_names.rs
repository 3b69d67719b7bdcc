//! The names downloads are saved under, for the files whose service does not already hold the
//! budget or cycle (the results and statistics CSV): read after the file itself was allowed,
//! so they reveal nothing the caller could not see.

use crate::db::{budgets, cycles, municipalities, Db};
use crate::domain::file_name::{self, FileName};
use crate::domain::ids::{BudgetId, CycleId};
use crate::service::{now, Error, Result};

/// `<slug>-<budget's name>-<today>.<ext>`.
pub async fn budget(db: &Db, budget_id: BudgetId, ext: &'static str) -> Result<FileName> {
    db.read(move |conn| {
        let budget = budgets::find(conn, &budget_id)?;
        let m = municipalities::by_id(conn, &budget.municipality_id)?;
        let day = now().date();
        Ok::<_, Error>(file_name::of_texts(
            &m.slug,
            &budget.names,
            m.default_language(),
            day,
            ext,
        ))
    })
    .await
}

/// `<slug>-<cycle's name>-<today>.<ext>`.
pub async fn cycle(db: &Db, cycle_id: CycleId, ext: &'static str) -> Result<FileName> {
    db.read(move |conn| {
        let cycle = cycles::find(conn, &cycle_id)?;
        let m = municipalities::by_id(conn, &cycle.municipality_id)?;
        let day = now().date();
        Ok::<_, Error>(file_name::of_texts(
            &m.slug,
            &cycle.names,
            m.default_language(),
            day,
            ext,
        ))
    })
    .await
}
