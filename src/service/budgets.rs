//! Budgets of a cycle: amount, district, ballot rules and counting rule, checked against each
//! other. Everything a ballot depends on is frozen once voting opens.

use std::collections::BTreeMap;

use crate::db::budgets::{self as rows, BudgetRow};
use crate::db::districts;
use crate::db::Db;
use crate::domain::budget::{BallotInput, BallotSpec, CountingRule, RuleInput};
use crate::domain::ids::{BudgetId, CycleId};
use crate::domain::Texts;
use crate::domain::{FieldError, ValidationErrors};
use crate::service::audit_log;
use crate::service::municipalities::parse_names;
use crate::service::now;
use crate::service::scope::{self, CycleScope, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

/// A budget as sent; on update, absent fields keep their value. `district_id: Some(None)`
/// makes the budget city-wide.
#[derive(Debug, Clone, Default)]
pub struct BudgetInput {
    pub names: Option<BTreeMap<String, String>>,
    pub district_id: Option<Option<String>>,
    pub amount_minor: Option<i64>,
    pub ballot: Option<BallotInput>,
    pub rule: Option<RuleInput>,
}

/// The stored rules of a budget, decoded.
pub fn ballot_spec(row: &BudgetRow) -> Result<BallotSpec> {
    serde_json::from_str(&row.ballot_rules).map_err(Error::internal)
}

pub fn counting_rule(row: &BudgetRow) -> Result<CountingRule> {
    serde_json::from_str(&row.counting_rule).map_err(Error::internal)
}

/// The most a budget may hold: far above any city's budget, and small enough that sums of
/// proposal costs and ballot totals stay well inside `i64`.
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// Applies `input` over `row` and validates the whole budget.
fn apply(
    conn: &mut crate::db::DbConn,
    row: &mut BudgetRow,
    input: &BudgetInput,
    scope: &CycleScope,
) -> Result<()> {
    let settings = scope.municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    if let Some(names) = &input.names {
        if let Some(names) = parse_names("names", names, &settings, &mut errors) {
            row.names = Texts::from(&names);
        }
    }
    if let Some(district) = &input.district_id {
        match district {
            None => row.district_id = None,
            Some(id) => match districts::find(conn, &scope.municipality.id, &id.clone().into()) {
                Ok(d) => row.district_id = Some(d.id),
                Err(diesel::result::Error::NotFound) => errors.push(FieldError::new(
                    "district_id",
                    "unknown_district",
                    "no such district in this municipality",
                )),
                Err(e) => return Err(e.into()),
            },
        }
    }
    if let Some(amount) = input.amount_minor {
        if (1..=MAX_AMOUNT_MINOR).contains(&amount) {
            row.amount_minor = amount;
        } else {
            errors.push(FieldError::new(
                "amount_minor",
                "out_of_range",
                format!("must be between 1 and {MAX_AMOUNT_MINOR}"),
            ));
        }
    }
    // Ballot and rule are checked together: a new amount changes the knapsack cap's default,
    // a new ballot type can make the stored rule invalid.
    let ballot_input = match &input.ballot {
        Some(b) => b.clone(),
        None => stored_ballot_input(row)?,
    };
    let ballot = BallotSpec::parse(&ballot_input, row.amount_minor, &mut errors);
    let rule_input = match &input.rule {
        Some(r) => r.clone(),
        None => stored_rule_input(row)?,
    };
    let rule = CountingRule::parse(&rule_input, ballot.as_ref(), rand::random(), &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if let (Some(ballot), Some(rule)) = (ballot, rule) {
        row.ballot_rules = serde_json::to_string(&ballot).map_err(Error::internal)?;
        row.counting_rule = serde_json::to_string(&rule).map_err(Error::internal)?;
    }
    Ok(())
}

/// The stored ballot rules as an input (empty for a new budget: the defaults apply).
fn stored_ballot_input(row: &BudgetRow) -> Result<BallotInput> {
    if row.ballot_rules.is_empty() {
        return Ok(BallotInput::default());
    }
    let spec = ballot_spec(row)?;
    let int = |v: Option<u32>| v.map(i64::from);
    Ok(BallotInput {
        ballot_type: Some(spec.ballot_type.as_str().to_string()),
        min_selections: Some(i64::from(spec.min_selections)),
        max_selections: int(spec.max_selections),
        max_points: int(spec.max_points),
        max_points_per_proposal: int(spec.max_points_per_proposal),
        max_spend_minor: spec.max_spend_minor,
        min_spend_percent: int(spec.min_spend_percent),
    })
}

fn stored_rule_input(row: &BudgetRow) -> Result<RuleInput> {
    if row.counting_rule.is_empty() {
        return Ok(RuleInput::default());
    }
    let rule = counting_rule(row)?;
    Ok(RuleInput {
        kind: Some(rule.kind.as_str().to_string()),
        completion: Some(rule.completion.as_str().to_string()),
        tie_break: Some(rule.tie_break.as_str().to_string()),
        seed: rule.seed,
    })
}

fn refuse_if_frozen(scope: &CycleScope) -> Result<()> {
    if scope.status.before_voting() {
        Ok(())
    } else {
        Err(Error::conflict(
            "budget_frozen",
            "Voting has opened: the budgets of this cycle can no longer change.",
        ))
    }
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    cycle_id: CycleId,
    input: BudgetInput,
) -> Result<BudgetRow> {
    let actor = actor.clone();
    db.write(move |conn| {
        let scope = scope::cycle(conn, &cycle_id)?;
        scope.check_role(&actor, OFFICIALS)?;
        refuse_if_frozen(&scope)?;
        let mut missing = ValidationErrors::new();
        if input.names.is_none() {
            missing.push(FieldError::new("names", "required", "names is required"));
        }
        if input.amount_minor.is_none() {
            missing.push(FieldError::new(
                "amount_minor",
                "required",
                "amount_minor is required",
            ));
        }
        if !missing.is_empty() {
            return Err(missing.into());
        }
        let at = now();
        let mut row = BudgetRow {
            id: BudgetId::new(),
            cycle_id: scope.cycle.id.clone(),
            municipality_id: scope.municipality.id.clone(),
            names: Texts::default(),
            district_id: None,
            amount_minor: 0,
            ballot_rules: String::new(),
            counting_rule: String::new(),
            frozen_at: None,
            created_at: at,
            updated_at: at,
        };
        apply(conn, &mut row, &input, &scope)?;
        rows::insert(conn, &row)?;
        audit_log::append(
            conn,
            &actor,
            &scope.municipality.id,
            "budget.created",
            "budget",
            &row.id,
            audit_details(&row),
        )?;
        Ok(row)
    })
    .await
}

pub async fn update(db: &Db, actor: &Actor, id: BudgetId, input: BudgetInput) -> Result<BudgetRow> {
    let actor = actor.clone();
    db.write(move |conn| {
        let (mut row, scope) = scope::budget(conn, &id)?;
        scope.check_role(&actor, OFFICIALS)?;
        refuse_if_frozen(&scope)?;
        apply(conn, &mut row, &input, &scope)?;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &actor,
            &scope.municipality.id,
            "budget.updated",
            "budget",
            &row.id,
            audit_details(&row),
        )?;
        Ok(row)
    })
    .await
}

fn audit_details(row: &BudgetRow) -> serde_json::Value {
    serde_json::json!({
        "amount_minor": row.amount_minor,
        "district_id": row.district_id,
        "ballot": serde_json::from_str::<serde_json::Value>(&row.ballot_rules).ok(),
        "rule": serde_json::from_str::<serde_json::Value>(&row.counting_rule).ok(),
    })
}

pub async fn get(db: &Db, caller: Option<&Actor>, id: BudgetId) -> Result<(BudgetRow, CycleScope)> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let (row, scope) = scope::budget(conn, &id)?;
        scope.check_read(caller.as_ref())?;
        Ok((row, scope))
    })
    .await
}

pub async fn list(
    db: &Db,
    caller: Option<&Actor>,
    cycle_id: CycleId,
) -> Result<(Vec<BudgetRow>, CycleScope)> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let scope = scope::cycle(conn, &cycle_id)?;
        scope.check_read(caller.as_ref())?;
        Ok((rows::of_cycle(conn, &scope.cycle.id)?, scope))
    })
    .await
}
