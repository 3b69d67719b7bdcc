//! Checking ballot rules as a whole, and what they mean for the tally engine.

use super::*;
use crate::domain::{FieldError, ValidationErrors};
use crate::tally::ballot::KindRules;
use crate::tally::{BallotRules, VoteKind};

impl BallotSpec {
    /// Checks ballot rules for a budget of `amount_minor`. Field names are prefixed `ballot.`.
    pub fn parse(
        input: &BallotInput,
        amount_minor: i64,
        errors: &mut ValidationErrors,
    ) -> Option<Self> {
        let before = errors.len();
        let ballot_type = match input.ballot_type.as_deref() {
            None => BallotType::Approval,
            Some(s) => match s.parse::<BallotType>() {
                Ok(t) => t,
                Err(e) => {
                    errors.push(FieldError::from_error("ballot.type", &e));
                    return None;
                }
            },
        };
        let min_selections =
            count(errors, "ballot.min_selections", input.min_selections, 0).unwrap_or(0);
        let max_selections = count(errors, "ballot.max_selections", input.max_selections, 1);
        if let Some(max) = max_selections.filter(|&m| m < min_selections) {
            errors.push(FieldError::new(
                "ballot.max_selections",
                "min_above_max",
                format!("max_selections ({max}) is below min_selections ({min_selections})"),
            ));
        }
        let max_points = count(errors, "ballot.max_points", input.max_points, 1);
        let per_proposal = count(
            errors,
            "ballot.max_points_per_proposal",
            input.max_points_per_proposal,
            1,
        );
        let mut max_spend_minor = None;
        let mut min_spend_percent = None;
        use BallotType::*;
        match ballot_type {
            Cumulative => {
                if input.max_points.is_none() {
                    errors.push(FieldError::new(
                        "ballot.max_points",
                        "required",
                        "cumulative ballots need the number of points to spread",
                    ));
                }
                if let (Some(total), Some(each)) = (max_points, per_proposal) {
                    if each > total {
                        errors.push(FieldError::new(
                            "ballot.max_points_per_proposal",
                            "min_above_max",
                            "max_points_per_proposal is above max_points",
                        ));
                    }
                }
            }
            _ => {
                not_applicable(
                    errors,
                    "ballot.max_points",
                    input.max_points.is_some(),
                    ballot_type,
                );
                not_applicable(
                    errors,
                    "ballot.max_points_per_proposal",
                    input.max_points_per_proposal.is_some(),
                    ballot_type,
                );
            }
        }
        if ballot_type == Ranked && input.max_selections.is_none() {
            errors.push(FieldError::new(
                "ballot.max_selections",
                "required",
                "ranked ballots need the number of ranks",
            ));
        }
        if ballot_type == Knapsack {
            // The cap defaults to the budget: a voter composes a programme the city could buy.
            let cap = input.max_spend_minor.unwrap_or(amount_minor);
            if cap <= 0 {
                errors.push(FieldError::new(
                    "ballot.max_spend_minor",
                    "out_of_range",
                    "must be positive",
                ));
            }
            max_spend_minor = Some(cap);
            min_spend_percent = match input.min_spend_percent {
                None => None,
                Some(p) if (0..=100).contains(&p) => Some(p as u32),
                Some(_) => {
                    errors.push(out_of_range("ballot.min_spend_percent", 0, 100));
                    None
                }
            };
        } else {
            not_applicable(
                errors,
                "ballot.max_spend_minor",
                input.max_spend_minor.is_some(),
                ballot_type,
            );
            not_applicable(
                errors,
                "ballot.min_spend_percent",
                input.min_spend_percent.is_some(),
                ballot_type,
            );
        }
        (errors.len() == before).then_some(BallotSpec {
            ballot_type,
            min_selections,
            max_selections,
            max_points: if ballot_type == Cumulative {
                max_points
            } else {
                None
            },
            max_points_per_proposal: if ballot_type == Cumulative {
                per_proposal
            } else {
                None
            },
            max_spend_minor,
            min_spend_percent,
        })
    }

    /// Whether ballots are sets (so Phragmén applies and utilities are costs).
    pub fn is_approval_like(&self) -> bool {
        matches!(
            self.ballot_type,
            BallotType::Approval | BallotType::Knapsack
        )
    }

    /// How the engine reads these ballots.
    pub fn vote_kind(&self) -> VoteKind {
        match self.ballot_type {
            BallotType::Approval | BallotType::Knapsack => VoteKind::Approval,
            BallotType::Cumulative => VoteKind::Cumulative,
            BallotType::Ranked => VoteKind::Ranked {
                k: self.max_selections.unwrap_or(1),
            },
        }
    }

    /// The engine's rules; money in minor units (the engine's units for a budget, see
    /// `service::tally`).
    pub fn engine_rules(&self) -> BallotRules {
        let kind = match self.ballot_type {
            BallotType::Approval => KindRules::Approval,
            BallotType::Knapsack => {
                let cap = i128::from(self.max_spend_minor.unwrap_or(0));
                let pct = i128::from(self.min_spend_percent.unwrap_or(0));
                KindRules::Knapsack {
                    max_cost: cap,
                    // Rounded up: "at least 50 %" of an odd cap is not met by one unit less.
                    min_cost: (cap * pct + 99) / 100,
                }
            }
            BallotType::Cumulative => KindRules::Cumulative {
                max_per_project: self.max_points_per_proposal.map(i64::from),
                min_total: 0,
                max_total: i64::from(self.max_points.unwrap_or(0)),
            },
            BallotType::Ranked => KindRules::Ranked {
                k: self.max_selections.unwrap_or(1) as usize,
            },
        };
        BallotRules {
            kind,
            min_selections: self.min_selections as usize,
            max_selections: self.max_selections.map(|m| m as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use crate::tally::ballot::KindRules;
    use crate::tally::VoteKind;

    #[test]
    fn approval_is_the_default_and_limits_are_checked() {
        let spec = ballot(serde_json::json!({})).unwrap();
        assert_eq!(spec.ballot_type, BallotType::Approval);
        let err =
            ballot(serde_json::json!({"min_selections": 3, "max_selections": 2})).unwrap_err();
        assert_eq!(
            codes(&err),
            [("ballot.max_selections".into(), "min_above_max")]
        );
        let err = ballot(serde_json::json!({"type": "approval", "max_points": 10})).unwrap_err();
        assert_eq!(
            codes(&err),
            [("ballot.max_points".into(), "not_applicable")]
        );
        let err = ballot(serde_json::json!({"type": "plurality"})).unwrap_err();
        assert_eq!(codes(&err), [("ballot.type".into(), "unknown_value")]);
    }

    #[test]
    fn knapsack_cap_defaults_to_the_budget_and_min_spend_rounds_up() {
        let spec =
            ballot(serde_json::json!({"type": "knapsack", "min_spend_percent": 33})).unwrap();
        assert_eq!(spec.max_spend_minor, Some(1_000_000));
        match spec.engine_rules().kind {
            KindRules::Knapsack { max_cost, min_cost } => {
                assert_eq!(max_cost, 1_000_000);
                assert_eq!(min_cost, 330_000);
            }
            other => panic!("{other:?}"),
        }
        let spec = ballot(serde_json::json!({"type": "knapsack", "max_spend_minor": 1001, "min_spend_percent": 50})).unwrap();
        assert!(matches!(
            spec.engine_rules().kind,
            KindRules::Knapsack { min_cost: 501, .. }
        ));
        let err =
            ballot(serde_json::json!({"type": "knapsack", "min_spend_percent": 101})).unwrap_err();
        assert_eq!(
            codes(&err),
            [("ballot.min_spend_percent".into(), "out_of_range")]
        );
    }

    #[test]
    fn cumulative_needs_points_and_ranked_needs_ranks() {
        let err = ballot(serde_json::json!({"type": "cumulative"})).unwrap_err();
        assert_eq!(codes(&err), [("ballot.max_points".into(), "required")]);
        let err = ballot(serde_json::json!({"type": "cumulative", "max_points": 5, "max_points_per_proposal": 6})).unwrap_err();
        assert_eq!(
            codes(&err),
            [("ballot.max_points_per_proposal".into(), "min_above_max")]
        );
        let err = ballot(serde_json::json!({"type": "ranked"})).unwrap_err();
        assert_eq!(codes(&err), [("ballot.max_selections".into(), "required")]);
        let spec = ballot(serde_json::json!({"type": "ranked", "max_selections": 3})).unwrap();
        assert_eq!(spec.vote_kind(), VoteKind::Ranked { k: 3 });
    }
}
