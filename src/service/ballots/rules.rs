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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{ballot_rules, budget, municipality, proposal};

    /// A budget of 1,000 with proposals `a` (400), `b` (500) and `c` (300) on the ballot.
    fn election(spec: &BallotSpec) -> Election {
        let on_ballot = [
            proposal("a", "A", 400),
            proposal("b", "B", 500),
            proposal("c", "C", 300),
        ];
        let town = municipality("m-1");
        ballot_election(&budget("budget-1", 1_000), &on_ballot, spec, &town, vec![]).unwrap()
    }

    fn spec(ballot_type: &str, max_points: Option<i64>, max_selections: Option<i64>) -> BallotSpec {
        ballot_rules(ballot_type, max_points, max_selections, 1_000)
    }

    fn pick(id: &str, points: Option<i64>, rank: Option<u32>) -> Selection {
        Selection {
            proposal_id: id.into(),
            points,
            rank,
        }
    }

    /// The code `selections` are refused with, or "ok".
    fn verdict(spec: &BallotSpec, selections: Vec<Selection>) -> &'static str {
        match check(spec, &election(spec), selections) {
            Ok(_) => "ok",
            Err(err) => err.code(),
        }
    }

    #[test]
    fn each_ballot_type_takes_its_own_shape_of_selection() {
        let approval = spec("approval", None, None);
        assert_eq!(verdict(&approval, vec![pick("a", None, None)]), "ok");
        assert_eq!(
            verdict(&approval, vec![pick("a", Some(1), None)]),
            "invalid_selection"
        );
        assert_eq!(
            verdict(&approval, vec![pick("a", None, Some(1))]),
            "invalid_selection"
        );
        let cumulative = spec("cumulative", Some(10), None);
        assert_eq!(verdict(&cumulative, vec![pick("a", Some(3), None)]), "ok");
        assert_eq!(
            verdict(&cumulative, vec![pick("a", None, None)]),
            "invalid_selection"
        );
        assert_eq!(
            verdict(&cumulative, vec![pick("a", Some(3), Some(1))]),
            "invalid_selection"
        );
        let ranked = spec("ranked", None, Some(3));
        assert_eq!(
            verdict(&ranked, vec![pick("a", Some(1), Some(1))]),
            "invalid_selection"
        );
    }

    #[test]
    fn points_are_at_least_one_per_selection() {
        let cumulative = spec("cumulative", Some(10), None);
        for points in [0, -1] {
            assert_eq!(
                verdict(&cumulative, vec![pick("a", Some(points), None)]),
                "invalid_points"
            );
        }
        assert_eq!(
            verdict(&cumulative, vec![pick("a", Some(11), None)]),
            "points_total_exceeded"
        );
    }

    #[test]
    fn ranks_are_one_two_three_without_gaps_repeats_or_blanks() {
        let ranked = spec("ranked", None, Some(3));
        for ranks in [[1, 3], [1, 1], [0, 1], [2, 3]] {
            let selections = vec![
                pick("a", None, Some(ranks[0])),
                pick("b", None, Some(ranks[1])),
            ];
            assert_eq!(verdict(&ranked, selections), "invalid_ranks", "{ranks:?}");
        }
        let partly = vec![pick("a", None, Some(1)), pick("b", None, None)];
        assert_eq!(verdict(&ranked, partly), "invalid_ranks");
    }

    #[test]
    fn ranked_selections_are_stored_in_rank_order_with_ranks_filled_in() {
        let ranked = spec("ranked", None, Some(3));
        let election = election(&ranked);
        let given = vec![
            pick("b", None, Some(2)),
            pick("c", None, Some(3)),
            pick("a", None, Some(1)),
        ];
        let checked = check(&ranked, &election, given).unwrap();
        let stored: Vec<_> = checked
            .selections
            .iter()
            .map(|s| (s.proposal_id.as_str(), s.rank))
            .collect();
        assert_eq!(stored, [("a", Some(1)), ("b", Some(2)), ("c", Some(3))]);
        let unranked = vec![pick("c", None, None), pick("a", None, None)];
        let checked = check(&ranked, &election, unranked).unwrap();
        let stored: Vec<_> = checked
            .selections
            .iter()
            .map(|s| (s.proposal_id.as_str(), s.rank))
            .collect();
        assert_eq!(stored, [("c", Some(1)), ("a", Some(2))]);
    }

    #[test]
    fn the_budget_s_rules_are_the_engine_s() {
        let knapsack = spec("knapsack", None, None);
        assert_eq!(
            verdict(
                &knapsack,
                vec![pick("a", None, None), pick("b", None, None)]
            ),
            "ok"
        );
        assert_eq!(
            verdict(
                &knapsack,
                vec![
                    pick("a", None, None),
                    pick("b", None, None),
                    pick("c", None, None)
                ]
            ),
            "over_budget"
        );
        let two = spec("approval", None, Some(2));
        let three = vec![
            pick("a", None, None),
            pick("b", None, None),
            pick("c", None, None),
        ];
        assert_eq!(verdict(&two, three), "too_many_selections");
        assert_eq!(
            verdict(&two, vec![pick("z", None, None)]),
            "proposal_not_on_ballot"
        );
        assert_eq!(
            verdict(&two, vec![pick("a", None, None), pick("a", None, None)]),
            "duplicate_selection"
        );
    }
}
