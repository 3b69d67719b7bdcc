//! Budgets of a cycle: amount, district, ballot rules and counting rule, checked against each
//! other. Everything a ballot depends on is frozen once voting opens.

use std::collections::BTreeMap;

use crate::db::budgets::{self as rows, BudgetRow};
use crate::db::districts;
use crate::db::proposals as proposal_rows;
use crate::db::Db;
use crate::domain::budget::{BallotInput, BallotSpec, CountingRule, RuleInput};
use crate::domain::ids::{BudgetId, CycleId, DistrictId};
use crate::domain::verification::parse_methods;
use crate::domain::{FieldError, ValidationErrors};
use crate::domain::{Methods, Texts, VerificationMethod};
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
    /// The whole set of methods that count for voting (`[]`: any the municipality offers).
    pub accepted_verifications: Option<Vec<String>>,
}

/// The most a budget may hold: far above any city's budget, and small enough that sums of
/// proposal costs and ballot totals stay well inside `i64`.
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// `amount` if a budget may hold it.
fn checked_amount(amount: i64) -> Result<i64, FieldError> {
    if (1..=MAX_AMOUNT_MINOR).contains(&amount) {
        Ok(amount)
    } else {
        Err(FieldError::new(
            "amount_minor",
            "out_of_range",
            format!("must be between 1 and {MAX_AMOUNT_MINOR}"),
        ))
    }
}

/// The fields of a budget that `apply` changes before checking the rules against them.
struct Fields<'a> {
    names: &'a mut Texts,
    district_id: &'a mut Option<DistrictId>,
    amount_minor: &'a mut i64,
    accepted_verifications: &'a mut Methods,
}

/// The rules a budget has stored: none while it is being created (the defaults apply).
type StoredRules<'a> = Option<(&'a BallotSpec, &'a CountingRule)>;

/// Applies `input` over `row` and over the `stored` rules, validates the whole budget and
/// returns the rules to store.
fn apply(
    conn: &mut crate::db::DbConn,
    row: Fields,
    stored: StoredRules,
    input: &BudgetInput,
    scope: &CycleScope,
) -> Result<(BallotSpec, CountingRule)> {
    let settings = scope.municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    if let Some(names) = &input.names {
        if let Some(names) = parse_names("names", names, &settings, &mut errors) {
            *row.names = Texts::from(&names);
        }
    }
    if let Some(district) = &input.district_id {
        match district {
            None => *row.district_id = None,
            Some(id) => match districts::find(conn, &scope.municipality.id, &id.clone().into()) {
                Ok(d) => *row.district_id = Some(d.id),
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
        match checked_amount(amount) {
            Ok(amount) => *row.amount_minor = amount,
            Err(e) => errors.push(e),
        }
    }
    if let Some(names) = &input.accepted_verifications {
        let offered = &settings.verification_methods;
        if let Some(methods) = accepted(names, offered, &mut errors) {
            *row.accepted_verifications = Methods(methods);
        }
    }
    // Ballot and rule are checked together: a new amount changes the knapsack cap's default,
    // a new ballot type can make the stored rule invalid.
    let ballot_input = match (&input.ballot, stored) {
        (Some(b), _) => b.clone(),
        (None, Some((spec, _))) => stored_ballot_input(spec),
        (None, None) => BallotInput::default(),
    };
    let ballot = BallotSpec::parse(&ballot_input, *row.amount_minor, &mut errors);
    let rule_input = match (&input.rule, stored) {
        (Some(r), _) => r.clone(),
        (None, Some((_, rule))) => stored_rule_input(rule),
        (None, None) => RuleInput::default(),
    };
    let rule = CountingRule::parse(&rule_input, ballot.as_ref(), rand::random(), &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    ballot
        .zip(rule)
        .ok_or_else(|| Error::internal("budget rules refused without a field error"))
}

/// The methods a budget accepts for voting: known names, none twice, each one the municipality
/// offers (`verification_not_offered`: nobody could be verified by it here).
fn accepted(
    names: &[String],
    offered: &[VerificationMethod],
    errors: &mut ValidationErrors,
) -> Option<Vec<VerificationMethod>> {
    let methods = parse_methods("accepted_verifications", names, errors)?;
    let before = errors.len();
    for (i, method) in methods.iter().enumerate() {
        if !offered.contains(method) {
            errors.push(FieldError::new(
                format!("accepted_verifications[{i}]"),
                "verification_not_offered",
                format!("the municipality does not offer {method}"),
            ));
        }
    }
    (errors.len() == before).then_some(methods)
}

/// The stored ballot rules as an input.
fn stored_ballot_input(spec: &BallotSpec) -> BallotInput {
    let int = |v: Option<u32>| v.map(i64::from);
    BallotInput {
        ballot_type: Some(spec.ballot_type.as_str().to_string()),
        min_selections: Some(i64::from(spec.min_selections)),
        max_selections: int(spec.max_selections),
        max_points: int(spec.max_points),
        max_points_per_proposal: int(spec.max_points_per_proposal),
        max_spend_minor: spec.max_spend_minor,
        min_spend_percent: int(spec.min_spend_percent),
    }
}

fn stored_rule_input(rule: &CountingRule) -> RuleInput {
    RuleInput {
        kind: Some(rule.kind.as_str().to_string()),
        completion: Some(rule.completion.as_str().to_string()),
        tie_break: Some(rule.tie_break.as_str().to_string()),
        seed: rule.seed,
    }
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
        let (mut names, mut district_id, mut amount_minor) = (Texts::default(), None, 0);
        let mut accepted_verifications = Methods::default();
        let fields = Fields {
            names: &mut names,
            district_id: &mut district_id,
            amount_minor: &mut amount_minor,
            accepted_verifications: &mut accepted_verifications,
        };
        let (ballot_rules, counting_rule) = apply(conn, fields, None, &input, &scope)?;
        let at = now();
        let row = BudgetRow {
            id: BudgetId::new(),
            cycle_id: scope.cycle.id.clone(),
            municipality_id: scope.municipality.id.clone(),
            names,
            district_id,
            amount_minor,
            ballot_rules,
            counting_rule,
            frozen_at: None,
            created_at: at,
            updated_at: at,
            accepted_verifications,
        };
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
        let fields = Fields {
            names: &mut row.names,
            district_id: &mut row.district_id,
            amount_minor: &mut row.amount_minor,
            accepted_verifications: &mut row.accepted_verifications,
        };
        let stored = Some((&row.ballot_rules, &row.counting_rule));
        (row.ballot_rules, row.counting_rule) = apply(conn, fields, stored, &input, &scope)?;
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

/// Removes a budget before voting opens. One with proposals stays: residents wrote them for
/// it, and a deletion must not make their work vanish (withdraw or move them first). The
/// cycle is read under the ballot lock, so voting cannot open in between.
pub async fn delete(db: &Db, actor: &Actor, id: BudgetId) -> Result<()> {
    let actor = actor.clone();
    db.write(move |conn| {
        let (row, scope) = scope::budget_locked(conn, &id)?;
        scope.check_role(&actor, OFFICIALS)?;
        refuse_if_frozen(&scope)?;
        if proposal_rows::count_in_budget(conn, &row.id)? > 0 {
            return Err(Error::conflict(
                "budget_has_proposals",
                "This budget holds proposals: it can be changed, but not deleted.",
            ));
        }
        rows::delete(conn, &row.id)?;
        audit_log::append(
            conn,
            &actor,
            &scope.municipality.id,
            "budget.deleted",
            "budget",
            &row.id,
            audit_details(&row),
        )?;
        Ok(())
    })
    .await
}

/// The audit entry's details. Their bytes are part of the audit hash chain: `json!` orders
/// every object's keys, so the rules read the same as when they were parsed from the column.
/// The accepted methods are named only when a budget restricts them, so the details of a
/// budget that does not read as before.
fn audit_details(row: &BudgetRow) -> serde_json::Value {
    let mut details = serde_json::json!({
        "amount_minor": row.amount_minor,
        "district_id": row.district_id,
        "ballot": row.ballot_rules,
        "rule": row.counting_rule,
    });
    if !row.accepted_verifications.is_empty() {
        details["accepted_verifications"] = serde_json::json!(row.accepted_verifications);
    }
    details
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cycle::CycleStatus;
    use crate::service::test_support::{cycle_scope, municipality};

    #[test]
    fn budgets_change_only_before_voting_opens() {
        for status in [
            CycleStatus::Draft,
            CycleStatus::Submission,
            CycleStatus::Review,
        ] {
            let scope = cycle_scope(municipality("m-1"), status);
            assert!(refuse_if_frozen(&scope).is_ok(), "{status:?}");
        }
        for status in [
            CycleStatus::Voting,
            CycleStatus::Closed,
            CycleStatus::Published,
            CycleStatus::Cancelled,
        ] {
            let scope = cycle_scope(municipality("m-1"), status);
            let err = refuse_if_frozen(&scope).unwrap_err();
            assert_eq!(err.code(), "budget_frozen", "{status:?}");
        }
    }

    #[test]
    fn an_amount_is_at_least_one_minor_unit_and_at_most_the_cap() {
        assert_eq!(checked_amount(1).unwrap(), 1);
        assert_eq!(checked_amount(MAX_AMOUNT_MINOR).unwrap(), MAX_AMOUNT_MINOR);
        for bad in [0, -1, MAX_AMOUNT_MINOR + 1, i64::MIN, i64::MAX] {
            let err = checked_amount(bad).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code),
                ("amount_minor", "out_of_range")
            );
        }
    }

    #[test]
    fn a_budget_accepts_only_methods_the_municipality_offers() {
        use VerificationMethod as V;
        let offered = [V::Review, V::Roll];
        let check = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let mut errors = ValidationErrors::new();
            accepted(&names, &offered, &mut errors).ok_or_else(|| {
                let e = errors.errors();
                e.iter()
                    .map(|e| (e.field.clone(), e.code))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(check(&["roll"]), Ok(vec![V::Roll]));
        assert_eq!(check(&[]), Ok(vec![]));
        assert_eq!(
            check(&["roll", "letter_code"]),
            Err(vec![(
                "accepted_verifications[1]".into(),
                "verification_not_offered"
            )])
        );
    }

    #[test]
    fn the_cap_leaves_room_to_add_up_many_budgets_of_costs() {
        // A ballot's total or a sum of proposal costs stays inside i64 for 9,000 full budgets.
        assert!(MAX_AMOUNT_MINOR.checked_mul(9_000).is_some());
    }
}
