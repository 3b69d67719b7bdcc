//! Checking a counting rule against the ballot, and the engine options it becomes.

use super::*;
use crate::domain::{FieldError, ValidationErrors};
use crate::tally::{Completion, Rule, TallyOptions, TieBreak};

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
    use super::super::test_support::*;
    use super::super::*;
    use crate::domain::ValidationErrors;
    use crate::tally::{Completion, Rule};

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
