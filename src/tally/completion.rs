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
//! Runs for successive shares are independent; [`Shares`] computes them in order, on two
//! threads when a run is slow enough to be worth it. The result is the same either way.

use crate::tally::exact::Q;
use crate::tally::filtered::{Detail, Scratch};
use crate::tally::mes::{Mes, MesRun};
use crate::tally::result::Add1Stop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};

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
    strategy: Strategy,
) -> Add1Outcome {
    let first = Q::frac(budget, i128::from(n_voters));
    let exhaustive = |run: &MesRun| {
        let spent = preselected_cost + run.cost;
        let funded: Vec<u32> = run.projects().collect();
        mes.candidates()
            .iter()
            .all(|p| funded.contains(p) || spent + costs[*p as usize] > budget)
    };
    with_shares(mes, first.clone(), Q::int(unit), strategy, |shares| {
        let mut previous: Option<(MesRun, Q)> = None;
        loop {
            let (share, run) = shares.next();
            if preselected_cost + run.cost > budget {
                let (kept, kept_share) =
                    previous.expect("the run at budget/n never exceeds the budget");
                return Add1Outcome {
                    kept,
                    kept_share,
                    first_share: first,
                    runs: shares.taken,
                    stop: Add1Stop::WouldExceedBudget,
                };
            }
            if exhaustive(&run) {
                return Add1Outcome {
                    kept: run,
                    kept_share: share,
                    first_share: first,
                    runs: shares.taken,
                    stop: Add1Stop::Exhaustive,
                };
            }
            previous = Some((run, share));
        }
    })
}

/// pabulib-checker's `_compute_equalshares_winners(add1=True)` (the equalshares.net code).
pub(crate) fn add1_equalshares(
    mes: &Mes<'_>,
    budget: i128,
    n_voters: u64,
    unit: i128,
    strategy: Strategy,
) -> Add1Outcome {
    let n = i128::from(n_voters);
    let first_share = Q::frac(budget, n);
    let mut kept = mes.run(&first_share, Detail::Search);
    let mut kept_share = first_share.clone();
    let all = mes.candidates().len();
    if kept.rounds.len() == all {
        // Everything is funded: more money cannot add anything (the checker would loop on).
        return Add1Outcome {
            kept,
            kept_share,
            first_share,
            runs: 1,
            stop: Add1Stop::AllFunded,
        };
    }
    // floor(budget/n) in whole main units, then one unit more per run.
    let start = Q::int(budget.div_euclid(n * unit) * unit + unit);
    with_shares(mes, start, Q::int(unit), strategy, |shares| {
        let stop = loop {
            let (share, run) = shares.next();
            if run.cost > budget {
                break Add1Stop::WouldExceedBudget;
            }
            kept = run;
            kept_share = share;
            if kept.rounds.len() == all {
                break Add1Stop::AllFunded;
            }
        };
        Add1Outcome {
            kept,
            kept_share,
            first_share,
            runs: 1 + shares.taken,
            stop,
        }
    })
}

/// How [`Shares`] computes the runs; every way gives the same runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// [`Strategy::TwoThreads`] for elections of at least [`PARALLEL_FROM`] supporter entries
    /// on a machine with two cores, else [`Strategy::Ranges`].
    Auto,
    /// One run per share, one thread (tests).
    #[cfg_attr(not(test), allow(dead_code))]
    OneByOne,
    /// One run for a whole range of shares when the intervals prove they all decide alike.
    Ranges,
    /// One run per share, every other one on a helper thread.
    TwoThreads,
}

/// The size of an election (supporter entries after merging identical ballots) from which a
/// second thread pays. Measured on a quiet 2-core machine (session 6, 15 runs each, three
/// rounds): Krakow Nowa Huta (5,000 entries, a run ≈ 80 µs) counts in a median of 12–13.6 ms
/// on two threads against 18.4–19 ms on one, Świecie 9.3 against 12.3 ms; an earlier
/// measurement that found two threads slower had another build on the second core. Below it
/// (Knapsack 7, 436 entries: 4 outcomes in 1,412 shares) neighbouring shares decide alike so
/// often that [`Strategy::Ranges`] does better.
const PARALLEL_FROM: usize = 1_000;

fn two_cores() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
}

/// The Equal Shares runs for `first`, `first + step`, `first + 2·step`, … in order.
///
/// On small elections the search makes thousands of runs whose outcome changes a handful of
/// times (69 voters, 1,412 shares, 4 outcomes), so there [`Mes::run_range`] is tried on a
/// range of shares that doubles while it succeeds and halves when it does not. On large ones a
/// helper thread computes every other share ahead of the caller (one run in its hands and one
/// waiting at most). Runs on one thread reuse one [`Scratch`].
pub(crate) struct Shares<'m, 'a> {
    mes: &'m Mes<'a>,
    step: Q,
    /// The share of the next run to hand out.
    next_share: Q,
    scratch: Scratch,
    /// Whether to try ranges of shares.
    ranges: bool,
    /// How many shares after the next one the next range run covers.
    width: u64,
    /// Whether a success doubles `width` (not right after a failure: the failure says a change
    /// of decisions is near, and doubling again would mostly fail again).
    grow: bool,
    /// While positive, shares are run one by one without trying a range; after every failure
    /// at width 1 the next pause is twice as long (elections where neighbouring shares rarely
    /// decide alike then pay almost nothing for trying).
    pause: u64,
    next_pause: u64,
    /// A run shared by the next `repeat` shares.
    repeat: Option<(MesRun, u64)>,
    /// Runs for the odd-numbered shares (`k = 1, 3, …`) from the helper thread, if any.
    helper: Option<Receiver<MesRun>>,
    /// How many shares were handed out.
    pub taken: u64,
}

impl Shares<'_, '_> {
    /// The next share and its run.
    pub fn next(&mut self) -> (Q, MesRun) {
        let share = self.next_share.clone();
        let run = if let Some(run) = self.repeated() {
            run
        } else if let (Some(helper), 1) = (&self.helper, self.taken % 2) {
            helper
                .recv()
                .expect("the helper thread runs until the search ends")
        } else if self.ranges {
            self.run_from(&share)
        } else {
            self.mes
                .run_reusing(&share, Detail::Search, &mut self.scratch)
        };
        self.next_share = share.add(&self.step);
        self.taken += 1;
        (share, run)
    }

    fn repeated(&mut self) -> Option<MesRun> {
        let (run, left) = self.repeat.as_mut()?;
        *left -= 1;
        let run = run.clone();
        if *left == 0 {
            self.repeat = None;
        }
        Some(run)
    }

    /// The run for `share`, trying to cover the `width` shares after it as well.
    fn run_from(&mut self, share: &Q) -> MesRun {
        if self.pause > 0 {
            self.pause -= 1;
            return self
                .mes
                .run_reusing(share, Detail::Search, &mut self.scratch);
        }
        while self.width > 0 {
            let high = share.add(&self.step.mul_int(i128::from(self.width)));
            if let Some(run) = self.mes.run_range(share, &high, &mut self.scratch) {
                self.repeat = Some((run.clone(), self.width));
                if self.grow {
                    self.width *= 2;
                }
                self.grow = true;
                self.next_pause = 1;
                return run;
            }
            self.width /= 2;
            self.grow = false;
        }
        self.width = 1;
        self.pause = self.next_pause;
        self.next_pause *= 2;
        self.mes
            .run_reusing(share, Detail::Search, &mut self.scratch)
    }
}

/// Calls `search` with the runs for `first + k·step`, `k = 0, 1, …` (see [`Shares`]).
pub(crate) fn with_shares<R>(
    mes: &Mes<'_>,
    first: Q,
    step: Q,
    strategy: Strategy,
    search: impl FnOnce(&mut Shares<'_, '_>) -> R,
) -> R {
    let strategy = match strategy {
        Strategy::Auto if two_cores() && mes.packed_entries() >= PARALLEL_FROM => {
            Strategy::TwoThreads
        }
        Strategy::Auto => Strategy::Ranges,
        chosen => chosen,
    };
    let mut shares = Shares {
        mes,
        next_share: first.clone(),
        step: step.clone(),
        scratch: Scratch::default(),
        ranges: strategy == Strategy::Ranges,
        width: 1,
        grow: true,
        pause: 0,
        next_pause: 1,
        repeat: None,
        helper: None,
        taken: 0,
    };
    if strategy != Strategy::TwoThreads {
        return search(&mut shares);
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(1);
        let done = &done;
        scope.spawn(move || {
            // Shares first + step, first + 3·step, …; the caller computes the even ones.
            let mut scratch = Scratch::default();
            let twice = step.mul_int(2);
            let mut share = first.add(&step);
            while !done.load(Ordering::Relaxed) {
                let run = mes.run_reusing(&share, Detail::Search, &mut scratch);
                if sender.send(run).is_err() {
                    break;
                }
                share = share.add(&twice);
            }
        });
        shares.helper = Some(receiver);
        let result = search(&mut shares);
        done.store(true, Ordering::Relaxed);
        // Dropping the receiver ends a helper blocked on `send`.
        drop(shares);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::election::{Ballot, Election, ProjectSpec, VoteKind};
    use crate::tally::money::Decimal;
    use crate::tally::profile::Profile;
    use crate::tally::tiebreak::{self, TieBreak};

    /// A generated election whose Add1 search takes many one-unit steps: `voters` ballots over
    /// 12 projects, drawn with a fixed linear congruential generator.
    fn generated(voters: usize, seed: u64, points: bool) -> Election {
        let mut x = seed;
        let mut draw = move |m: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        let projects: Vec<ProjectSpec> = (0..12)
            .map(|i| ProjectSpec {
                id: format!("p{i}"),
                cost: Decimal {
                    units: 500 + i128::from(draw(4_000) as u32),
                    scale: 0,
                },
            })
            .collect();
        let ballots = (0..voters)
            .map(|_| {
                let chosen: Vec<usize> = (0..12).filter(|_| draw(3) == 0).collect();
                if points {
                    Ballot::Points(
                        chosen
                            .iter()
                            .map(|&p| (format!("p{p}"), 1 + draw(5) as i64))
                            .collect(),
                    )
                } else {
                    Ballot::Approval(chosen.iter().map(|&p| format!("p{p}")).collect())
                }
            })
            .collect();
        let kind = if points {
            VoteKind::Cumulative
        } else {
            VoteKind::Approval
        };
        let budget = Decimal {
            units: 9_000,
            scale: 0,
        };
        Election::new(budget, projects, kind, ballots).unwrap()
    }

    fn summary(out: &Add1Outcome) -> (Vec<u32>, Q, u64, Add1Stop) {
        (
            out.kept.projects().collect(),
            out.kept_share.clone(),
            out.runs,
            out.stop,
        )
    }

    /// Ranges of shares and a helper thread give exactly the one-share-at-a-time search.
    #[test]
    fn every_strategy_searches_alike() {
        for (seed, points) in [(1, false), (2, true), (3, false), (4, true)] {
            let election = generated(40, seed, points);
            let profile = Profile::compile(&election);
            let ranks = tiebreak::ranks(&election, &profile, TieBreak::Pabutools);
            let costs: Vec<i128> = election.projects().iter().map(|p| p.cost).collect();
            let candidates = (0..costs.len() as u32)
                .filter(|&p| profile.total_units[p as usize] > 0)
                .collect();
            let mes = Mes::new(&profile, costs.clone(), &ranks, candidates);
            let n = profile.n_voters;
            let (budget, unit) = (election.budget(), election.main_unit());
            let pabutools = |how| add1_pabutools(&mes, &costs, budget, n, unit, 0, how);
            let one = summary(&pabutools(Strategy::OneByOne));
            assert!(one.2 > 5, "seed {seed}: the search should take steps");
            let equalshares = |how| add1_equalshares(&mes, budget, n, unit, how);
            let one_es = summary(&equalshares(Strategy::OneByOne));
            for how in [Strategy::Ranges, Strategy::TwoThreads, Strategy::Auto] {
                assert_eq!(summary(&pabutools(how)), one, "seed {seed}, {how:?}");
                assert_eq!(summary(&equalshares(how)), one_es, "seed {seed}, {how:?}");
            }
        }
    }
}
