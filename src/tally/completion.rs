//! Equal Shares with its completions: which per-voter share the kept run used, and what is added
//! afterwards to spend the money Equal Shares leaves.
//!
//! Two families, because the research reference and the code cities publish with differ:
//!
//! * **pabutools** (`none`, `add1`, `add1_greedy`): the share starts at `budget/n`. With `add1` it
//!   grows by one main unit of the currency per run until the outcome is *exhaustive* over the
//!   candidates (no unfunded candidate fits in what is left; that outcome is kept) or its cost
//!   exceeds the budget (the previous outcome is kept). `add1_greedy` then funds greedily by
//!   votes (points), exactly like `greedy` started from that selection. Supported projects costing
//!   nothing are funded before the first round (pabutools does so for points ballots; with cost
//!   utilities such a project gives no utility and is left to the completion).
//! * **equalshares.net** (`equalshares_add1`, `equalshares_add1u`), as in pabulib-checker: a first
//!   run at `budget/n`; then shares `floor(budget/n) + 1, + 2, …` main units, each outcome kept
//!   while its cost stays within the budget (no exhaustiveness stop). `equalshares_add1u` then adds
//!   the utilitarian completion: remaining projects by votes, ties in election order, skipping
//!   what does not fit. Projects costing nothing are never Equal Shares candidates here.
//!
//! Runs for successive shares are independent, so two are computed at once on two threads; the
//! result is the same as computing them one after the other.

use crate::tally::exact::Q;
use crate::tally::filtered::Detail;
use crate::tally::mes::{Mes, MesRun};
use crate::tally::result::Add1Stop;

/// The runs the Add1 search made, and the one it kept.
pub(crate) struct Add1Outcome {
    pub kept: MesRun,
    pub kept_share: Q,
    pub first_share: Q,
    pub runs: u64,
    pub stop: Add1Stop,
}

/// pabutools' `method_of_equal_shares(voter_budget_increment = 1 main unit)`.
///
/// `preselected_cost`: cost of projects funded before MES (free ones), counted in feasibility.
pub(crate) fn add1_pabutools(
    mes: &Mes<'_>,
    costs: &[i128],
    budget: i128,
    n_voters: u64,
    unit: i128,
    preselected_cost: i128,
) -> Add1Outcome {
    let first = Q::frac(budget, i128::from(n_voters));
    let exhaustive = |run: &MesRun| {
        let spent = preselected_cost + run.cost;
        let funded: Vec<u32> = run.projects().collect();
        mes.candidates()
            .iter()
            .all(|p| funded.contains(p) || spent + costs[*p as usize] > budget)
    };
    let mut previous: Option<(MesRun, Q)> = None;
    let mut share = first.clone();
    let mut runs = 0u64;
    loop {
        let next_share = share.add(&Q::int(unit));
        let (run, speculative) = run_pair(mes, &share, &next_share);
        runs += 1;
        if preselected_cost + run.cost > budget {
            let (kept, kept_share) =
                previous.expect("the run at budget/n never exceeds the budget");
            return Add1Outcome {
                kept,
                kept_share,
                first_share: first,
                runs,
                stop: Add1Stop::WouldExceedBudget,
            };
        }
        if exhaustive(&run) {
            return Add1Outcome {
                kept: run,
                kept_share: share,
                first_share: first,
                runs,
                stop: Add1Stop::Exhaustive,
            };
        }
        // The speculative run for the next share is valid exactly as if computed now.
        runs += 1;
        if preselected_cost + speculative.cost > budget {
            return Add1Outcome {
                kept: run,
                kept_share: share,
                first_share: first,
                runs,
                stop: Add1Stop::WouldExceedBudget,
            };
        }
        if exhaustive(&speculative) {
            return Add1Outcome {
                kept: speculative,
                kept_share: next_share,
                first_share: first,
                runs,
                stop: Add1Stop::Exhaustive,
            };
        }
        share = next_share.add(&Q::int(unit));
        previous = Some((speculative, next_share));
    }
}

/// pabulib-checker's `_compute_equalshares_winners(add1=True)` (the equalshares.net code).
pub(crate) fn add1_equalshares(
    mes: &Mes<'_>,
    budget: i128,
    n_voters: u64,
    unit: i128,
) -> Add1Outcome {
    let n = i128::from(n_voters);
    let first_share = Q::frac(budget, n);
    let mut kept = mes.run(&first_share, Detail::Search);
    let mut kept_share = first_share.clone();
    let all = mes.candidates().len();
    let mut runs = 1u64;
    // floor(budget/n) in whole main units, then one unit more per run.
    let mut share = Q::int(budget.div_euclid(n * unit) * unit + unit);
    let stop = loop {
        if kept.rounds.len() == all {
            // Everything is funded: more money cannot add anything (the checker would loop on).
            break Add1Stop::AllFunded;
        }
        let next_share = share.add(&Q::int(unit));
        let (run, speculative) = run_pair(mes, &share, &next_share);
        runs += 1;
        if run.cost > budget {
            break Add1Stop::WouldExceedBudget;
        }
        kept = run;
        kept_share = share;
        if kept.rounds.len() == all {
            break Add1Stop::AllFunded;
        }
        runs += 1;
        if speculative.cost > budget {
            break Add1Stop::WouldExceedBudget;
        }
        kept = speculative;
        kept_share = next_share.clone();
        share = next_share.add(&Q::int(unit));
    };
    Add1Outcome {
        kept,
        kept_share,
        first_share,
        runs,
        stop,
    }
}

/// Runs the shares `a` and `b` at the same time (two threads).
fn run_pair(mes: &Mes<'_>, a: &Q, b: &Q) -> (MesRun, MesRun) {
    std::thread::scope(|s| {
        let second = s.spawn(|| mes.run(b, Detail::Search));
        let first = mes.run(a, Detail::Search);
        (first, second.join().expect("an Equal Shares run panicked"))
    })
}
