//! A ballot checked against its budget's frozen rules, with the engine's election for it.

use crate::db::budgets::BudgetRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::ProposalRow;
use crate::domain::budget::{BallotSpec, BallotType};
use crate::service::selections::{self, Selection};
use crate::service::{Error, Result};
use crate::tally::{Ballot, Decimal, Election, ElectionBuilder, ProjectSpec};

use super::unprocessable;

/// A ballot checked against a budget's frozen ballot: the engine's ballot, in the order of the
/// selections as the engine reads them.
pub struct Checked {
    pub ballot: Ballot,
    /// The selections normalised for storage (ranked ones in rank order, ranks filled in).
    pub selections: Vec<Selection>,
}

/// The engine's election for a budget's frozen ballot, money in minor units at the currency's
/// exponent. With no ballots it checks single ballots against the rules; with the stored
/// ballots it is what the tally counts.
pub fn ballot_election(
    budget: &BudgetRow,
    on_ballot: &[ProposalRow],
    spec: &BallotSpec,
    municipality: &Municipality,
    ballots: Vec<Ballot>,
) -> Result<Election> {
    let mut election = election_builder(budget, on_ballot, spec, municipality)?;
    for ballot in ballots {
        election.push(ballot).map_err(Error::internal)?;
    }
    Ok(election.finish())
}

/// The budget's election without ballots yet: its frozen proposals with their costs and the
/// budget, in main units at the currency's exponent.
pub fn election_builder(
    budget: &BudgetRow,
    on_ballot: &[ProposalRow],
    spec: &BallotSpec,
    municipality: &Municipality,
) -> Result<ElectionBuilder> {
    let exponent = u32::from(municipality.settings.currency.minor_unit_exponent());
    let projects = on_ballot
        .iter()
        .map(|p| ProjectSpec {
            id: p.id.to_string(),
            cost: Decimal::from_units(i128::from(p.cost_minor), exponent),
        })
        .collect();
    ElectionBuilder::new(
        Decimal::from_units(i128::from(budget.amount_minor), exponent),
        projects,
        spec.vote_kind(),
    )
    .map_err(Error::internal)
}

/// Checks the shape of each selection for the ballot type, then the rules.
pub fn check(
    spec: &BallotSpec,
    election: &Election,
    selections: Vec<Selection>,
) -> Result<Checked> {
    let ballot_type = spec.ballot_type;
    let mut selections = selections;
    for s in &selections {
        let points_ok = (ballot_type == BallotType::Cumulative) == s.points.is_some();
        let rank_ok = ballot_type == BallotType::Ranked || s.rank.is_none();
        if !points_ok || !rank_ok {
            return Err(unprocessable(
                "invalid_selection",
                format!(
                    "{ballot_type} ballots take {}",
                    match ballot_type {
                        BallotType::Cumulative => "points on every selection",
                        BallotType::Ranked => "ranks (or none, in order), no points",
                        _ => "proposals only, without points or ranks",
                    }
                ),
            ));
        }
        if s.points.is_some_and(|p| p < 1) {
            return Err(unprocessable(
                "invalid_points",
                "points are at least 1 per selection",
            ));
        }
    }
    if ballot_type == BallotType::Ranked && selections.iter().any(|s| s.rank.is_some()) {
        let mut ranks: Vec<u32> = selections.iter().filter_map(|s| s.rank).collect();
        ranks.sort_unstable();
        let consecutive = ranks.len() == selections.len()
            && ranks.iter().enumerate().all(|(i, &r)| r as usize == i + 1);
        if !consecutive {
            return Err(unprocessable(
                "invalid_ranks",
                "ranks must be 1, 2, 3, … without gaps or repeats",
            ));
        }
        selections.sort_by_key(|s| s.rank);
    }
    if ballot_type == BallotType::Ranked {
        for (i, s) in selections.iter_mut().enumerate() {
            s.rank = Some(i as u32 + 1);
        }
    }
    let ballot = selections::engine_ballot(ballot_type, &selections);
    spec.engine_rules()
        .validate(election, &ballot)
        .map_err(|e| unprocessable(e.code(), e.to_string()))?;
    Ok(Checked { ballot, selections })
}
