//! The rules one ballot must respect, and the check of a single ballot against them.
//!
//! [`BallotRules::validate`] returns the *first* rule broken as a [`BallotError`]; each variant
//! has a stable snake_case [`BallotError::code`] the API layer returns as its error code.
//! Counting never calls this: real published elections hold ballots that broke their rules
//! (a `.pb`'s votes are checked against its own META by `pabulib::vote_rules` instead).
//!
//! Every number here may come from a voter: sums are exact (points in `i128`, costs with a
//! checked sum), so no total can wrap into the allowed range (issue 15, finding 1).

use crate::tally::election::{Ballot, Election};
use std::collections::HashSet;

/// What a ballot of an election may contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotRules {
    /// The kind-specific rules.
    pub kind: KindRules,
    /// Fewest projects a ballot must name.
    pub min_selections: usize,
    /// Most projects a ballot may name (`None`: no limit other than the number of projects).
    pub max_selections: Option<usize>,
}

/// Rules specific to each ballot type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindRules {
    /// A set of approved projects.
    Approval,
    /// A set of projects whose total cost is at most `max_cost` and at least `min_cost`
    /// (engine units of the election, see [`Election::scale`]).
    Knapsack { max_cost: i128, min_cost: i128 },
    /// Points per project: each at most `max_per_project`, together between the two totals.
    Cumulative {
        max_per_project: Option<i64>,
        min_total: i64,
        max_total: i64,
    },
    /// An ordered list of at most `k` projects (scored k, k−1, …).
    Ranked { k: usize },
    /// A score per project within `min_points..=max_points`.
    Scoring { min_points: i64, max_points: i64 },
}

/// The rule a ballot broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the ballot is not of the election's type ({expected})")]
    WrongBallotType { expected: &'static str },
    #[error("project `{0}` is not on the ballot")]
    ProposalNotOnBallot(String),
    #[error("project `{0}` is selected more than once")]
    DuplicateSelection(String),
    #[error("at least {min} projects must be selected, {got} were")]
    TooFewSelections { min: usize, got: usize },
    #[error("at most {max} projects may be selected, {got} were")]
    TooManySelections { max: usize, got: usize },
    #[error("the selection costs {total}, more than the allowed {max}")]
    OverBudget { max: i128, total: i128 },
    #[error("the selection costs {total}, less than the required {min}")]
    UnderMinimumSpend { min: i128, total: i128 },
    #[error("project `{project}` got {got} points, more than the allowed {max}")]
    PointsExceeded { project: String, max: i64, got: i64 },
    #[error("project `{project}` got {got} points, outside {min}..={max}")]
    PointsOutOfRange {
        project: String,
        min: i64,
        max: i64,
        got: i64,
    },
    // Totals are i128: a sum of i64 points cannot wrap there (it would take 2^64 entries), so
    // the total compared with the limit is the true one (finding 1 of issue 15 wrapped an i64).
    #[error("{got} points were given, more than the allowed {max}")]
    PointsTotalExceeded { max: i64, got: i128 },
    #[error("{got} points were given, fewer than the required {min}")]
    PointsTotalTooLow { min: i64, got: i128 },
}

impl BallotError {
    /// A stable code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            BallotError::WrongBallotType { .. } => "wrong_ballot_type",
            BallotError::ProposalNotOnBallot(_) => "proposal_not_on_ballot",
            BallotError::DuplicateSelection(_) => "duplicate_selection",
            BallotError::TooFewSelections { .. } => "too_few_selections",
            BallotError::TooManySelections { .. } => "too_many_selections",
            BallotError::OverBudget { .. } => "over_budget",
            BallotError::UnderMinimumSpend { .. } => "under_minimum_spend",
            BallotError::PointsExceeded { .. } => "points_exceeded",
            BallotError::PointsOutOfRange { .. } => "points_out_of_range",
            BallotError::PointsTotalExceeded { .. } => "points_total_exceeded",
            BallotError::PointsTotalTooLow { .. } => "points_total_too_low",
        }
    }
}

impl BallotRules {
    /// Rules with no selection limits.
    pub fn new(kind: KindRules) -> BallotRules {
        BallotRules {
            kind,
            min_selections: 0,
            max_selections: None,
        }
    }

    /// Checks one ballot for `election`'s projects; the first rule broken is returned.
    pub fn validate(&self, election: &Election, ballot: &Ballot) -> Result<(), BallotError> {
        let entries = self.entries(ballot)?;
        let mut seen = HashSet::with_capacity(entries.len());
        let mut costs = Vec::with_capacity(entries.len());
        for (id, _) in &entries {
            let p = election
                .project_index(id)
                .ok_or_else(|| BallotError::ProposalNotOnBallot((*id).to_string()))?;
            if !seen.insert(p) {
                return Err(BallotError::DuplicateSelection((*id).to_string()));
            }
            costs.push(election.projects()[p].cost);
        }
        let got = entries.len();
        if got < self.min_selections {
            return Err(BallotError::TooFewSelections {
                min: self.min_selections,
                got,
            });
        }
        let max = match self.kind {
            KindRules::Ranked { k } => Some(self.max_selections.map_or(k, |m| m.min(k))),
            _ => self.max_selections,
        };
        if let Some(max) = max.filter(|&m| got > m) {
            return Err(BallotError::TooManySelections { max, got });
        }
        match self.kind {
            KindRules::Approval | KindRules::Ranked { .. } => Ok(()),
            KindRules::Knapsack { max_cost, min_cost } => {
                // Costs are non-negative: a sum too large for i128 is over any cap (it is
                // reported as i128::MAX, a lower bound of the true sum).
                let Some(total) = costs.iter().try_fold(0i128, |sum, &c| sum.checked_add(c)) else {
                    return Err(BallotError::OverBudget {
                        max: max_cost,
                        total: i128::MAX,
                    });
                };
                if total > max_cost {
                    return Err(BallotError::OverBudget {
                        max: max_cost,
                        total,
                    });
                }
                if total < min_cost {
                    return Err(BallotError::UnderMinimumSpend {
                        min: min_cost,
                        total,
                    });
                }
                Ok(())
            }
            KindRules::Cumulative {
                max_per_project,
                min_total,
                max_total,
            } => {
                for &(id, pts) in &entries {
                    if pts < 0 {
                        return Err(BallotError::PointsOutOfRange {
                            project: id.to_string(),
                            min: 0,
                            max: max_per_project.unwrap_or(max_total),
                            got: pts,
                        });
                    }
                    if let Some(max) = max_per_project.filter(|&m| pts > m) {
                        return Err(BallotError::PointsExceeded {
                            project: id.to_string(),
                            max,
                            got: pts,
                        });
                    }
                }
                let total: i128 = entries.iter().map(|&(_, p)| i128::from(p)).sum();
                if total > i128::from(max_total) {
                    return Err(BallotError::PointsTotalExceeded {
                        max: max_total,
                        got: total,
                    });
                }
                if total < i128::from(min_total) {
                    return Err(BallotError::PointsTotalTooLow {
                        min: min_total,
                        got: total,
                    });
                }
                Ok(())
            }
            KindRules::Scoring {
                min_points,
                max_points,
            } => {
                for &(id, pts) in &entries {
                    if pts < min_points || pts > max_points {
                        return Err(BallotError::PointsOutOfRange {
                            project: id.to_string(),
                            min: min_points,
                            max: max_points,
                            got: pts,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// The ballot's (project, points) entries if its shape fits the rules.
    fn entries<'b>(&self, ballot: &'b Ballot) -> Result<Vec<(&'b str, i64)>, BallotError> {
        match (&self.kind, ballot) {
            (KindRules::Approval | KindRules::Knapsack { .. }, Ballot::Approval(ids))
            | (KindRules::Ranked { .. }, Ballot::Ranking(ids)) => {
                Ok(ids.iter().map(|s| (s.as_str(), 1)).collect())
            }
            (KindRules::Cumulative { .. } | KindRules::Scoring { .. }, Ballot::Points(pts)) => {
                Ok(pts.iter().map(|(s, p)| (s.as_str(), *p)).collect())
            }
            (KindRules::Approval | KindRules::Knapsack { .. }, _) => {
                Err(BallotError::WrongBallotType {
                    expected: "approval",
                })
            }
            (KindRules::Ranked { .. }, _) => Err(BallotError::WrongBallotType {
                expected: "ranking",
            }),
            _ => Err(BallotError::WrongBallotType { expected: "points" }),
        }
    }
}
