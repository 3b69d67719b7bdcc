//! A budget's ballot rules and counting rule: what officials send, how it is checked as a
//! whole, and how it becomes the tally engine's [`BallotRules`] and [`TallyOptions`].
//!
//! Inputs are plain strings and numbers so that every bad value becomes a field error in one
//! 422 answer instead of one opaque JSON error. The validated values ([`BallotSpec`],
//! [`CountingRule`]) are what is stored (as JSON) and frozen when voting opens.

use serde::{Deserialize, Serialize};

use super::string_enum::string_enum;
use super::{FieldError, ValidationErrors};
use crate::tally::ballot::KindRules;
use crate::tally::{BallotRules, Completion, Rule, TallyOptions, TieBreak, VoteKind};

string_enum! {
    /// How a voter expresses their choice.
    pub enum BallotType ("ballot type") {
        /// Choose between `min_selections` and `max_selections` proposals.
        Approval => "approval",
        /// Choose proposals whose total cost fits a cap.
        Knapsack => "knapsack",
        /// Spread `max_points` points.
        Cumulative => "cumulative",
        /// Order up to `max_selections` proposals.
        Ranked => "ranked",
    }
}

string_enum! {
    /// The counting rule.
    pub enum RuleKind ("counting rule") {
        Greedy => "greedy",
        EqualShares => "equal_shares",
        Phragmen => "phragmen",
    }
}

string_enum! {
    /// What Equal Shares does with the money its first run leaves.
    pub enum CompletionName ("completion") {
        None => "none",
        Add1 => "add1",
        Add1Greedy => "add1_greedy",
        EqualsharesAdd1 => "equalshares_add1",
        EqualsharesAdd1u => "equalshares_add1u",
    }
}

string_enum! {
    /// The tie-breaking order, fixed before counting.
    pub enum TieBreakName ("tie-break") {
        /// The proposal whose id is smallest (by code points) wins.
        Pabutools => "pabutools",
        /// Lower cost, then more votes, then a random order from the budget's seed.
        Equalshares => "equalshares",
    }
}

/// Validated ballot rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BallotSpec {
    #[serde(rename = "type")]
    #[schema(example = "approval")]
    pub ballot_type: BallotType,
    pub min_selections: u32,
    /// Most proposals a ballot may name; for `ranked`, how many ranks there are (the first
    /// choice scores this many points).
    pub max_selections: Option<u32>,
    /// `cumulative`: the points each voter spreads.
    pub max_points: Option<u32>,
    /// `cumulative`: most points on one proposal.
    pub max_points_per_proposal: Option<u32>,
    /// `knapsack`: the most a ballot's proposals may cost together (minor units).
    pub max_spend_minor: Option<i64>,
    /// `knapsack`: the least share of `max_spend_minor` a ballot must spend, in percent.
    pub min_spend_percent: Option<u32>,
}

/// Validated counting rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountingRule {
    #[schema(example = "equal_shares")]
    pub kind: RuleKind,
    #[schema(example = "add1_greedy")]
    pub completion: CompletionName,
    #[schema(example = "pabutools")]
    pub tie_break: TieBreakName,
    /// The published seed of the `equalshares` random order (drawn when the budget is created
    /// unless given).
    pub seed: Option<u64>,
}

/// Ballot rules as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotInput {
    #[serde(rename = "type", default)]
    #[schema(value_type = Option<BallotType>)]
    pub ballot_type: Option<String>,
    #[serde(default)]
    pub min_selections: Option<i64>,
    #[serde(default)]
    pub max_selections: Option<i64>,
    #[serde(default)]
    pub max_points: Option<i64>,
    #[serde(default)]
    pub max_points_per_proposal: Option<i64>,
    #[serde(default)]
    pub max_spend_minor: Option<i64>,
    #[serde(default)]
    pub min_spend_percent: Option<i64>,
}

/// A counting rule as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[serde(default)]
    #[schema(value_type = Option<RuleKind>)]
    pub kind: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<CompletionName>)]
    pub completion: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<TieBreakName>)]
    pub tie_break: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
}

/// Most proposals or points anyone could sensibly need; stops absurd numbers early.
const MAX_COUNT: i64 = 10_000;

fn out_of_range(field: &str, min: i64, max: i64) -> FieldError {
    FieldError::new(
        field,
        "out_of_range",
        format!("must be between {min} and {max}"),
    )
}

fn count(errors: &mut ValidationErrors, field: &str, value: Option<i64>, min: i64) -> Option<u32> {
    let v = value?;
    if (min..=MAX_COUNT).contains(&v) {
        Some(v as u32)
    } else {
        errors.push(out_of_range(field, min, MAX_COUNT));
        None
    }
}

/// Parses an optional enum-valued field, reporting a bad value under `field`.
fn named<T>(errors: &mut ValidationErrors, field: &str, value: Option<&str>) -> Option<T>
where
    T: std::str::FromStr<Err = super::UnknownVariant>,
{
    match value?.parse() {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::from_error(field, &e));
            None
        }
    }
}

fn not_applicable(errors: &mut ValidationErrors, field: &str, given: bool, ballot: BallotType) {
    if given {
        errors.push(FieldError::new(
            field,
            "not_applicable",
            format!("{field} does not apply to {ballot} ballots"),
        ));
    }
}

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

impl CountingRule {
    /// Checks a counting rule against the ballot rules (`ballot` is `None` when those are
    /// invalid, in which case cross-checks are skipped). `fresh_seed` is used when the
    /// `equalshares` order needs a seed and none was given.
    pub fn parse(
        input: &RuleInput,
        ballot: Option<&BallotSpec>,
        fresh_seed: u64,
        errors: &mut ValidationErrors,
    ) -> Option<Self> {
        let before = errors.len();
        let kind = named(errors, "rule.kind", input.kind.as_deref()).unwrap_or(RuleKind::Greedy);
        let completion: CompletionName =
            named(errors, "rule.completion", input.completion.as_deref())
                .unwrap_or(CompletionName::None);
        let tie_break: TieBreakName = named(errors, "rule.tie_break", input.tie_break.as_deref())
            .unwrap_or(TieBreakName::Pabutools);
        if kind != RuleKind::EqualShares && completion != CompletionName::None {
            errors.push(FieldError::new(
                "rule.completion",
                "not_applicable",
                "completions apply to equal_shares only",
            ));
        }
        if kind == RuleKind::Phragmen && ballot.is_some_and(|b| !b.is_approval_like()) {
            errors.push(FieldError::new(
                "rule.kind",
                "phragmen_needs_approval",
                "Phragmén counts approval or knapsack ballots only",
            ));
        }
        let seed = match tie_break {
            TieBreakName::Equalshares => Some(input.seed.unwrap_or(fresh_seed)),
            TieBreakName::Pabutools => {
                if input.seed.is_some() {
                    errors.push(FieldError::new(
                        "rule.seed",
                        "not_applicable",
                        "the pabutools order uses no seed",
                    ));
                }
                None
            }
        };
        (errors.len() == before).then_some(CountingRule {
            kind,
            completion,
            tie_break,
            seed,
        })
    }

    /// The engine's options.
    pub fn engine_options(&self) -> TallyOptions {
        let completion = match self.completion {
            CompletionName::None => Completion::None,
            CompletionName::Add1 => Completion::Add1,
            CompletionName::Add1Greedy => Completion::Add1Greedy,
            CompletionName::EqualsharesAdd1 => Completion::EqualsharesAdd1,
            CompletionName::EqualsharesAdd1u => Completion::EqualsharesAdd1u,
        };
        let rule = match self.kind {
            RuleKind::Greedy => Rule::Greedy,
            RuleKind::EqualShares => Rule::EqualShares(completion),
            RuleKind::Phragmen => Rule::Phragmen,
        };
        let tie_break = match self.tie_break {
            TieBreakName::Pabutools => TieBreak::Pabutools,
            TieBreakName::Equalshares => TieBreak::EqualShares {
                seed: self.seed.unwrap_or(0),
            },
        };
        TallyOptions {
            rule,
            tie_break,
            record_payments: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballot(json: serde_json::Value) -> Result<BallotSpec, ValidationErrors> {
        let input: BallotInput = serde_json::from_value(json).unwrap();
        let mut errors = ValidationErrors::new();
        BallotSpec::parse(&input, 1_000_000, &mut errors).ok_or(errors)
    }

    fn codes(errors: &ValidationErrors) -> Vec<(String, &'static str)> {
        errors
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.code))
            .collect()
    }

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

    #[test]
    fn rules_are_checked_against_the_ballot() {
        let cumulative =
            ballot(serde_json::json!({"type": "cumulative", "max_points": 10})).unwrap();
        let mut errors = ValidationErrors::new();
        let input = RuleInput {
            kind: Some("phragmen".into()),
            completion: Some("add1".into()),
            ..Default::default()
        };
        assert!(CountingRule::parse(&input, Some(&cumulative), 7, &mut errors).is_none());
        assert_eq!(
            codes(&errors),
            [
                ("rule.completion".into(), "not_applicable"),
                ("rule.kind".into(), "phragmen_needs_approval")
            ]
        );
        let mut errors = ValidationErrors::new();
        let input = RuleInput {
            kind: Some("equal_shares".into()),
            completion: Some("equalshares_add1u".into()),
            tie_break: Some("equalshares".into()),
            seed: None,
        };
        let rule = CountingRule::parse(&input, Some(&cumulative), 7, &mut errors).unwrap();
        assert_eq!(rule.seed, Some(7), "a seed is drawn before counting");
        assert_eq!(
            rule.engine_options().rule,
            Rule::EqualShares(Completion::EqualsharesAdd1u)
        );
    }
}
