//! One run of the Method of Equal Shares for a fixed per-voter share.
//!
//! Every voter starts with the same share `b` of money. In each round the engine looks, for every
//! candidate project `p`, for the smallest price `λ` per unit of utility such that the supporters
//! can pay `cost(p)` when each pays `min(budget, λ·u)`; the project whose `ρ = λ/σ` is smallest
//! is bought (ties by the tie-breaking rank), its supporters pay, and the next round starts. A
//! run ends when no candidate is affordable. This is pabutools' `method_of_equal_shares` and the
//! equalshares.net code; the completions in [`crate::tally::completion`] call it repeatedly.
//!
//! # How it is made fast
//! * **Budget classes.** A voter's remaining money is `b` minus the prices paid, or `0` once they
//!   paid everything they had. Voters whose money is equal share one *class*; a payment maps a
//!   class to a new class once (memoised per round), so arithmetic is done per distinct amount,
//!   not per voter. Evaluating a project adds up its supporters per class with integer additions,
//!   then runs the water-filling over the few distinct amounts.
//! * **Lazy re-evaluation.** Money only decreases, so a project's `ρ` only increases. Each project
//!   keeps a lower bound of its last `ρ`; a round evaluates projects in increasing order of that
//!   bound and stops as soon as the bound provably exceeds the best `ρ` found (projects whose
//!   bound may *equal* it are still evaluated, so every tied project is seen and ties are broken
//!   exactly).
//! * **Filtered arithmetic.** [`Mes::run`] (module [`crate::tally::filtered`]) decides with proved
//!   integer intervals of every amount and computes exact rationals only for the comparisons the
//!   intervals cannot decide (exact ties among them), lazily and memoised. [`Mes::run_exact`]
//!   carries exact rationals throughout; it records payments and is the reference the kernel is
//!   tested against.
//!
//! # Exactness, and why nothing overflows
//! Every decision — who is short of money in the water-filling, which project has the smallest
//! `ρ`, who pays everything — is an exact comparison: in [`Mes::run_exact`] of rationals [`Q`]
//! (see [`crate::tally::exact`]; `Q` promotes itself to a big rational instead of overflowing);
//! in [`Mes::run`] of integer intervals whose bounds are proved (floor for lower bounds, ceiling
//! for upper ones), and when they overlap, of the exact rationals. The kernel's fixed point
//! leaves enough headroom that no `i128` operation can overflow (the bound is derived in the
//! `filtered` module docs; elections that would not fit it are counted by [`Mes::run_exact`]),
//! and the `ρ` comparisons multiply in 256 bits. Floating point takes no part in any decision.

use crate::tally::exact::Q;
use crate::tally::profile::Profile;
use std::collections::HashMap;

/// One bought project.
#[derive(Clone, Debug)]
pub(crate) struct MesRound {
    pub project: u32,
    /// `λ / σ`: the value the round minimised.
    pub rho: Q,
    /// The largest single payment.
    pub max_payment: Q,
    pub supporters: u64,
    pub payers: u64,
    pub paid_everything: u64,
    /// The candidates whose ρ equalled this round's exactly and lost the tie-break, in
    /// tie-break order (empty when the round was not a tie).
    pub tied: Vec<u32>,
}

/// The candidates among `tied` still tied with the round's winner, in tie-break order: ties are
/// found in the order candidates are evaluated, which is not the tie-break order.
pub(crate) fn in_rank_order(mut tied: Vec<u32>, ranks: &[u32]) -> Vec<u32> {
    tied.sort_by_key(|&p| ranks[p as usize]);
    tied.dedup();
    tied
}

/// The outcome of one run.
#[derive(Clone, Debug)]
pub(crate) struct MesRun {
    pub rounds: Vec<MesRound>,
    /// Total cost of the bought projects (engine units).
    pub cost: i128,
    /// Per group: (project, amount paid), when recorded.
    pub payments: Option<Vec<Vec<(u32, Q)>>>,
}

impl MesRun {
    pub fn projects(&self) -> impl Iterator<Item = u32> + '_ {
        self.rounds.iter().map(|r| r.project)
    }
}

/// The fixed parts of an election for repeated runs with different shares.
pub(crate) struct Mes<'a> {
    pub(crate) profile: &'a Profile,
    pub(crate) costs: Vec<i128>,
    pub(crate) ranks: &'a [u32],
    pub(crate) candidates: Vec<u32>,
    pub(crate) unit_utilities: bool,
    /// The largest utility unit count of any supporter (at least 1).
    pub(crate) max_units: u64,
    /// The supporters packed for the filtered kernel, when every weight and unit count fits 32
    /// bits (else the kernel defers to [`Mes::run_exact`]).
    pub(crate) packed: Option<Packed>,
}

/// Supporter lists packed for the filtered kernel's inner loops: 12 bytes per entry, groups
/// renumbered so that groups with similar ballots are adjacent (better cache locality).
pub(crate) struct Packed {
    /// For each project: (group, voters, utility units) of every supporting group, by units
    /// and then group.
    pub supporters: Vec<Vec<(u32, u32, u32)>>,
    /// How many groups there are (the kernel's renumbered groups are `0..groups`).
    pub groups: usize,
}

impl Packed {
    fn new(profile: &Profile) -> Packed {
        // Renumber groups in the lexicographic order of their ballots, projects taken from the
        // most supported down: a project's supporters then form few long runs of groups.
        let m = profile.supporters.len();
        let mut by_support: Vec<usize> = (0..m).collect();
        by_support.sort_by_key(|&p| (std::cmp::Reverse(profile.supporters[p].len()), p));
        let mut position = vec![0u32; m];
        for (i, &p) in by_support.iter().enumerate() {
            position[p] = i as u32;
        }
        let keys: Vec<Vec<u32>> = profile
            .groups
            .iter()
            .map(|g| {
                let mut k: Vec<u32> = g.items.iter().map(|&(p, _)| position[p as usize]).collect();
                k.sort_unstable();
                k
            })
            .collect();
        let mut order: Vec<u32> = (0..profile.groups.len() as u32).collect();
        order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        let mut new_id = vec![0u32; order.len()];
        for (i, &g) in order.iter().enumerate() {
            new_id[g as usize] = i as u32;
        }
        let supporters = profile
            .supporters
            .iter()
            .map(|list| {
                let mut v: Vec<(u32, u32, u32)> = list
                    .iter()
                    .map(|&(g, u)| {
                        let w = profile.groups[g as usize].weight as u32;
                        (new_id[g as usize], w, u as u32)
                    })
                    .collect();
                // By units first: the kernel merges each run of equal units by class.
                v.sort_unstable_by_key(|&(g, w, u)| (u, g, w));
                v
            })
            .collect();
        Packed {
            supporters,
            groups: profile.groups.len(),
        }
    }
}

const ZERO_CLASS: u32 = 0;

/// Scratch space and state of one run.
struct RunState {
    class_money: Vec<Q>,
    group_class: Vec<u32>,
    bucket: Vec<u64>,
    touched: Vec<u32>,
}

impl<'a> Mes<'a> {
    /// `candidates`: the projects the run may buy (each must have cost > 0 and supporters).
    pub fn new(
        profile: &'a Profile,
        costs: Vec<i128>,
        ranks: &'a [u32],
        candidates: Vec<u32>,
    ) -> Self {
        let max_units = profile
            .groups
            .iter()
            .flat_map(|g| g.items.iter().map(|&(_, u)| u))
            .max()
            .unwrap_or(1)
            .max(1);
        let fits = profile.n_voters <= u64::from(u32::MAX) && max_units <= u64::from(u32::MAX);
        let packed = fits.then(|| Packed::new(profile));
        Mes {
            unit_utilities: profile.unit_utilities(),
            max_units,
            packed,
            profile,
            costs,
            ranks,
            candidates,
        }
    }

    pub fn candidates(&self) -> &[u32] {
        &self.candidates
    }

    /// How many (group, project) supporter entries the filtered kernel walks (0 without it).
    pub fn packed_entries(&self) -> usize {
        self.packed
            .as_ref()
            .map_or(0, |p| p.supporters.iter().map(Vec::len).sum())
    }

    /// Runs MES with every voter holding `share` (engine units), with exact rationals throughout;
    /// optionally records every group's payments. [`Mes::run`] (the filtered kernel) gives the
    /// same rounds much faster.
    pub fn run_exact(&self, share: &Q, record_payments: bool) -> MesRun {
        let profile = self.profile;
        let mut st = RunState {
            class_money: vec![Q::zero(), share.clone()],
            group_class: vec![1; profile.groups.len()],
            bucket: Vec::new(),
            touched: Vec::new(),
        };
        let mut payments = record_payments.then(|| vec![Vec::new(); profile.groups.len()]);
        // Lower bounds on each candidate's ρ: exact while no supporter is short of money.
        let mut bound: Vec<Q> = vec![Q::zero(); profile.score.len()];
        for &p in &self.candidates {
            let p = p as usize;
            bound[p] = Q::frac(self.costs[p], profile.total_units[p] * profile.sigma[p]);
        }
        let mut alive = self.candidates.clone();
        let mut rounds = Vec::new();
        let mut cost = 0i128;
        loop {
            alive.sort_by(|&a, &b| {
                bound[a as usize]
                    .cmp(&bound[b as usize])
                    .then(self.ranks[a as usize].cmp(&self.ranks[b as usize]))
            });
            let mut best: Option<(u32, Q, Q)> = None;
            let mut tied = Vec::new();
            let mut unaffordable = Vec::new();
            for &p in &alive {
                if let Some((_, best_rho, _)) = &best {
                    if bound[p as usize] > *best_rho {
                        break;
                    }
                }
                let Some(lambda) = self.price(p, &mut st) else {
                    unaffordable.push(p);
                    continue;
                };
                let rho = lambda.div_int(profile.sigma[p as usize]);
                bound[p as usize] = rho.clone();
                let better = match &best {
                    None => true,
                    Some((q, best_rho, _)) => {
                        if rho < *best_rho {
                            tied.clear();
                            true
                        } else if rho == *best_rho {
                            // Whichever loses the tie-break is tied with the winner.
                            let wins = self.ranks[p as usize] < self.ranks[*q as usize];
                            tied.push(if wins { *q } else { p });
                            wins
                        } else {
                            false
                        }
                    }
                };
                if better {
                    best = Some((p, rho, lambda));
                }
            }
            // Money only decreases: a project its supporters cannot afford now never will be.
            alive.retain(|p| !unaffordable.contains(p));
            let Some((p, rho, lambda)) = best else { break };
            alive.retain(|&q| q != p);
            let mut round = self.buy(p, rho, lambda, &mut st, payments.as_mut());
            round.tied = in_rank_order(tied, self.ranks);
            cost += self.costs[p as usize];
            rounds.push(round);
        }
        MesRun {
            rounds,
            cost,
            payments,
        }
    }

    /// The smallest λ at which `p`'s supporters can pay for it, or `None` if they cannot.
    fn price(&self, p: u32, st: &mut RunState) -> Option<Q> {
        let buckets = self.supporter_buckets(p, st);
        let mut rich = buckets;
        let mut rich_units: i128 = rich
            .iter()
            .map(|&(_, w, u)| i128::from(w) * i128::from(u))
            .sum();
        let mut poor_money = Q::zero();
        let cost = Q::int(self.costs[p as usize]);
        // Water-filling: assume everyone can pay λ·u; those who cannot pay all they have and
        // the others share the rest. λ only grows, so this reaches the fixpoint in few passes.
        loop {
            if rich_units == 0 {
                return None;
            }
            let lambda = cost.sub(&poor_money).div_int(rich_units);
            let before = rich.len();
            let mut kept = Vec::with_capacity(rich.len());
            for (c, w, u) in rich {
                let money = &st.class_money[c as usize];
                let short = if u == 1 {
                    *money < lambda
                } else {
                    *money < lambda.mul_int(i128::from(u))
                };
                if short {
                    poor_money = poor_money.add(&money.mul_int(i128::from(w)));
                    rich_units -= i128::from(w) * i128::from(u);
                } else {
                    kept.push((c, w, u));
                }
            }
            rich = kept;
            if rich.len() == before {
                return Some(lambda);
            }
        }
    }

    /// `p`'s supporters who still have money, as (class, voters, utility units).
    fn supporter_buckets(&self, p: u32, st: &mut RunState) -> Vec<(u32, u64, u64)> {
        let groups = &self.profile.groups;
        let supporters = &self.profile.supporters[p as usize];
        if self.unit_utilities {
            if st.bucket.len() < st.class_money.len() {
                st.bucket.resize(st.class_money.len(), 0);
            }
            st.touched.clear();
            for &(g, _) in supporters {
                let c = st.group_class[g as usize];
                if c == ZERO_CLASS {
                    continue;
                }
                let slot = &mut st.bucket[c as usize];
                if *slot == 0 {
                    st.touched.push(c);
                }
                *slot += groups[g as usize].weight;
            }
            let mut out = Vec::with_capacity(st.touched.len());
            for &c in &st.touched {
                out.push((c, st.bucket[c as usize], 1));
                st.bucket[c as usize] = 0;
            }
            out
        } else {
            let mut map: HashMap<(u32, u64), u64> = HashMap::new();
            for &(g, u) in supporters {
                let c = st.group_class[g as usize];
                if c != ZERO_CLASS {
                    *map.entry((c, u)).or_insert(0) += groups[g as usize].weight;
                }
            }
            let mut out: Vec<_> = map.into_iter().map(|((c, u), w)| (c, w, u)).collect();
            out.sort_unstable();
            out
        }
    }

    /// Buys `p` at price `lambda`: every supporter pays `min(money, λ·u)`.
    fn buy(
        &self,
        p: u32,
        rho: Q,
        lambda: Q,
        st: &mut RunState,
        mut payments: Option<&mut Vec<Vec<(u32, Q)>>>,
    ) -> MesRound {
        let groups = &self.profile.groups;
        let mut memo: HashMap<(u32, u64), (u32, Q)> = HashMap::new();
        let (mut supporters, mut payers, mut paid_everything) = (0u64, 0u64, 0u64);
        let mut max_payment = Q::zero();
        for &(g, u) in &self.profile.supporters[p as usize] {
            let w = groups[g as usize].weight;
            supporters += w;
            let c = st.group_class[g as usize];
            if c == ZERO_CLASS {
                continue;
            }
            let (next, paid) = memo
                .entry((c, u))
                .or_insert_with(|| {
                    let due = lambda.mul_int(i128::from(u));
                    let money = &st.class_money[c as usize];
                    if *money <= due {
                        (ZERO_CLASS, money.clone())
                    } else {
                        st.class_money.push(money.sub(&due));
                        ((st.class_money.len() - 1) as u32, due)
                    }
                })
                .clone();
            payers += w;
            if next == ZERO_CLASS {
                paid_everything += w;
            }
            if paid > max_payment {
                max_payment = paid.clone();
            }
            if let Some(pay) = payments.as_deref_mut() {
                pay[g as usize].push((p, paid));
            }
            st.group_class[g as usize] = next;
        }
        MesRound {
            project: p,
            rho,
            max_payment,
            supporters,
            payers,
            paid_everything,
            tied: Vec::new(),
        }
    }
}
