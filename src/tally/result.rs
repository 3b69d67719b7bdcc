//! What a tally returns: the funded projects, the figures per project, and a trace a citizen can
//! follow. Everything here is `Serialize`; `kurultai tally --json` prints a [`TallyResult`] and
//! `docs/tally-json.md` documents that schema (`"schema": "kurultai.tally/1"`).
//!
//! Money is written as decimal strings in main units of the currency (`"1500.5"`), exact values
//! that are not decimals as an [`Exact`] (a reduced fraction and a rounded decimal for reading).

use crate::tally::exact::Q;
use crate::tally::tiebreak::TieBreak;
use serde::Serialize;

/// The schema identifier written into every JSON result.
pub const SCHEMA: &str = "kurultai.tally/1";

/// An exact value: the fraction decides, the decimal is only for reading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exact {
    /// `"numerator/denominator"` (reduced; `"n"` when the denominator is 1).
    pub fraction: String,
    /// Rounded half away from zero to 6 decimals.
    pub decimal: String,
}

impl Exact {
    /// `value` given in engine units of `10^-scale`; shown in main units.
    pub fn money(value: &Q, scale: u32) -> Exact {
        Exact::plain(&value.div_int(10i128.pow(scale)))
    }

    /// A dimensionless value.
    pub fn plain(value: &Q) -> Exact {
        let (n, d) = value.parts();
        Exact {
            fraction: if d == "1" { n } else { format!("{n}/{d}") },
            decimal: value.to_decimal(0, 6),
        }
    }
}

/// The rule that was run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    Greedy,
    EqualShares,
    Phragmen,
}

/// Which stage of a composite rule produced a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The rule itself.
    Main,
    /// A completion that spends what the rule left.
    Completion,
}

/// Why the Add1 loop stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Add1Stop {
    /// The outcome left no affordable candidate unfunded (pabutools `add1`); it was kept.
    Exhaustive,
    /// One more unit would exceed the budget; the previous outcome was kept.
    WouldExceedBudget,
    /// Every candidate is funded; more money cannot change the outcome.
    AllFunded,
}

/// One step of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TraceStep {
    /// A project considered by a greedy pass, in the order considered.
    Greedy {
        stage: Stage,
        project: String,
        votes: u64,
        score: String,
        cost: String,
        funded: bool,
        /// Budget left after this step (main units).
        budget_left: String,
    },
    /// A supported project that costs nothing, funded before Equal Shares starts (pabutools).
    Free { project: String },
    /// The Add1 search over per-voter shares, before the rounds of the kept outcome.
    Add1 {
        /// `pabutools` (from budget/n, until exhaustive) or `equalshares` (from floor(budget/n)).
        family: String,
        first_share: Exact,
        /// The per-voter share of the kept outcome.
        kept_share: Exact,
        /// How many shares were tried.
        runs: u64,
        stop: Add1Stop,
    },
    /// One round of the Method of Equal Shares (of the kept outcome).
    EqualShares {
        round: u32,
        project: String,
        cost: String,
        /// The price per unit of utility ρ the round minimised.
        rho: Exact,
        /// The most any single supporter paid (main units).
        max_payment: Exact,
        supporters: u64,
        /// Supporters who paid something.
        payers: u64,
        /// Of those, how many paid all they had left.
        paid_everything: u64,
        /// Money left with all voters together after this round (main units).
        money_left: Exact,
        /// Projects whose ρ equalled this round's exactly and lost the tie-break, in tie-break
        /// order. Absent when the round was not a tie (so results counted before it keep their
        /// bytes).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tied_with: Vec<String>,
    },
    /// One round of sequential Phragmén.
    Phragmen {
        project: String,
        cost: String,
        /// The new maximal load of its supporters.
        max_load: Exact,
        funded: bool,
    },
}

/// Per-project figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectLine {
    pub id: String,
    pub cost: String,
    /// Voters naming the project.
    pub votes: u64,
    /// Approvals, or total points.
    pub score: String,
    pub selected: bool,
}

/// The outcome of a tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TallyResult {
    pub schema: &'static str,
    pub rule: RuleName,
    /// The completion (`none` for rules without one).
    pub completion: String,
    pub tie_break: TieBreak,
    pub budget: String,
    /// Funded projects in the order they were funded.
    pub selected: Vec<String>,
    pub total_cost: String,
    pub budget_left: String,
    pub projects: Vec<ProjectLine>,
    pub trace: Vec<TraceStep>,
    /// Per voter (in ballot order): (project, amount in engine units) paid in the kept Equal
    /// Shares outcome. Only when asked for (`TallyOptions::record_payments`); not in the JSON.
    #[serde(skip)]
    pub payments: Option<Vec<Vec<(String, Q)>>>,
    /// The per-voter share of the kept Equal Shares outcome, in engine units (with `payments`).
    #[serde(skip)]
    pub share: Option<Q>,
}

impl TallyResult {
    /// The selected ids, sorted (how the reference files list them).
    pub fn selected_sorted(&self) -> Vec<String> {
        let mut s = self.selected.clone();
        s.sort();
        s
    }
}
