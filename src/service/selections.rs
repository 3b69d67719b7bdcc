//! A ballot's selections, and how the tally engine reads them. One mapping for both readers:
//! the ballot being cast, checked against the rules (`service::ballots::check`), and the
//! stored ballots a count reads (`service::tally`), so what is checked is what is counted.

use crate::domain::budget::BallotType;
pub use crate::domain::selection::Selection;
use crate::tally::Ballot;

/// The engine's ballot for `selections` of a `ballot_type` ballot, in the selections' order
/// (for ranked ballots, the order of preference). Approval and knapsack ballots are sets of
/// proposals; cumulative ballots carry their points (a missing one reads as 0, which the
/// engine's rules refuse); ranked ballots are their order.
pub fn engine_ballot(ballot_type: BallotType, selections: &[Selection]) -> Ballot {
    let ids = || {
        selections
            .iter()
            .map(|s| s.proposal_id.to_string())
            .collect()
    };
    match ballot_type {
        BallotType::Approval | BallotType::Knapsack => Ballot::Approval(ids()),
        BallotType::Ranked => Ballot::Ranking(ids()),
        BallotType::Cumulative => Ballot::Points(
            selections
                .iter()
                .map(|s| (s.proposal_id.to_string(), s.points.unwrap_or(0)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(id: &str, points: Option<i64>, rank: Option<u32>) -> Selection {
        Selection {
            proposal_id: id.into(),
            points,
            rank,
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn approval_and_knapsack_ballots_are_sets_of_proposals() {
        let selections = [pick("b", None, None), pick("a", None, None)];
        for kind in [BallotType::Approval, BallotType::Knapsack] {
            assert_eq!(
                engine_ballot(kind, &selections),
                Ballot::Approval(ids(&["b", "a"]))
            );
        }
    }

    #[test]
    fn cumulative_ballots_carry_their_points() {
        let selections = [pick("a", Some(3), None), pick("b", Some(1), None)];
        assert_eq!(
            engine_ballot(BallotType::Cumulative, &selections),
            Ballot::Points(vec![("a".into(), 3), ("b".into(), 1)])
        );
        assert_eq!(
            engine_ballot(BallotType::Cumulative, &[pick("a", None, None)]),
            Ballot::Points(vec![("a".into(), 0)]),
            "a missing count reads as 0, for the rules to refuse"
        );
    }

    #[test]
    fn ranked_ballots_keep_the_order_of_their_selections() {
        let selections = [pick("c", None, Some(1)), pick("a", None, Some(2))];
        assert_eq!(
            engine_ballot(BallotType::Ranked, &selections),
            Ballot::Ranking(ids(&["c", "a"]))
        );
    }

    #[test]
    fn every_ballot_type_maps_and_an_empty_ballot_stays_empty() {
        for &kind in BallotType::ALL {
            let empty = engine_ballot(kind, &[]);
            assert!(
                matches!(
                    &empty,
                    Ballot::Approval(v) | Ballot::Ranking(v) if v.is_empty()
                ) || matches!(&empty, Ballot::Points(v) if v.is_empty()),
                "{kind}: {empty:?}"
            );
        }
    }
}
