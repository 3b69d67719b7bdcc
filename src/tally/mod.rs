//! The tally engine: given an [`Election`], decide exactly and reproducibly which projects are
//! funded, and explain why.
//!
//! Pure code: no database, no HTTP. The service builds an [`Election`] from its rows
//! ([`Election::new`]), checks single ballots with [`ballot::BallotRules::validate`], and counts
//! with [`tally`]. `kurultai tally FILE.pb` (`cli::tally`, outside the engine) does the same from a Pabulib
//! file.
//!
//! Rules ([`Rule`]): `greedy` ([`greedy`]), the Method of Equal Shares with its completions
//! ([`mes`], [`completion`]) and sequential Phragmén ([`phragmen`]). They reproduce pabutools
//! 1.2.3 and, for the `equalshares_*` completions, the equalshares.net code shipped in
//! pabulib-checker; `tests/tally_agreement.rs` compares against their outputs on real elections.
//!
//! Exactness: money is an integer count of the smallest decimal unit in the election
//! ([`money`]); every value that decides an outcome is an integer or an exact rational
//! ([`exact::Q`], which promotes itself to a big rational rather than overflow). No floating point
//! takes part in a decision; decimals in the trace are rounded only for reading.

pub mod ballot;
mod completion;
pub mod election;
pub mod exact;
mod filtered;
mod greedy;
mod mes;
pub mod money;
mod phragmen;
mod profile;
pub mod result;
pub mod tiebreak;

pub use ballot::{BallotError, BallotRules};
pub use election::{
    Ballot, Election, ElectionBuilder, ElectionError, Project, ProjectSpec, VoteKind,
};
pub use money::Decimal;
pub use result::{TallyResult, TraceStep};
pub use tiebreak::TieBreak;

use completion::Strategy;
use exact::Q;
use filtered::Detail;
use mes::{Mes, MesRun};
use profile::Profile;
use result::{Exact, ProjectLine, RuleName, Stage, SCHEMA};

/// How Equal Shares spends what its first run leaves (see [`completion`] for the semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// One run with share budget/n.
    None,
    /// pabutools' `voter_budget_increment = 1` (one main unit).
    Add1,
    /// `add1`, then greedy by votes (points).
    Add1Greedy,
    /// equalshares.net's Add1: floor(budget/n) + 1, + 2, … while within the budget.
    EqualsharesAdd1,
    /// `equalshares_add1`, then the utilitarian completion.
    EqualsharesAdd1u,
}

impl Completion {
    /// The option's name on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Completion::None => "none",
            Completion::Add1 => "add1",
            Completion::Add1Greedy => "add1_greedy",
            Completion::EqualsharesAdd1 => "equalshares_add1",
            Completion::EqualsharesAdd1u => "equalshares_add1u",
        }
    }
}

/// A counting rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Greedy,
    EqualShares(Completion),
    Phragmen,
}

impl Rule {
    /// Every rule with every completion, the three whose time does not grow with the amounts
    /// first (tests and fuzzing run the completions only on small amounts).
    pub const ALL: [Rule; 7] = [
        Rule::Greedy,
        Rule::Phragmen,
        Rule::EqualShares(Completion::None),
        Rule::EqualShares(Completion::Add1),
        Rule::EqualShares(Completion::Add1Greedy),
        Rule::EqualShares(Completion::EqualsharesAdd1),
        Rule::EqualShares(Completion::EqualsharesAdd1u),
    ];
}

/// Everything that, with the election, determines the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TallyOptions {
    pub rule: Rule,
    pub tie_break: TieBreak,
    /// Record every voter's payments in the kept Equal Shares run (for audits and tests).
    pub record_payments: bool,
}

/// Why an election cannot be counted with the chosen rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TallyError {
    #[error("Phragmén applies to approval ballots only")]
    PhragmenNeedsApproval,
}

/// Counts `election` with `options`.
pub fn tally(election: &Election, options: &TallyOptions) -> Result<TallyResult, TallyError> {
    let profile = Profile::compile(election);
    let ranks = tiebreak::ranks(election, &profile, options.tie_break);
    let mut payments = None;
    let mut share = None;
    let (rule, completion, selected, trace) = match options.rule {
        Rule::Greedy => {
            let (mut selected, mut spent) = (Vec::new(), 0);
            let order = greedy::order_by_score(&profile, &ranks);
            let trace = greedy::fill(
                election,
                &profile,
                &order,
                Stage::Main,
                &mut selected,
                &mut spent,
            );
            (RuleName::Greedy, "none", selected, trace)
        }
        Rule::Phragmen => {
            if !election.kind().is_approval() {
                return Err(TallyError::PhragmenNeedsApproval);
            }
            let (selected, trace) = phragmen::phragmen(election, &profile, &ranks);
            (RuleName::Phragmen, "none", selected, trace)
        }
        Rule::EqualShares(c) => {
            let out = equal_shares(election, &profile, &ranks, c, options.record_payments);
            payments = out.payments;
            share = out.share;
            (RuleName::EqualShares, c.name(), out.selected, out.trace)
        }
    };
    Ok(assemble(
        election, &profile, options, rule, completion, selected, trace, payments, share,
    ))
}

struct EqualSharesOutcome {
    selected: Vec<u32>,
    trace: Vec<TraceStep>,
    payments: Option<Vec<Vec<(String, Q)>>>,
    share: Option<Q>,
}

fn equal_shares(
    election: &Election,
    profile: &Profile,
    ranks: &[u32],
    completion: Completion,
    record: bool,
) -> EqualSharesOutcome {
    let costs: Vec<i128> = election.projects().iter().map(|p| p.cost).collect();
    let supported = |p: usize| profile.total_units[p] > 0;
    let pabutools_family = matches!(
        completion,
        Completion::None | Completion::Add1 | Completion::Add1Greedy
    );
    let candidates: Vec<u32> = (0..costs.len())
        .filter(|&p| supported(p) && costs[p] > 0)
        .map(|p| p as u32)
        .collect();
    // pabutools funds supported free projects first; with cost utilities they give no utility.
    let free: Vec<u32> = if pabutools_family && !election.kind().is_approval() {
        (0..costs.len())
            .filter(|&p| supported(p) && costs[p] == 0)
            .map(|p| p as u32)
            .collect()
    } else {
        Vec::new()
    };
    let mut trace: Vec<TraceStep> = free
        .iter()
        .map(|&p| TraceStep::Free {
            project: election.projects()[p as usize].id.clone(),
        })
        .collect();
    let mes = Mes::new(profile, costs.clone(), ranks, candidates);
    let n = profile.n_voters;
    let unit = election.main_unit();
    let (run, kept_share) = if n == 0 {
        (
            MesRun {
                rounds: Vec::new(),
                cost: 0,
                payments: None,
            },
            Q::zero(),
        )
    } else {
        match completion {
            Completion::None => {
                let share = Q::frac(election.budget(), i128::from(n));
                (mes.run(&share, Detail::Trace), share)
            }
            Completion::Add1 | Completion::Add1Greedy => {
                let out = completion::add1_pabutools(
                    &mes,
                    &costs,
                    election.budget(),
                    n,
                    unit,
                    0,
                    Strategy::Auto,
                );
                trace.push(add1_step("pabutools", &out, election.scale()));
                (out.kept, out.kept_share)
            }
            Completion::EqualsharesAdd1 | Completion::EqualsharesAdd1u => {
                let out =
                    completion::add1_equalshares(&mes, election.budget(), n, unit, Strategy::Auto);
                trace.push(add1_step("equalshares", &out, election.scale()));
                (out.kept, out.kept_share)
            }
        }
    };
    // The Add1 searches report no exact trace values: recompute the kept run with them.
    let run = if record && n > 0 {
        mes.run_exact(&kept_share, true)
    } else if n > 0 && completion != Completion::None {
        mes.run(&kept_share, Detail::Trace)
    } else {
        run
    };
    trace.extend(mes_rounds(election, &run, &kept_share, n));
    let mut selected: Vec<u32> = free;
    selected.extend(run.projects());
    let mut spent: i128 = selected.iter().map(|&p| costs[p as usize]).sum();
    match completion {
        Completion::Add1Greedy => {
            let order = greedy::order_by_score(profile, ranks);
            trace.extend(greedy::fill(
                election,
                profile,
                &order,
                Stage::Completion,
                &mut selected,
                &mut spent,
            ));
        }
        Completion::EqualsharesAdd1u => {
            let order = greedy::order_by_votes_stable(profile);
            trace.extend(greedy::fill(
                election,
                profile,
                &order,
                Stage::Completion,
                &mut selected,
                &mut spent,
            ));
        }
        _ => {}
    }
    let payments = run
        .payments
        .map(|per_group| voter_payments(election, profile, &per_group));
    EqualSharesOutcome {
        selected,
        trace,
        payments,
        share: record.then_some(kept_share),
    }
}

fn add1_step(family: &str, out: &completion::Add1Outcome, scale: u32) -> TraceStep {
    TraceStep::Add1 {
        family: family.into(),
        first_share: Exact::money(&out.first_share, scale),
        kept_share: Exact::money(&out.kept_share, scale),
        runs: out.runs,
        stop: out.stop,
    }
}

fn mes_rounds(election: &Election, run: &MesRun, share: &Q, n: u64) -> Vec<TraceStep> {
    let scale = election.scale();
    let mut money_left = share.mul_int(i128::from(n));
    run.rounds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let project = &election.projects()[r.project as usize];
            money_left = money_left.sub(&Q::int(project.cost));
            TraceStep::EqualShares {
                round: i as u32 + 1,
                project: project.id.clone(),
                cost: election.money(project.cost).to_string(),
                rho: Exact::plain(&r.rho),
                max_payment: Exact::money(&r.max_payment, scale),
                supporters: r.supporters,
                payers: r.payers,
                paid_everything: r.paid_everything,
                money_left: Exact::money(&money_left, scale),
                tied_with: r
                    .tied
                    .iter()
                    .map(|&q| election.projects()[q as usize].id.clone())
                    .collect(),
            }
        })
        .collect()
}

/// Expands per-group payments to one list per voter, in ballot order.
fn voter_payments(
    election: &Election,
    profile: &Profile,
    per_group: &[Vec<(u32, Q)>],
) -> Vec<Vec<(String, Q)>> {
    let mut key_to_group = std::collections::HashMap::new();
    for (g, group) in profile.groups.iter().enumerate() {
        key_to_group.entry(group.items.clone()).or_insert(g);
    }
    election
        .ballots()
        .map(|ballot| {
            let mut key: Vec<(u32, u64)> = ballot
                .iter()
                .filter(|&&(_, pts)| pts > 0)
                .map(|&(p, pts)| (p, pts as u64))
                .collect();
            key.sort_unstable();
            match key_to_group.get(&key) {
                Some(&g) => per_group[g]
                    .iter()
                    .map(|(p, amount)| {
                        (election.projects()[*p as usize].id.clone(), amount.clone())
                    })
                    .collect(),
                None => Vec::new(),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    election: &Election,
    profile: &Profile,
    options: &TallyOptions,
    rule: RuleName,
    completion: &str,
    selected: Vec<u32>,
    trace: Vec<TraceStep>,
    payments: Option<Vec<Vec<(String, Q)>>>,
    share: Option<Q>,
) -> TallyResult {
    let projects = election.projects();
    let total: i128 = selected.iter().map(|&p| projects[p as usize].cost).sum();
    let mut is_selected = vec![false; projects.len()];
    for &p in &selected {
        is_selected[p as usize] = true;
    }
    TallyResult {
        schema: SCHEMA,
        rule,
        completion: completion.into(),
        tie_break: options.tie_break,
        budget: election.money(election.budget()).to_string(),
        selected: selected
            .iter()
            .map(|&p| projects[p as usize].id.clone())
            .collect(),
        total_cost: election.money(total).to_string(),
        budget_left: election.money(election.budget() - total).to_string(),
        projects: projects
            .iter()
            .enumerate()
            .map(|(i, p)| ProjectLine {
                id: p.id.clone(),
                cost: election.money(p.cost).to_string(),
                votes: profile.votes[i],
                score: profile.score[i].to_string(),
                selected: is_selected[i],
            })
            .collect(),
        trace,
        payments,
        share,
    }
}
