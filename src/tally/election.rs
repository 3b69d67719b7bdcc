//! An election as the engine counts it: projects with exact costs, a budget, the ballot kind and
//! the ballots, independent of where they came from (a `.pb` file or the service's database).
//!
//! Build one with [`Election::new`]; it checks the structure (unique project ids, non-negative
//! money, ballots naming only known projects, no project twice in a ballot). Whether a ballot
//! respects the election's *rules* (how many selections, a spending cap, points limits) is a
//! separate question answered by [`crate::tally::ballot::BallotRules::validate`], because real
//! published elections contain ballots that broke their own rules and must still be counted.

use crate::tally::money::Decimal;
use std::collections::HashMap;

/// A project as given to [`Election::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectSpec {
    /// Unique id (a string: the tie-breaking `pabutools` order compares these).
    pub id: String,
    /// Cost in main units of the currency, exactly.
    pub cost: Decimal,
}

/// How ballots express preferences, and hence how the engine scores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VoteKind {
    /// A set of approved projects (also knapsack ballots and Pabulib `choose-1`).
    Approval,
    /// Points distributed over projects.
    Cumulative,
    /// An ordered list; the project at position `r` (0-based) scores `k − r`.
    Ranked {
        /// Points of a first choice (Pabulib: `max_length`, else the longest ballot).
        k: u32,
    },
    /// A score per project.
    Scoring,
}

impl VoteKind {
    /// Whether ballots are sets (utilities are costs) rather than points.
    pub fn is_approval(self) -> bool {
        matches!(self, VoteKind::Approval)
    }
}

/// One voter's ballot as given to [`Election::new`], naming projects by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ballot {
    /// Approved projects (order irrelevant).
    Approval(Vec<String>),
    /// Projects with their points (cumulative and scoring ballots).
    Points(Vec<(String, i64)>),
    /// Projects from most to least preferred.
    Ranking(Vec<String>),
}

/// A project inside an [`Election`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The project id.
    pub id: String,
    /// The cost in engine units (`10^-scale` main units, see [`Election::scale`]).
    pub cost: i128,
}

/// Why an election could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElectionError {
    /// Two projects share an id.
    #[error("project id `{0}` appears twice")]
    DuplicateProject(String),
    /// A cost below zero.
    #[error("project `{0}` has a negative cost")]
    NegativeCost(String),
    /// A budget below zero.
    #[error("the budget is negative")]
    NegativeBudget,
    /// A cost above [`MAX_MONEY_UNITS`] engine units.
    #[error("project `{0}` costs more than the largest amount counted (10^30 units)")]
    CostTooLarge(String),
    /// A budget above [`MAX_MONEY_UNITS`] engine units.
    #[error("the budget is more than the largest amount counted (10^30 units)")]
    BudgetTooLarge,
    /// Amounts too large or too precise to represent exactly.
    #[error("money amounts are too large or have too many decimals")]
    MoneyOutOfRange,
    /// A ballot names a project that is not in the election.
    #[error("ballot {ballot} names unknown project `{project}`")]
    UnknownProject {
        /// Index of the ballot (0-based, in the given order).
        ballot: usize,
        /// The unknown id.
        project: String,
    },
    /// A ballot names a project twice.
    #[error("ballot {ballot} names project `{project}` twice")]
    DuplicateInBallot {
        /// Index of the ballot.
        ballot: usize,
        /// The repeated id.
        project: String,
    },
    /// A ballot's shape does not match the election's vote kind.
    #[error("ballot {ballot} is not a {expected} ballot")]
    WrongBallotShape {
        /// Index of the ballot.
        ballot: usize,
        /// The expected shape.
        expected: &'static str,
    },
}

/// The largest budget or cost, in engine units, an election takes: 10^30 (a trillion main
/// units at 18 decimals). Counting adds costs to what is spent and compares with the budget in
/// `i128`; with every amount at most 2^100, no sum of fewer than 2^27 of them can wrap (a `.pb`
/// cost of `i128::MAX` once wrapped greedy's spending negative and was funded).
pub const MAX_MONEY_UNITS: i128 = 1_000_000_000_000_000_000_000_000_000_000;

/// An election ready to be counted. Immutable once built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    projects: Vec<Project>,
    budget: i128,
    scale: u32,
    kind: VoteKind,
    /// Every ballot's (project index, points), ballot after ballot; approval ballots carry 1
    /// point per project. Stored flat because counting reads all ballots in order, and one
    /// block is read several times faster than thousands of separate allocations.
    items: Vec<(u32, i64)>,
    /// Where each ballot ends in `items`.
    ends: Vec<usize>,
}

impl Election {
    /// Builds an election, bringing every amount to the smallest common decimal scale.
    pub fn new(
        budget: Decimal,
        projects: Vec<ProjectSpec>,
        kind: VoteKind,
        ballots: Vec<Ballot>,
    ) -> Result<Election, ElectionError> {
        let mut builder = ElectionBuilder::new(budget, projects, kind)?;
        for ballot in ballots {
            builder.push(ballot)?;
        }
        Ok(builder.finish())
    }

    /// The projects, in the order given.
    pub fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// The budget in engine units.
    pub fn budget(&self) -> i128 {
        self.budget
    }

    /// Engine units are `10^-scale` main units of the currency.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// One main unit of the currency in engine units.
    pub fn main_unit(&self) -> i128 {
        10i128.pow(self.scale)
    }

    /// The vote kind.
    pub fn kind(&self) -> VoteKind {
        self.kind
    }

    /// Number of voters (every ballot, including empty ones).
    pub fn num_voters(&self) -> usize {
        self.ends.len()
    }

    /// The ballots in order, as (project index, points) lists. Ranked ballots already carry
    /// `k − r`.
    pub fn ballots(&self) -> impl ExactSizeIterator<Item = &[(u32, i64)]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let ballot = &self.items[start..end];
            start = end;
            ballot
        })
    }

    /// Ballot `i` (0-based, in the given order).
    pub fn ballot(&self, i: usize) -> &[(u32, i64)] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }

    /// An engine amount as a decimal of main units.
    pub fn money(&self, units: i128) -> Decimal {
        Decimal::from_units(units, self.scale)
    }

    /// Index of the project with this id.
    pub fn project_index(&self, id: &str) -> Option<usize> {
        self.projects.iter().position(|p| p.id == id)
    }
}

/// An election whose ballots come one at a time, each resolved to project indices as it
/// comes: a million ballots never have to be held as lists of id strings first.
pub struct ElectionBuilder {
    election: Election,
    index: HashMap<String, u32>,
}

impl ElectionBuilder {
    /// The projects and the budget, every amount at the smallest common decimal scale.
    pub fn new(
        budget: Decimal,
        projects: Vec<ProjectSpec>,
        kind: VoteKind,
    ) -> Result<Self, ElectionError> {
        let scale = projects
            .iter()
            .map(|p| p.cost.scale)
            .chain([budget.scale])
            .max()
            .unwrap_or(0);
        let budget_units = budget
            .at_scale(scale)
            .ok_or(ElectionError::MoneyOutOfRange)?;
        if budget_units < 0 {
            return Err(ElectionError::NegativeBudget);
        }
        if budget_units > MAX_MONEY_UNITS {
            return Err(ElectionError::BudgetTooLarge);
        }
        let mut index = HashMap::with_capacity(projects.len());
        let mut built = Vec::with_capacity(projects.len());
        for (i, p) in projects.into_iter().enumerate() {
            let cost = p
                .cost
                .at_scale(scale)
                .ok_or(ElectionError::MoneyOutOfRange)?;
            if cost < 0 {
                return Err(ElectionError::NegativeCost(p.id));
            }
            if cost > MAX_MONEY_UNITS {
                return Err(ElectionError::CostTooLarge(p.id));
            }
            if index.insert(p.id.clone(), i as u32).is_some() {
                return Err(ElectionError::DuplicateProject(p.id));
            }
            built.push(Project { id: p.id, cost });
        }
        Ok(ElectionBuilder {
            election: Election {
                projects: built,
                budget: budget_units,
                scale,
                kind,
                items: Vec::new(),
                ends: Vec::new(),
            },
            index,
        })
    }

    /// Adds the next ballot (errors name it by its 0-based position).
    pub fn push(&mut self, ballot: Ballot) -> Result<(), ElectionError> {
        let e = &mut self.election;
        let resolved = resolve_ballot(e.ends.len(), ballot, e.kind, &self.index)?;
        e.items.extend(resolved);
        e.ends.push(e.items.len());
        Ok(())
    }

    pub fn finish(mut self) -> Election {
        self.election.items.shrink_to_fit();
        self.election.ends.shrink_to_fit();
        self.election
    }
}

fn resolve_ballot(
    b: usize,
    ballot: Ballot,
    kind: VoteKind,
    index: &HashMap<String, u32>,
) -> Result<Vec<(u32, i64)>, ElectionError> {
    let shape = |expected| ElectionError::WrongBallotShape {
        ballot: b,
        expected,
    };
    let entries: Vec<(String, i64)> = match (kind, ballot) {
        (VoteKind::Approval, Ballot::Approval(ids)) => ids.into_iter().map(|id| (id, 1)).collect(),
        (VoteKind::Ranked { k }, Ballot::Ranking(ids)) => ids
            .into_iter()
            .enumerate()
            .map(|(r, id)| (id, i64::from(k) - r as i64))
            .collect(),
        (VoteKind::Cumulative | VoteKind::Scoring, Ballot::Points(pts)) => pts,
        (VoteKind::Approval, _) => return Err(shape("approval")),
        (VoteKind::Ranked { .. }, _) => return Err(shape("ranking")),
        (_, _) => return Err(shape("points")),
    };
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    entries
        .into_iter()
        .map(|(id, pts)| {
            let &p = index
                .get(&id)
                .ok_or_else(|| ElectionError::UnknownProject {
                    ballot: b,
                    project: id.clone(),
                })?;
            if !seen.insert(p) {
                return Err(ElectionError::DuplicateInBallot {
                    ballot: b,
                    project: id,
                });
            }
            Ok((p, pts))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, cost: &str) -> ProjectSpec {
        ProjectSpec {
            id: id.into(),
            cost: Decimal::parse(cost).unwrap(),
        }
    }

    #[test]
    fn brings_money_to_a_common_scale() {
        let e = Election::new(
            Decimal::parse("100.5").unwrap(),
            vec![spec("a", "10.25"), spec("b", "3")],
            VoteKind::Approval,
            vec![],
        )
        .unwrap();
        assert_eq!(e.scale(), 2);
        assert_eq!(e.budget(), 10050);
        assert_eq!(e.projects()[0].cost, 1025);
        assert_eq!(e.projects()[1].cost, 300);
        assert_eq!(e.main_unit(), 100);
    }

    #[test]
    fn ranked_ballots_score_k_then_down() {
        let e = Election::new(
            Decimal::parse("10").unwrap(),
            vec![spec("a", "1"), spec("b", "1"), spec("c", "1")],
            VoteKind::Ranked { k: 3 },
            vec![Ballot::Ranking(vec!["c".into(), "a".into()])],
        )
        .unwrap();
        assert_eq!(e.ballot(0), [(2, 3), (0, 2)]);
    }

    #[test]
    fn rejects_structural_errors() {
        let projects = || vec![spec("a", "1"), spec("b", "2")];
        let budget = Decimal::parse("5").unwrap();
        let unknown = Election::new(
            budget,
            projects(),
            VoteKind::Approval,
            vec![Ballot::Approval(vec!["z".into()])],
        );
        assert!(matches!(
            unknown,
            Err(ElectionError::UnknownProject { ballot: 0, .. })
        ));
        let twice = Election::new(
            budget,
            projects(),
            VoteKind::Approval,
            vec![Ballot::Approval(vec!["a".into(), "a".into()])],
        );
        assert!(matches!(
            twice,
            Err(ElectionError::DuplicateInBallot { .. })
        ));
        let dup = Election::new(
            budget,
            vec![spec("a", "1"), spec("a", "2")],
            VoteKind::Approval,
            vec![],
        );
        assert_eq!(
            dup.unwrap_err(),
            ElectionError::DuplicateProject("a".into())
        );
        let shape = Election::new(
            budget,
            projects(),
            VoteKind::Approval,
            vec![Ballot::Points(vec![("a".into(), 1)])],
        );
        assert!(matches!(shape, Err(ElectionError::WrongBallotShape { .. })));
    }
}
