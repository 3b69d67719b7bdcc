//! The filtered exact kernel of the Method of Equal Shares: proved integer intervals first, exact
//! rationals only where the intervals cannot decide.
//!
//! One algorithm: the interval fast path, its exact fallback and the overflow proof that ties
//! them together only make sense read side by side (every fast decision must be one the exact
//! run would take), so the kernel stays in one file over the usual ~500 lines.
//!
//! [`Mes::run_exact`] carries every amount as an exact rational [`Q`]; on large elections the
//! denominators outgrow `i128` and most of the time goes to big-rational arithmetic. This kernel
//! computes the *same* run (same rounds, same exact `ρ` and largest payment in the trace) while
//! doing almost all arithmetic on machine integers, in the manner of lazy exact numbers:
//!
//! * **Fast path.** Every amount `x` (a class's money, a price `λ`) is held as a proved interval
//!   `[lo, hi]` of integers with `lo ≤ x·2^F ≤ hi`. Divisions by a positive integer round `lo`
//!   down and `hi` up; subtractions pair `lo` with the other operand's `hi`. Each decision —
//!   whether a supporter is short of money in the water-filling, which project has the smallest
//!   `ρ` (also the lazy lower-bound pruning), whether a payer pays everything when a project is
//!   bought — is taken from the intervals only when they prove the answer.
//! * **Exact fallback, per comparison.** When intervals overlap (exact ties are common: with cost
//!   utilities and everyone paying in full `ρ = 1/|N_p|`), the exact values of just the operands
//!   are computed and compared. They are memoised and computed lazily from immutable records:
//!   a class (voters with the same history) has money `parent − λ_t·u`, so its exact value is
//!   its parent's exact value minus the exact price of round `t` times `u`; the exact price of a
//!   round (or of a candidate's evaluation) is `(cost − Σ w·money(c)) / R` over the recorded
//!   classes `c` that pay everything and the recorded utility units `R` of those who pay `λ·u`.
//!   After an exact computation the interval is tightened to the exact value's rounding.
//!
//! The decisions are therefore exactly those of [`Mes::run_exact`], and so is the outcome; only
//! the cost differs. The trace's `ρ` and largest payment are computed exactly, from the memoised
//! exact values, and only when asked for ([`Detail::Trace`]); the Add1 search does not need them.
//!
//! # Why nothing overflows
//! Let `C` be the largest candidate cost, `N` the number of voters, `S = ⌈share⌉` and `U` the
//! largest utility unit count, and `B = max(C, N·S)`. The run uses `F = min(64, 125 − bits(B) −
//! bits(U))` fractional bits (and runs [`Mes::run_exact`] instead if that is below 1, or if a
//! group's weight or unit count needs more than 32 bits; no real election comes near either).
//! Then, scaled by `2^F`:
//! * every class's money is at most `S·2^F` (a child's `hi` never exceeds its parent's), and any
//!   weighted sum `Σ w·money` at most `N·S·2^F ≤ B·2^F`;
//! * every price `λ = (cost − poor)/R` with integer `R ≥ 1` is at most `C·2^F`, and `λ·u` at most
//!   `C·U·2^F < 2^125`;
//! * `ρ` comparisons cross-multiply `λ_a·σ_b` against `λ_b·σ_a` in 256 bits ([`mul_wide`]).
//!
//! so every `i128` operation stays below `2^126` in absolute value. The exact fallback uses
//! [`Q`], which promotes itself to a big rational rather than overflow.

use crate::tally::exact::Q;
use crate::tally::mes::{in_rank_order, Mes, MesRound, MesRun, Packed};
use std::cmp::Ordering;

/// How much of a run to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Rounds, counts and cost; `rho` and `max_payment` are left at zero (the Add1 search).
    Search,
    /// Also the exact `rho` and `max_payment` of every round (the kept run's trace).
    Trace,
}

const ZERO_CLASS: u32 = 0;
const ROOT_CLASS: u32 = 1;

/// A proved interval `lo ≤ x·2^F ≤ hi`.
#[derive(Clone, Copy, Debug)]
struct Iv {
    lo: i128,
    hi: i128,
}

/// Voters with the same history: money `parent − λ_round · u`.
#[derive(Clone, Copy, Debug)]
struct Class {
    parent: u32,
    round: u32,
    /// Units fit 32 bits (the kernel runs only on packed supporters).
    u: u32,
    /// Index of the exact money in `Scratch::exact_money` once computed, else [`NOT_EXACT`]:
    /// few classes ever need it, and an `Option<Q>` beside every class costs more to write
    /// than the rest of the class.
    exact: u32,
    iv: Iv,
}

const NOT_EXACT: u32 = u32::MAX;

/// What determines a price exactly: `λ = (cost − Σ w·money(c) over poor) / rich_units`.
#[derive(Clone, Debug)]
struct Price {
    cost: i128,
    poor: Vec<(u32, u64)>,
    rich_units: i128,
}

/// One evaluation of a candidate in a round.
struct Eval {
    p: u32,
    lam: Iv,
    price: Price,
    exact: Option<Q>,
}

/// `a × b` as a 256-bit number (high, low halves).
pub(crate) fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let mask = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & mask);
    let (b1, b0) = (b >> 64, b & mask);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // middle = p01 + p10 + (p00 >> 64), may carry into bit 128.
    let (mid, carry1) = p01.overflowing_add(p10);
    let (mid, carry2) = mid.overflowing_add(p00 >> 64);
    let carry = (u128::from(carry1) + u128::from(carry2)) << 64;
    let lo = (mid << 64) | (p00 & mask);
    let hi = p11 + (mid >> 64) + carry;
    (hi, lo)
}

/// Compares `a·b` with `c·d` for non-negative operands.
fn cmp_products(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    debug_assert!(a >= 0 && b >= 0 && c >= 0 && d >= 0);
    let (a, b, c, d) = (a as u128, b as u128, c as u128, d as u128);
    // Both products usually fit 128 bits (a scaled λ times a cost); the 256-bit product is
    // several times slower, and the candidates' sort calls this thousands of times a run.
    match (a.checked_mul(b), c.checked_mul(d)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => mul_wide(a, b).cmp(&mul_wide(c, d)),
    }
}

fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

fn ceil_div(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

fn bits(v: u128) -> u32 {
    128 - v.leading_zeros()
}

/// Sorts `v`, whose elements after the first `k` are already sorted by `cmp` (a total
/// order): each of the first `k`, from the last, moves to its place among the sorted ones after
/// it. A round changes the bounds of the few candidates it evaluated, which come first.
fn sort_front_in(v: &mut [u32], k: usize, cmp: impl Fn(u32, u32) -> Ordering) {
    for i in (0..k).rev() {
        let x = v[i];
        let place = v[i + 1..].partition_point(|&y| cmp(y, x) == Ordering::Less);
        v[i..=i + place].rotate_left(1);
    }
}

/// Adds `voters` of class `c` to `bucket`, noting `c` in `touched` the first time (the zero
/// class, whose voters have no money left, is left out).
fn add_to_bucket(bucket: &mut [u64], touched: &mut Vec<u32>, c: u32, voters: u64) {
    if c == ZERO_CLASS || voters == 0 {
        return;
    }
    let slot = &mut bucket[c as usize];
    if *slot == 0 {
        touched.push(c);
    }
    *slot += voters;
}

/// The state of one filtered run.
struct Kernel<'m, 'a> {
    mes: &'m Mes<'a>,
    f: u32,
    packed: &'m Packed,
    /// Whether this run stands for a range of shares (see [`Mes::run_range`]): decisions are
    /// then taken from the intervals alone, except comparisons that do not depend on the share.
    range: bool,
    /// Set when a range run meets a decision the intervals cannot take for the whole range.
    undecided: bool,
    /// The run's state, in buffers kept from run to run.
    s: Scratch,
}

/// The buffers of a [`Kernel`], kept between runs: the Add1 search makes thousands of runs on
/// small elections, where allocating them afresh costs more than the run.
///
/// Invariants kept by every run: `bucket` is all zero and `memo_head` all [`NO_MEMO`].
#[derive(Default)]
pub(crate) struct Scratch {
    classes: Vec<Class>,
    exact_money: Vec<Q>,
    rounds: Vec<Price>,
    round_exact: Vec<Option<Q>>,
    /// Per (renumbered) group: its class.
    gs: Vec<u32>,
    bucket: Vec<u64>,
    touched: Vec<u32>,
    pairs: Vec<(u32, u64, u64)>,
    memo_head: Vec<u32>,
    memo: Vec<(u64, u32, u32)>,
    coeff: Vec<i128>,
    /// The run's lower bounds on λ, candidates still alive, and those found unaffordable.
    bound: Vec<i128>,
    alive: Vec<u32>,
    unaffordable: Vec<u32>,
    /// The classes that paid in the round being bought.
    paying: Vec<u32>,
    /// The start of a run for these fractional bits (see `Kernel::start`): a `Scratch` serves
    /// the runs of one [`Mes`].
    start_bits: Option<u32>,
    start_bound: Vec<i128>,
    start_alive: Vec<u32>,
}

const NO_MEMO: u32 = u32::MAX;

impl Mes<'_> {
    /// The fractional bits the filtered kernel uses for `share`, or `None` if the proved bound
    /// leaves too few (see the module docs of `filtered`).
    fn frac_bits(&self, share: &Q) -> Option<u32> {
        let s = u128::try_from(share.floor_i128()?).ok()? + 1;
        let n = u128::from(self.profile.n_voters);
        let c = self
            .candidates
            .iter()
            .map(|&p| self.costs[p as usize].max(0) as u128)
            .max()
            .unwrap_or(0);
        let b = n.checked_mul(s)?.max(c);
        let u = self.max_units;
        let f = 125i64 - i64::from(bits(b)) - i64::from(bits(u128::from(u)));
        (f >= 1).then(|| f.min(64) as u32)
    }

    /// Runs MES with every voter holding `share`, deciding with the filtered kernel. The rounds
    /// are those of [`Mes::run_exact`]; `rho` and `max_payment` are exact with
    /// [`Detail::Trace`] and zero with [`Detail::Search`].
    pub fn run(&self, share: &Q, detail: Detail) -> MesRun {
        self.run_with(share, detail, 64, &mut Scratch::default())
    }

    /// [`Mes::run`] reusing `scratch`'s buffers (same result).
    pub(crate) fn run_reusing(&self, share: &Q, detail: Detail, scratch: &mut Scratch) -> MesRun {
        self.run_with(share, detail, 64, scratch)
    }

    /// [`Mes::run`] with at most `max_bits` fractional bits (tests use few bits to exercise the
    /// exact fallback).
    #[cfg(test)]
    pub(crate) fn run_with_bits(&self, share: &Q, detail: Detail, max_bits: u32) -> MesRun {
        self.run_with(share, detail, max_bits, &mut Scratch::default())
    }

    fn run_with(&self, share: &Q, detail: Detail, max_bits: u32, scratch: &mut Scratch) -> MesRun {
        let (Some(f), Some(packed)) = (self.frac_bits(share), self.packed.as_ref()) else {
            return self.run_exact(share, false);
        };
        let f = f.min(max_bits);
        let root = scaled_bounds(share, f);
        let mut k = Kernel::new(self, f, packed, share, root, std::mem::take(scratch));
        let run = k.run(detail);
        *scratch = k.s;
        run.expect("a run for one share always decides")
    }

    /// The run shared by every share in `low..=high`, if the intervals prove that all of them
    /// make the same decisions, else `None` (nothing is wrong: the range is just too wide).
    ///
    /// With every decision fixed, each amount of a run (a class's money, a price) is affine in
    /// the share, and the root class's interval `[low, high]` makes every interval of the run
    /// hold for all shares in the range at once. A decision proved from those intervals is
    /// therefore the same for every share; the comparisons of two prices in which nobody is
    /// short (`cost / units`, independent of the share: exact ties under cost utilities) are
    /// settled exactly as in a single run. Any other undecided comparison gives up. The run's
    /// rounds are reported as [`Detail::Search`] would report them for any share in the range.
    pub(crate) fn run_range(&self, low: &Q, high: &Q, scratch: &mut Scratch) -> Option<MesRun> {
        let (Some(f), Some(packed)) = (self.frac_bits(high), self.packed.as_ref()) else {
            return None;
        };
        let root = Iv {
            lo: scaled_bounds(low, f).lo,
            hi: scaled_bounds(high, f).hi,
        };
        let mut k = Kernel::new(self, f, packed, low, root, std::mem::take(scratch));
        k.range = true;
        let run = k.run(Detail::Search);
        *scratch = k.s;
        run
    }
}

/// `[⌊x·2^f⌋, ⌈x·2^f⌉]`; `x ≥ 0` and small enough (guaranteed by the frac-bits bound).
fn scaled_bounds(x: &Q, f: u32) -> Iv {
    let (lo, hi) = x
        .floor_ceil_scaled_i128(f)
        .expect("bounded by the frac-bits choice");
    Iv { lo, hi }
}

impl<'m, 'a> Kernel<'m, 'a> {
    /// A run from the root interval `root` (the share's bounds); `share` is the exact share the
    /// exact fallback uses.
    fn new(
        mes: &'m Mes<'a>,
        f: u32,
        packed: &'m Packed,
        share: &Q,
        root: Iv,
        mut s: Scratch,
    ) -> Self {
        s.classes.clear();
        s.classes.push(Class {
            parent: ZERO_CLASS,
            round: 0,
            u: 0,
            exact: 0,
            iv: Iv { lo: 0, hi: 0 },
        });
        s.classes.push(Class {
            parent: ZERO_CLASS,
            round: 0,
            u: 0,
            exact: 1,
            iv: root,
        });
        s.exact_money.clear();
        s.exact_money.push(Q::zero());
        s.exact_money.push(share.clone());
        s.rounds.clear();
        s.round_exact.clear();
        s.gs.clear();
        s.gs.resize(packed.groups, ROOT_CLASS);
        Kernel {
            mes,
            f,
            packed,
            range: false,
            undecided: false,
            s,
        }
    }
}

impl Kernel<'_, '_> {
    /// The run, or `None` if a range run met a decision it cannot take.
    fn run(&mut self, detail: Detail) -> Option<MesRun> {
        let mes = self.mes;
        let sigma = &mes.profile.sigma;
        let ranks = mes.ranks;
        let by_bound = |bound: &[i128], a: u32, b: u32| {
            let (a, b) = (a as usize, b as usize);
            // Equal σ (every points ballot: σ = 1) compare bounds alone.
            let by_rho = if sigma[a] == sigma[b] {
                bound[a].cmp(&bound[b])
            } else {
                cmp_products(bound[a], sigma[b], bound[b], sigma[a])
            };
            by_rho.then(ranks[a].cmp(&ranks[b]))
        };
        let (mut bound, mut alive) = self.start(|bound, a, b| by_bound(bound, a, b));
        let mut rounds = Vec::with_capacity(alive.len());
        let mut cost = 0i128;
        let mut unaffordable = std::mem::take(&mut self.s.unaffordable);
        loop {
            let mut best: Option<Eval> = None;
            let mut tied = Vec::new();
            unaffordable.clear();
            // Candidates are evaluated by increasing bound: those before `reached` were.
            let mut reached = alive.len();
            for (i, &p) in alive.iter().enumerate() {
                let pu = p as usize;
                if let Some(b) = &best {
                    // Stop once this bound provably exceeds the best ρ (every later one too).
                    let bu = b.p as usize;
                    if cmp_products(bound[pu], sigma[bu], b.lam.hi, sigma[pu]) == Ordering::Greater
                    {
                        reached = i;
                        break;
                    }
                }
                let Some(mut e) = self.price(p) else {
                    if self.undecided {
                        return None;
                    }
                    unaffordable.push(p);
                    continue;
                };
                bound[pu] = bound[pu].max(e.lam.lo);
                let better = match best.as_mut() {
                    None => true,
                    Some(b) => match self.cmp_rho(&mut e, b) {
                        Ordering::Less => {
                            tied.clear();
                            true
                        }
                        Ordering::Greater => false,
                        Ordering::Equal => {
                            // Whichever loses the tie-break is tied with the winner.
                            let wins = ranks[pu] < ranks[b.p as usize];
                            tied.push(if wins { b.p } else { p });
                            wins
                        }
                    },
                };
                if self.undecided {
                    return None;
                }
                if e.exact.is_some() {
                    bound[pu] = bound[pu].max(e.lam.lo);
                }
                if better {
                    best = Some(e);
                }
            }
            let before = alive.len();
            // Money only decreases: a project its supporters cannot afford now never will be.
            alive.retain(|p| !unaffordable.contains(p));
            let Some(e) = best else { break };
            alive.retain(|&q| q != e.p);
            // Only the evaluated candidates, now the first ones, have new bounds.
            let evaluated = reached - (before - alive.len());
            sort_front_in(&mut alive, evaluated, |a, b| by_bound(&bound, a, b));
            cost += mes.costs[e.p as usize];
            let mut round = self.buy(e, detail);
            round.tied = in_rank_order(tied, ranks);
            rounds.push(round);
            if self.undecided {
                return None;
            }
        }
        (self.s.bound, self.s.alive, self.s.unaffordable) = (bound, alive, unaffordable);
        Some(MesRun {
            rounds,
            cost,
            payments: None,
        })
    }

    /// The lower bounds on each candidate's λ (scaled) at the start of a run, exact while no
    /// supporter is short, and the candidates sorted by `by_bound`. They depend only on the
    /// fractional bits, so they are computed once for all runs with the same bits: the
    /// divisions and the sort cost as much as several rounds.
    fn start(&mut self, by_bound: impl Fn(&[i128], u32, u32) -> Ordering) -> (Vec<i128>, Vec<u32>) {
        let mes = self.mes;
        let s = &mut self.s;
        if s.start_bits != Some(self.f) {
            let profile = mes.profile;
            s.start_bound.clear();
            s.start_bound.resize(profile.score.len(), 0);
            for &p in &mes.candidates {
                let p = p as usize;
                s.start_bound[p] = floor_div(mes.costs[p] << self.f, profile.total_units[p]);
            }
            s.start_alive.clone_from(&mes.candidates);
            let bound = &s.start_bound;
            s.start_alive.sort_by(|&a, &b| by_bound(bound, a, b));
            s.start_bits = Some(self.f);
        }
        let mut bound = std::mem::take(&mut s.bound);
        bound.clone_from(&s.start_bound);
        let mut alive = std::mem::take(&mut s.alive);
        alive.clone_from(&s.start_alive);
        (bound, alive)
    }

    /// Exact money of class `c` (memoised; tightens its interval).
    fn class_money(&mut self, c: u32) -> Q {
        let Class {
            parent,
            round,
            u,
            exact,
            ..
        } = self.s.classes[c as usize];
        if exact != NOT_EXACT {
            return self.s.exact_money[exact as usize].clone();
        }
        let parent_money = self.class_money(parent);
        let lambda = self.round_lambda(round);
        let x = parent_money.sub(&lambda.mul_int(i128::from(u)));
        let t = scaled_bounds(&x, self.f);
        let class = &mut self.s.classes[c as usize];
        class.iv.lo = class.iv.lo.max(t.lo);
        class.iv.hi = class.iv.hi.min(t.hi);
        class.exact = self.s.exact_money.len() as u32;
        self.s.exact_money.push(x.clone());
        x
    }

    /// Exact λ of bought round `t` (memoised).
    fn round_lambda(&mut self, t: u32) -> Q {
        if let Some(x) = &self.s.round_exact[t as usize] {
            return x.clone();
        }
        let price = self.s.rounds[t as usize].clone();
        let x = self.price_exact(&price.cost, &price.poor, price.rich_units);
        self.s.round_exact[t as usize] = Some(x.clone());
        x
    }

    /// `(cost − Σ w·money(c) over poor) / rich_units`, exactly. A class's money is
    /// `share − Σ u_s·λ_s` over the rounds `s` of its history, so the sum is `W·share −
    /// Σ_s a_s·λ_s` with integer `a_s`: one rational operation per earlier round, however many
    /// classes are poor.
    fn price_exact(&mut self, cost: &i128, poor: &[(u32, u64)], rich_units: i128) -> Q {
        let mut coeff = std::mem::take(&mut self.s.coeff);
        coeff.clear();
        coeff.resize(self.s.rounds.len(), 0);
        let mut weight = 0i128;
        for &(c, w) in poor {
            let w = i128::from(w);
            weight += w;
            let mut c = c;
            while c != ROOT_CLASS {
                let class = &self.s.classes[c as usize];
                coeff[class.round as usize] += w * i128::from(class.u);
                c = class.parent;
            }
        }
        let share = self.class_money(ROOT_CLASS);
        let mut rest = Q::int(*cost).sub(&share.mul_int(weight));
        for (s, &a) in coeff.iter().enumerate() {
            if a != 0 {
                rest = rest.add(&self.round_lambda(s as u32).mul_int(a));
            }
        }
        self.s.coeff = coeff;
        rest.div_int(rich_units)
    }

    fn eval_exact(&mut self, e: &mut Eval) -> Q {
        if let Some(x) = &e.exact {
            return x.clone();
        }
        let x = self.price_exact(&e.price.cost, &e.price.poor, e.price.rich_units);
        let t = scaled_bounds(&x, self.f);
        e.lam.lo = e.lam.lo.max(t.lo);
        e.lam.hi = e.lam.hi.min(t.hi);
        e.exact = Some(x.clone());
        x
    }

    /// Compares `ρ = λ/σ` of two evaluations, exactly.
    fn cmp_rho(&mut self, a: &mut Eval, b: &mut Eval) -> Ordering {
        let sigma = &self.mes.profile.sigma;
        let (sa, sb) = (sigma[a.p as usize], sigma[b.p as usize]);
        if cmp_products(a.lam.hi, sb, b.lam.lo, sa) == Ordering::Less {
            return Ordering::Less;
        }
        if cmp_products(a.lam.lo, sb, b.lam.hi, sa) == Ordering::Greater {
            return Ordering::Greater;
        }
        if self.range && !(a.price.poor.is_empty() && b.price.poor.is_empty()) {
            self.undecided = true;
            return Ordering::Greater;
        }
        let la = self.eval_exact(a);
        let lb = self.eval_exact(b);
        la.mul_int(sb).cmp(&lb.mul_int(sa))
    }

    /// Fills `self.s.pairs` with `p`'s supporters who still have money: (class, voters, units),
    /// one entry per distinct (class, units). Supporters come sorted by units, so each run of
    /// equal units is merged by class with `bucket` (no sorting per evaluation).
    fn supporter_buckets(&mut self, p: u32) {
        let supporters = &self.packed.supporters[p as usize];
        let s = &mut self.s;
        s.pairs.clear();
        if s.bucket.len() < s.classes.len() {
            s.bucket.resize(s.classes.len(), 0);
        }
        for run in supporters.chunk_by(|a, b| a.2 == b.2) {
            let u = u64::from(run[0].2);
            s.touched.clear();
            // Neighbouring groups often share a class (groups are numbered by ballot): adding
            // their voters up before touching `bucket` avoids a chain of dependent memory
            // updates to one slot. Voters of the zero class are summed too, then dropped.
            let (mut class, mut voters) = (ZERO_CLASS, 0u64);
            for &(g, w, _) in run {
                let c = s.gs[g as usize];
                if c != class {
                    add_to_bucket(&mut s.bucket, &mut s.touched, class, voters);
                    (class, voters) = (c, 0);
                }
                voters += u64::from(w);
            }
            add_to_bucket(&mut s.bucket, &mut s.touched, class, voters);
            for &c in &s.touched {
                s.pairs.push((c, s.bucket[c as usize], u));
                s.bucket[c as usize] = 0;
            }
        }
    }

    /// The price at which `p`'s supporters can pay for it, or `None` if they cannot.
    fn price(&mut self, p: u32) -> Option<Eval> {
        self.supporter_buckets(p);
        let mut rich = std::mem::take(&mut self.s.pairs);
        let mut rich_units: i128 = rich
            .iter()
            .map(|&(_, w, u)| i128::from(w) * i128::from(u))
            .sum();
        let cost = self.mes.costs[p as usize];
        let cost_s = cost << self.f;
        let mut poor: Vec<(u32, u64)> = Vec::new();
        let (mut poor_lo, mut poor_hi) = (0i128, 0i128);
        // Water-filling as in the exact engine: everyone pays λ·u; those who cannot pay all they
        // have and the others share the rest, until nobody else is short.
        let result = loop {
            if rich_units == 0 {
                break None;
            }
            let mut lam = Iv {
                lo: floor_div(cost_s - poor_hi, rich_units).max(0),
                hi: ceil_div(cost_s - poor_lo, rich_units),
            };
            let pass_poor = poor.len();
            let pass_units = rich_units;
            let mut lam_exact: Option<Q> = None;
            let before = rich.len();
            let mut kept = 0;
            for i in 0..rich.len() {
                let (c, w, u) = rich[i];
                let ui = i128::from(u);
                let m = self.s.classes[c as usize].iv;
                let short = if m.hi < lam.lo * ui {
                    true
                } else if m.lo >= lam.hi * ui {
                    false
                } else if self.range {
                    self.undecided = true;
                    self.s.pairs = rich;
                    return None;
                } else {
                    if lam_exact.is_none() {
                        let prefix = poor[..pass_poor].to_vec();
                        let x = self.price_exact(&cost, &prefix, pass_units);
                        let t = scaled_bounds(&x, self.f);
                        lam.lo = lam.lo.max(t.lo);
                        lam.hi = lam.hi.min(t.hi);
                        lam_exact = Some(x);
                    }
                    let x = lam_exact.as_ref().expect("just computed");
                    self.class_money(c) < x.mul_int(ui)
                };
                if short {
                    let m = self.s.classes[c as usize].iv;
                    let wi = i128::from(w);
                    if poor.is_empty() {
                        // One allocation for the evaluation instead of a few regrowths.
                        poor.reserve(rich.len());
                    }
                    poor.push((c, w));
                    poor_lo += wi * m.lo;
                    poor_hi += wi * m.hi;
                    rich_units -= wi * ui;
                } else {
                    rich[kept] = rich[i];
                    kept += 1;
                }
            }
            rich.truncate(kept);
            if kept == before {
                break Some(Eval {
                    p,
                    lam,
                    price: Price {
                        cost,
                        poor,
                        rich_units,
                    },
                    exact: lam_exact,
                });
            }
        };
        self.s.pairs = rich;
        result
    }

    /// Buys the evaluated project: every supporter pays `min(money, λ·u)`.
    fn buy(&mut self, mut e: Eval, detail: Detail) -> MesRound {
        let mes = self.mes;
        let p = e.p;
        let t = self.s.rounds.len() as u32;
        self.s.rounds.push(e.price.clone());
        self.s.round_exact.push(e.exact.clone());
        if self.s.memo_head.len() < self.s.classes.len() {
            self.s.memo_head.resize(self.s.classes.len(), NO_MEMO);
        }
        self.s.memo.clear();
        let mut touched = std::mem::take(&mut self.s.paying);
        touched.clear();
        let (mut supporters, mut payers, mut paid_everything) = (0u64, 0u64, 0u64);
        // The previous entry's (class, units) and next class: neighbouring groups often share
        // them (groups are numbered by ballot), which spares the memo's lookup.
        let mut last = (ZERO_CLASS, 0u64, ZERO_CLASS);
        for &(g, w, u) in &self.packed.supporters[p as usize] {
            let c = self.s.gs[g as usize];
            let (u, w) = (u64::from(u), u64::from(w));
            supporters += w;
            if c == ZERO_CLASS {
                continue;
            }
            let next = if (c, u) == (last.0, last.1) {
                last.2
            } else {
                let next = self.next_class(c, u, t, &mut e, &mut touched);
                last = (c, u, next);
                next
            };
            payers += w;
            if next == ZERO_CLASS {
                paid_everything += w;
            }
            self.s.gs[g as usize] = next;
        }
        let (rho, max_payment) = match detail {
            Detail::Search => (Q::zero(), Q::zero()),
            Detail::Trace => {
                let lambda = self.round_lambda(t);
                // The largest payment: λ times the largest `u` of those paying `λ·u`, or the
                // money of a class that paid everything; exact values only where the intervals
                // do not rule a candidate out.
                let mut rich_u = 0u64;
                let mut poor: Vec<u32> = Vec::new();
                for &c in &touched {
                    let mut i = self.s.memo_head[c as usize];
                    while i != NO_MEMO {
                        let (u, next, link) = self.s.memo[i as usize];
                        if next == ZERO_CLASS {
                            poor.push(c);
                        } else {
                            rich_u = rich_u.max(u);
                        }
                        i = link;
                    }
                }
                let ru = i128::from(rich_u);
                let max_lo = poor
                    .iter()
                    .map(|&c| self.s.classes[c as usize].iv.lo)
                    .chain([e.lam.lo * ru])
                    .max()
                    .unwrap_or(0);
                let mut max_payment = Q::zero();
                if rich_u > 0 {
                    max_payment = lambda.mul_int(ru);
                }
                for c in poor {
                    if self.s.classes[c as usize].iv.hi < max_lo {
                        continue;
                    }
                    let paid = self.class_money(c);
                    if paid > max_payment {
                        max_payment = paid;
                    }
                }
                (lambda.div_int(mes.profile.sigma[p as usize]), max_payment)
            }
        };
        for &c in &touched {
            self.s.memo_head[c as usize] = NO_MEMO;
        }
        self.s.paying = touched;
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

    /// The class that class `c`'s voters with `u` units move to in round `t`, memoised per
    /// (class, units) in a chain per class; `touched` gets each class paying for the first time.
    fn next_class(&mut self, c: u32, u: u64, t: u32, e: &mut Eval, touched: &mut Vec<u32>) -> u32 {
        let mut i = self.s.memo_head[c as usize];
        while i != NO_MEMO && self.s.memo[i as usize].0 != u {
            i = self.s.memo[i as usize].2;
        }
        if i != NO_MEMO {
            return self.s.memo[i as usize].1;
        }
        let next = self.pay(c, u, t, e);
        if self.s.memo_head[c as usize] == NO_MEMO {
            touched.push(c);
        }
        self.s.memo.push((u, next, self.s.memo_head[c as usize]));
        self.s.memo_head[c as usize] = (self.s.memo.len() - 1) as u32;
        next
    }

    /// Class `c`'s voters with `u` units pay for round `t`; returns their new class.
    fn pay(&mut self, c: u32, u: u64, t: u32, e: &mut Eval) -> u32 {
        let ui = i128::from(u);
        let m = self.s.classes[c as usize].iv;
        let pays_all = if m.hi <= e.lam.lo * ui {
            true
        } else if m.lo > e.lam.hi * ui {
            false
        } else if self.range {
            self.undecided = true;
            return ZERO_CLASS;
        } else {
            let lambda = self.eval_exact(e);
            self.s.round_exact[t as usize] = Some(lambda.clone());
            self.class_money(c) <= lambda.mul_int(ui)
        };
        if pays_all {
            return ZERO_CLASS;
        }
        let m = self.s.classes[c as usize].iv;
        self.s.classes.push(Class {
            parent: c,
            round: t,
            u: u32::try_from(u).expect("packed units fit 32 bits"),
            exact: NOT_EXACT,
            iv: Iv {
                lo: (m.lo - e.lam.hi * ui).max(0),
                hi: m.hi - e.lam.lo * ui,
            },
        });
        (self.s.classes.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::election::{Ballot, Election, ProjectSpec, VoteKind};
    use crate::tally::money::Decimal;
    use crate::tally::profile::Profile;
    use crate::tally::tiebreak::{self, TieBreak};
    use num_bigint::BigInt;
    use proptest::prelude::*;

    /// A round as compared: project, ρ, largest payment, supporters, payers, paid everything,
    /// and the projects tied with it.
    type RoundFigures = (u32, Q, Q, u64, u64, u64, Vec<u32>);

    /// Each round's figures and ties: the kernel must find the same ties as the exact engine.
    fn rounds_of(run: &MesRun) -> Vec<RoundFigures> {
        run.rounds
            .iter()
            .map(|r| {
                (
                    r.project,
                    r.rho.clone(),
                    r.max_payment.clone(),
                    r.supporters,
                    r.payers,
                    r.paid_everything,
                    r.tied.clone(),
                )
            })
            .collect()
    }

    /// Runs both engines on `election` at `share` with `bits` fractional bits at most and
    /// asserts the same run.
    fn same_run(election: &Election, share: &Q, bits: u32) {
        let profile = Profile::compile(election);
        let ranks = tiebreak::ranks(election, &profile, TieBreak::Pabutools);
        let costs: Vec<i128> = election.projects().iter().map(|p| p.cost).collect();
        let candidates = (0..costs.len())
            .filter(|&p| profile.total_units[p] > 0 && costs[p] > 0)
            .map(|p| p as u32)
            .collect();
        let mes = Mes::new(&profile, costs, &ranks, candidates);
        let exact = mes.run_exact(share, false);
        let fast = mes.run_with_bits(share, Detail::Trace, bits);
        assert_eq!(
            rounds_of(&fast),
            rounds_of(&exact),
            "share {share:?}, bits {bits}"
        );
        assert_eq!(fast.cost, exact.cost);
        let search = mes.run_with_bits(share, Detail::Search, bits);
        let projects = |r: &MesRun| r.projects().collect::<Vec<_>>();
        assert_eq!(projects(&search), projects(&exact));
    }

    #[test]
    fn wide_products_are_exact() {
        let cases = [
            (0u128, 5u128),
            (u128::MAX, u128::MAX),
            (u128::MAX, 2),
            (1 << 100, 1 << 90),
            (
                0xDEAD_BEEF_1234_5678_9ABC_DEF0_1234_5678,
                0xFFFF_0000_FFFF_0000_1234,
            ),
        ];
        for (a, b) in cases {
            let (hi, lo) = mul_wide(a, b);
            let want = BigInt::from(a) * BigInt::from(b);
            let got = (BigInt::from(hi) << 128) + BigInt::from(lo);
            assert_eq!(got, want, "{a} × {b}");
        }
    }

    fn election(
        costs: &[u32],
        budget: u32,
        points: bool,
        ballots: &[Vec<(usize, i64)>],
    ) -> Election {
        let projects = costs
            .iter()
            .enumerate()
            .map(|(i, &c)| ProjectSpec {
                id: format!("p{i}"),
                cost: Decimal {
                    units: i128::from(c),
                    scale: 0,
                },
            })
            .collect();
        let ballots = ballots
            .iter()
            .map(|b| {
                if points {
                    Ballot::Points(b.iter().map(|&(p, x)| (format!("p{p}"), x)).collect())
                } else {
                    Ballot::Approval(b.iter().map(|&(p, _)| format!("p{p}")).collect())
                }
            })
            .collect();
        let kind = if points {
            VoteKind::Cumulative
        } else {
            VoteKind::Approval
        };
        Election::new(
            Decimal {
                units: i128::from(budget),
                scale: 0,
            },
            projects,
            kind,
            ballots,
        )
        .unwrap()
    }

    #[test]
    fn exact_ties_are_broken_as_the_exact_engine_does() {
        // Equal costs and supporter counts: every ρ ties exactly in the first rounds.
        let ballots: Vec<Vec<(usize, i64)>> = vec![
            vec![(0, 1), (1, 1)],
            vec![(1, 1), (2, 1)],
            vec![(2, 1), (3, 1)],
            vec![(3, 1), (0, 1)],
            vec![(0, 1), (2, 1)],
            vec![(1, 1), (3, 1)],
        ];
        let e = election(&[30, 30, 30, 30], 100, false, &ballots);
        for bits in [1, 2, 5, 64] {
            for extra in 0..12 {
                same_run(&e, &Q::frac(100 + 6 * extra, 6), bits);
            }
        }
    }

    fn small_election() -> impl Strategy<Value = (Election, Q)> {
        (1usize..7, any::<bool>(), 0u32..3).prop_flat_map(|(m, points, cost_kind)| {
            // Few distinct costs, or one cost for all, so ties are frequent.
            let cost = match cost_kind {
                0 => (1u32..40).boxed(),
                1 => prop_oneof![Just(6u32), Just(12)].boxed(),
                _ => Just(10u32).boxed(),
            };
            let ballot = proptest::collection::btree_map(0..m, 1i64..4, 0..=m)
                .prop_map(|b| b.into_iter().collect::<Vec<_>>());
            (
                proptest::collection::vec(cost, m),
                1u32..80,
                proptest::collection::vec(ballot, 1..14),
                0i128..40,
                1i128..4,
            )
                .prop_map(move |(costs, budget, ballots, extra, den)| {
                    let e = election(&costs, budget, points, &ballots);
                    let n = ballots.len() as i128;
                    let share = Q::frac(i128::from(budget), n).add(&Q::frac(extra, den));
                    (e, share)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn filtered_run_equals_exact_run((e, share) in small_election(), bits in prop_oneof![Just(1u32), Just(3), Just(8), Just(64)]) {
            same_run(&e, &share, bits);
        }
    }

    /// A range run, when it succeeds, is the run of every share in the range: checked at both
    /// ends and at shares in between (exact runs, so nothing of the kernel is trusted).
    fn range_is_every_share(e: &Election, low: &Q, width: i128, den: i128) {
        let profile = Profile::compile(e);
        let ranks = tiebreak::ranks(e, &profile, TieBreak::Pabutools);
        let costs: Vec<i128> = e.projects().iter().map(|p| p.cost).collect();
        let candidates = (0..costs.len())
            .filter(|&p| profile.total_units[p] > 0 && costs[p] > 0)
            .map(|p| p as u32)
            .collect();
        let mes = Mes::new(&profile, costs, &ranks, candidates);
        let high = low.add(&Q::frac(width, den));
        let Some(range) = mes.run_range(low, &high, &mut Scratch::default()) else {
            return;
        };
        let summary = |r: &MesRun| {
            let rounds: Vec<_> = r
                .rounds
                .iter()
                .map(|x| (x.project, x.supporters, x.payers, x.paid_everything))
                .collect();
            (rounds, r.cost)
        };
        for i in 0..=width {
            let share = low.add(&Q::frac(i, den));
            let exact = mes.run_exact(&share, false);
            assert_eq!(
                summary(&range),
                summary(&exact),
                "share {share:?} in {low:?}..{high:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]
        #[test]
        fn a_range_run_is_the_run_of_every_share_in_it(
            (e, share) in small_election(),
            width in 1i128..30,
            den in prop_oneof![Just(1i128), Just(4)],
        ) {
            range_is_every_share(&e, &share, width, den);
        }
    }

    /// The real elections, at the first share and a few Add1 steps (the largest only when
    /// optimised: its exact run is slow unoptimised).
    #[test]
    fn filtered_run_equals_exact_run_on_fixtures() {
        let dir = std::env::var_os("KURULTAI_PABULIB_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../shared/fixtures/pabulib")
            });
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SKIPPED: no fixtures at {}", dir.display());
            return;
        };
        let mut files: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pb"))
            .collect();
        files.sort();
        for path in files {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if name.contains("Warszawa") && cfg!(debug_assertions) {
                eprintln!("SKIPPED {name} in an unoptimised build");
                continue;
            }
            let e = crate::pabulib::read_path(&path)
                .and_then(|f| f.election())
                .unwrap();
            let n = e.num_voters() as i128;
            let first = Q::frac(e.budget(), n);
            for k in [0, 1, 37] {
                same_run(&e, &first.add(&Q::int(k * e.main_unit())), 64);
            }
        }
    }
}
