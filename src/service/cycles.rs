//! Budget cycles: creation, the draft's details, and the checked lifecycle moves.
//!
//! Every move is one transaction that re-reads the cycle, checks the move and its
//! preconditions, writes the new status only if the stored one is still the one checked
//! (`UPDATE … WHERE status = from`), and appends the move to the audit log. Opening voting
//! freezes each budget's rules and puts its approved proposals on the ballot in that same
//! transaction, so a ballot can never see a half-frozen cycle.
//!
//! Every move reads the cycle `FOR UPDATE` first and the clock after: a close waits for each
//! ballot holding the cycle `FOR SHARE`, so its recorded instant is later than every accepted
//! ballot's commit and `cast_at`, and no ballot commits after it.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::OptionalExtension;

use crate::db::audit::{self, NewEntry};
use crate::db::ballots as ballot_rows;
use crate::db::budgets;
use crate::db::cycles::{self as rows, CycleRow};
use crate::db::municipalities::Municipality;
use crate::db::proposals;
use crate::db::tallies;
use crate::db::{Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, CycleId};
use crate::domain::Texts;
use crate::domain::{FieldError, ValidationErrors};
use crate::service::audit_log;
use crate::service::cycle_times::parse_time;
use crate::service::municipalities::parse_names;
use crate::service::now;
use crate::service::scope::{self, CycleScope, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

/// A cycle's editable details as sent. Times are RFC 3339 instants, or wall-clock times
/// (`2027-05-31T20:00`) read in the municipality's time zone.
#[derive(Debug, Clone, Default)]
pub struct CycleInput {
    pub names: Option<BTreeMap<String, String>>,
    pub submission_opens_at: Option<Option<String>>,
    pub voting_opens_at: Option<Option<String>>,
    pub voting_closes_at: Option<Option<String>>,
}

/// Applies `input` to `row`, reporting every bad field.
fn apply(row: &mut CycleRow, input: &CycleInput, municipality: &Municipality) -> Result<()> {
    let settings = municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    if let Some(names) = &input.names {
        if let Some(names) = parse_names("names", names, &settings, &mut errors) {
            row.names = Texts::from(&names);
        }
    }
    let fields = [
        (
            "submission_opens_at",
            &input.submission_opens_at,
            &mut row.submission_opens_at,
        ),
        (
            "voting_opens_at",
            &input.voting_opens_at,
            &mut row.voting_opens_at,
        ),
        (
            "voting_closes_at",
            &input.voting_closes_at,
            &mut row.voting_closes_at,
        ),
    ];
    for (field, given, target) in fields {
        match given {
            None => {}
            Some(None) => *target = None,
            Some(Some(text)) => {
                if let Some(at) = parse_time(field, text, municipality, &mut errors) {
                    *target = Some(at);
                }
            }
        }
    }
    if let (Some(opens), Some(closes)) = (row.voting_opens_at, row.voting_closes_at) {
        if closes <= opens {
            errors.push(FieldError::new(
                "voting_closes_at",
                "closes_before_opening",
                "voting must close after it opens",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    municipality: &Municipality,
    input: CycleInput,
) -> Result<CycleRow> {
    if input.names.is_none() {
        return Err(Error::field("names", "required", "names is required"));
    }
    let at = now();
    let mut row = CycleRow {
        id: CycleId::new(),
        municipality_id: municipality.id.clone(),
        names: Texts::default(),
        status: CycleStatus::Draft,
        submission_opens_at: None,
        voting_opens_at: None,
        voting_closes_at: None,
        voting_opened_at: None,
        voting_closed_at: None,
        published_at: None,
        ballot_key: None,
        created_at: at,
        updated_at: at,
    };
    apply(&mut row, &input, municipality)?;
    let actor = actor.clone();
    db.write(move |conn| {
        rows::insert(conn, &row)?;
        audit_log::append(
            conn,
            &actor,
            &row.municipality_id,
            "cycle.created",
            "cycle",
            &row.id,
            serde_json::json!({"names": &row.names}),
        )?;
        Ok(row)
    })
    .await
}

/// Changes a draft's names and scheduled times.
pub async fn update(db: &Db, actor: &Actor, id: CycleId, input: CycleInput) -> Result<CycleScope> {
    let actor = actor.clone();
    db.write(move |conn| {
        let mut scope = scope::cycle(conn, &id)?;
        scope.check_role(&actor, OFFICIALS)?;
        if scope.status != CycleStatus::Draft {
            return Err(Error::conflict(
                "cycle_not_draft",
                "Only a draft cycle can be edited.",
            ));
        }
        apply(&mut scope.cycle, &input, &scope.municipality)?;
        scope.cycle.updated_at = now();
        rows::update(conn, &scope.cycle)?;
        audit_log::append(
            conn,
            &actor,
            &scope.municipality.id,
            "cycle.updated",
            "cycle",
            &scope.cycle.id,
            // Every field the web client edits, as stored after the change.
            serde_json::json!({
                "names": &scope.cycle.names,
                "submission_opens_at": scope.cycle.submission_opens_at.map(|t| t.and_utc().to_rfc3339()),
                "voting_opens_at": scope.cycle.voting_opens_at.map(|t| t.and_utc().to_rfc3339()),
                "voting_closes_at": scope.cycle.voting_closes_at.map(|t| t.and_utc().to_rfc3339()),
            }),
        )?;
        Ok(scope)
    })
    .await
}

/// Moves a cycle to `to`, checking the move and what it needs.
pub async fn transition(
    db: &Db,
    actor: &Actor,
    id: CycleId,
    to: CycleStatus,
) -> Result<CycleScope> {
    let actor = actor.clone();
    db.write(move |conn| {
        // Locked first, the clock read after: a manual close is later than every ballot that
        // passed its check, and no ballot commits after it.
        let scope = scope::cycle_for_update(conn, &id)?;
        scope.check_role(&actor, OFFICIALS)?;
        let mut scope = close_if_overdue(conn, scope)?;
        let from = scope.status;
        if !from.can_move_to(to) {
            return Err(Error::conflict(
                "invalid_transition",
                format!("A cycle cannot move from {from} to {to}."),
            ));
        }
        let at = now();
        let budgets = budgets::of_cycle(conn, &scope.cycle.id)?;
        match to {
            CycleStatus::Voting => {
                open_voting(conn, &scope.cycle, &budgets, at)?;
                scope.cycle.voting_opened_at = Some(at);
                scope.cycle.ballot_key = Some(new_ballot_key());
            }
            CycleStatus::Closed => scope.cycle.voting_closed_at = Some(at),
            CycleStatus::Published => {
                let mut untallied = Vec::new();
                for budget in &budgets {
                    if !counts_every_ballot(conn, &budget.id)? {
                        untallied.push(budget.id.as_str());
                    }
                }
                if !untallied.is_empty() {
                    return Err(Error::conflict(
                        "tally_missing",
                        format!(
                            "Count every budget before publishing; not yet counted: {}.",
                            untallied.join(", ")
                        ),
                    ));
                }
                scope.cycle.published_at = Some(at);
                // From now on no ballot can be linked to its voter, whatever else leaks: not
                // by its key, nor by where its row sits.
                scope.cycle.ballot_key = None;
                for budget in &budgets {
                    ballot_rows::shuffle_storage(conn, &budget.id)?;
                }
            }
            CycleStatus::Cancelled => scope.cycle.ballot_key = None,
            _ => {}
        }
        if !rows::move_status(conn, &scope.cycle.id, from, to, at)? {
            return Err(Error::conflict(
                "cycle_changed",
                "The cycle changed while this request ran; read it again.",
            ));
        }
        if from == CycleStatus::Voting {
            // Retries of ballots end with voting (closed or cancelled).
            ballot_rows::forget_replies_of_cycle(conn, &scope.cycle.id)?;
        }
        scope.cycle.status = to;
        scope.cycle.updated_at = at;
        rows::update(conn, &scope.cycle)?;
        audit_log::append(
            conn,
            &actor,
            &scope.municipality.id,
            "cycle.transition",
            "cycle",
            &scope.cycle.id,
            serde_json::json!({"from": from.as_str(), "to": to.as_str()}),
        )?;
        scope.status = to;
        Ok(scope)
    })
    .await
}

/// Whether the budget's stored count holds every ballot stored now: publishing a count that
/// missed a ballot would leave results, receipts and exports disagreeing for good.
fn counts_every_ballot(conn: &mut DbConn, budget_id: &BudgetId) -> Result<bool> {
    let Some(tally) = tallies::find(conn, budget_id).optional()? else {
        return Ok(false);
    };
    let (online, paper) = crate::db::ballots::count_by_channel(conn, budget_id)?;
    Ok(tally.ballots_counted == online + paper)
}

/// Checks that every budget has something to vote on, then freezes rules and ballots.
fn open_voting(
    conn: &mut DbConn,
    cycle: &CycleRow,
    budgets: &[budgets::BudgetRow],
    at: NaiveDateTime,
) -> Result<()> {
    if budgets.is_empty() {
        return Err(Error::conflict(
            "no_budgets",
            "Voting cannot open in a cycle without budgets.",
        ));
    }
    let mut empty = Vec::new();
    for budget in budgets {
        if proposals::count_approved(conn, &budget.id)? == 0 {
            empty.push(budget.id.to_string());
        }
    }
    if !empty.is_empty() {
        return Err(Error::conflict(
            "budget_without_proposals",
            format!(
                "Every budget needs at least one approved proposal; these have none: {}.",
                empty.join(", ")
            ),
        ));
    }
    if cycle.voting_closes_at.is_some_and(|close| close <= at) {
        return Err(Error::conflict(
            "close_in_past",
            "The scheduled close has already passed; change it before opening voting.",
        ));
    }
    let ids: Vec<BudgetId> = budgets.iter().map(|b| b.id.clone()).collect();
    budgets::freeze_cycle(conn, &cycle.id, at)?;
    proposals::freeze_ballots(conn, &ids)?;
    Ok(())
}

/// Writes down a scheduled close that has passed (the reader already sees it as closed).
fn close_if_overdue(conn: &mut DbConn, scope: CycleScope) -> Result<CycleScope> {
    if scope.close_pending() {
        close_scheduled(conn, &scope.cycle.id)?;
        return scope::cycle(conn, &scope.cycle.id);
    }
    Ok(scope)
}

/// Closes a cycle whose scheduled close has passed, recorded as the system's act; false if
/// it is not (or no longer) due.
///
/// The row is locked before the clock is read, so the recorded close is later than the commit
/// of every ballot that passed its check — usually a moment after the scheduled instant, later
/// when a ballot was still committing — and no ballot commits after it.
fn close_scheduled(conn: &mut DbConn, cycle_id: &CycleId) -> Result<bool> {
    let cycle = rows::find_for_update(conn, cycle_id)?;
    let at = now();
    let due = cycle.status == CycleStatus::Voting
        && cycle.voting_closes_at.is_some_and(|close| close <= at);
    if !due || !rows::move_status(conn, cycle_id, CycleStatus::Voting, CycleStatus::Closed, at)? {
        return Ok(false);
    }
    ballot_rows::forget_replies_of_cycle(conn, cycle_id)?;
    let mut row = rows::find(conn, cycle_id)?;
    row.voting_closed_at = Some(at);
    rows::update(conn, &row)?;
    audit::append(
        conn,
        NewEntry {
            municipality_id: Some(&cycle.municipality_id),
            actor_account_id: None,
            actor_role: "system",
            action: "cycle.transition",
            target_type: "cycle",
            target_id: Some(cycle_id),
            details: serde_json::json!({"from": CycleStatus::Voting, "to": CycleStatus::Closed, "scheduled": true}),
        },
        at,
    )?;
    Ok(true)
}

/// Closes every cycle whose scheduled close has passed. Run periodically; ballots do not
/// depend on it (they check the scheduled instant themselves).
pub async fn close_overdue(db: &Db) -> Result<usize> {
    db.write(|conn| {
        // Instances tick together: one sweeps, the others skip this tick. (A second sweep
        // would still close nothing twice — `close_scheduled` locks the row and moves the
        // status conditionally — but it would queue behind the first on every row.)
        if !rows::try_take_sweep(conn)? {
            return Ok(0);
        }
        let due = rows::overdue_closes(conn, now())?;
        let mut closed = 0;
        for cycle in &due {
            closed += usize::from(close_scheduled(conn, &cycle.id)?);
        }
        // Stored ballot replies live a few hours at most; the same tick forgets the old ones.
        ballot_rows::forget_expired_replies(conn, now())?;
        Ok(closed)
    })
    .await
}

/// Makes a passed scheduled close of the cycle durable, waiting for every ballot that passed
/// its check before the instant to commit. Whatever needs the ballot box final (a count, a
/// receipt's answer) calls it when the cycle reads as closed but is not yet written so
/// ([`CycleScope::close_pending`]), then reads again in a later transaction.
pub async fn settle(db: &Db, cycle_id: CycleId) -> Result<()> {
    db.write(move |conn| close_scheduled(conn, &cycle_id).map(|_| ()))
        .await
}

/// The cycles the caller may see, newest first, each with its budgets when `with_budgets`
/// (read in the same unit of work, so the two agree).
pub async fn list(
    db: &Db,
    caller: Option<&Actor>,
    municipality: Municipality,
    with_budgets: bool,
) -> Result<Vec<(CycleScope, Option<Vec<budgets::BudgetRow>>)>> {
    let staff = scope::is_staff(caller, &municipality);
    db.read(move |conn| {
        let scopes = rows::of_municipality(conn, &municipality.id, staff)?
            .into_iter()
            .map(|row| CycleScope::new(row, municipality.clone()))
            .collect::<Result<Vec<_>>>()?;
        let mut budgets = if with_budgets {
            let ids: Vec<CycleId> = scopes.iter().map(|s| s.cycle.id.clone()).collect();
            Some(budgets::of_cycles(conn, &ids)?)
        } else {
            None
        };
        Ok(scopes
            .into_iter()
            .map(|scope| {
                let own = budgets
                    .as_mut()
                    .map(|all| all.remove(&scope.cycle.id).unwrap_or_default());
                (scope, own)
            })
            .collect())
    })
    .await
}

pub async fn get(db: &Db, caller: Option<&Actor>, id: CycleId) -> Result<CycleScope> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let scope = scope::cycle(conn, &id)?;
        scope.check_read(caller.as_ref())?;
        Ok(scope)
    })
    .await
}

/// A cycle's ballot key: 32 random bytes from the operating system, hex-encoded.
fn new_ballot_key() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    hex::encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballot_keys_are_256_random_bits_in_hex() {
        let (a, b) = (new_ballot_key(), new_ballot_key());
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b, "two cycles never share a key");
    }
}
