//! A budget's ballot rules and counting rule: what officials send, how it is checked as a
//! whole, and how it becomes the tally engine's [`BallotRules`] and [`TallyOptions`].
//!
//! Inputs are plain strings and numbers so that every bad value becomes a field error in one
//! 422 answer instead of one opaque JSON error. The validated values ([`BallotSpec`],
//! [`CountingRule`]) are what is stored (as JSON) and frozen when voting opens.

use serde::{Deserialize, Serialize};

use super::string_enum::string_enum;
use super::{FieldError, ValidationErrors};

mod ballot;
mod counting;
#[cfg(test)]
mod test_support;

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

/// The `ballot_rules` column, decoded (`#[diesel(deserialize_as = String)]` on a row).
impl TryFrom<String> for BallotSpec {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

/// The `ballot_rules` column, encoded: fields in declaration order, as ever.
impl From<BallotSpec> for String {
    fn from(spec: BallotSpec) -> String {
        serde_json::to_string(&spec).expect("ballot rules serialise")
    }
}

/// The `counting_rule` column, decoded.
impl TryFrom<String> for CountingRule {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

/// The `counting_rule` column, encoded.
impl From<CountingRule> for String {
    fn from(rule: CountingRule) -> String {
        serde_json::to_string(&rule).expect("a counting rule serialises")
    }
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
pub(super) const MAX_COUNT: i64 = 10_000;

pub(super) fn out_of_range(field: &str, min: i64, max: i64) -> FieldError {
    FieldError::new(
        field,
        "out_of_range",
        format!("must be between {min} and {max}"),
    )
}

pub(super) fn count(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<i64>,
    min: i64,
) -> Option<u32> {
    let v = value?;
    if (min..=MAX_COUNT).contains(&v) {
        Some(v as u32)
    } else {
        errors.push(out_of_range(field, min, MAX_COUNT));
        None
    }
}

/// Parses an optional enum-valued field, reporting a bad value under `field`.
pub(super) fn named<T>(errors: &mut ValidationErrors, field: &str, value: Option<&str>) -> Option<T>
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

pub(super) fn not_applicable(
    errors: &mut ValidationErrors,
    field: &str,
    given: bool,
    ballot: BallotType,
) {
    if given {
        errors.push(FieldError::new(
            field,
            "not_applicable",
            format!("{field} does not apply to {ballot} ballots"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns as written before the rows decoded them: decoding and encoding again gives
    /// the same bytes, and the audit details (which re-encode the rules through
    /// `serde_json::Value`) read as they did when they were parsed from the column.
    #[test]
    fn stored_rules_read_back_byte_for_byte() {
        let ballot = r#"{"type":"knapsack","min_selections":1,"max_selections":null,"max_points":null,"max_points_per_proposal":null,"max_spend_minor":500000,"min_spend_percent":50}"#;
        let rule = r#"{"kind":"equal_shares","completion":"add1_greedy","tie_break":"equalshares","seed":18446744073709551615}"#;
        let spec = BallotSpec::try_from(ballot.to_string()).unwrap();
        assert_eq!(spec.ballot_type, BallotType::Knapsack);
        assert_eq!(String::from(spec.clone()), ballot);
        let counting = CountingRule::try_from(rule.to_string()).unwrap();
        assert_eq!(counting.seed, Some(u64::MAX));
        assert_eq!(String::from(counting.clone()), rule);

        let as_parsed = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        let details = serde_json::json!({ "ballot": spec, "rule": counting }).to_string();
        let before = serde_json::json!({ "ballot": as_parsed(ballot), "rule": as_parsed(rule) });
        assert_eq!(details, before.to_string());

        assert!(BallotSpec::try_from(String::new()).is_err());
        assert!(CountingRule::try_from(r#"{"kind":"greedy"}"#.to_string()).is_err());
    }
}
