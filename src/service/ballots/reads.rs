//! What is read of the ballots while voting runs: a voter's own ballot, and the turnout.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::ballots as rows;
use crate::db::Db;
use crate::domain::Pepper;
use crate::service::scope;
use crate::service::Actor;
use crate::service::{Error, Result};

use super::{voter_key, Selection};
use crate::domain::ids::BudgetId;

/// The caller's current ballot in a budget.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnBallot {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    pub selections: Vec<Selection>,
    pub receipt: Option<String>,
    /// The UTC day it was cast (midnight UTC): the instant is not kept, since it would pair
    /// the ballot with the voter's login.
    pub cast_at: DateTime<Utc>,
    /// 1 for the first ballot, +1 for each replacement.
    pub revision: i32,
}

pub async fn own(
    db: &Db,
    pepper: &Pepper,
    caller: &Actor,
    budget_id: BudgetId,
) -> Result<OwnBallot> {
    let (caller, pepper) = (caller.clone(), pepper.clone());
    db.read(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(Some(&caller))?;
        let hash = {
            use diesel::OptionalExtension;
            crate::db::residents::find(conn, &scope.municipality.id, &caller.account_id)
                .optional()?
                .map(|r| r.national_id_hash)
        };
        let no_ballot = || Error::missing("no_ballot", "You have not voted in this budget.");
        let hash = hash.ok_or_else(no_ballot)?;
        // After publication the key is gone: the ballot no longer belongs to anyone.
        let ballot_key = scope.cycle.ballot_key.clone().ok_or_else(no_ballot)?;
        let row = rows::of_voter(
            conn,
            &budget.id,
            &voter_key(&pepper, &ballot_key, &budget.id, &hash),
        )?
        .ok_or_else(no_ballot)?;
        let receipt = rows::current_receipt(conn, &row.id)?.map(|r| r.code);
        Ok(OwnBallot {
            budget_id: budget.id,
            selections: row.selections.0,
            receipt,
            // The stored day: the instant is not kept.
            cast_at: row.cast_at.and_utc(),
            revision: row.revision,
        })
    })
    .await
}

/// How many ballots a budget has: for staff while voting runs, never what they contain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Turnout {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    pub online: i64,
    pub paper: i64,
    pub total: i64,
}

pub async fn turnout(db: &Db, caller: &Actor, budget_id: BudgetId) -> Result<Turnout> {
    let caller = caller.clone();
    db.read(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_role(&caller, crate::service::scope::STAFF)?;
        let (online, paper) = rows::count_by_channel(conn, &budget.id)?;
        Ok(Turnout {
            budget_id: budget.id,
            online,
            paper,
            total: online + paper,
        })
    })
    .await
}
