//! Properties every outcome must have, on generated elections.

use kurultai::tally::exact::Q;
use kurultai::tally::{
    tally, Ballot, Completion, Decimal, Election, ProjectSpec, Rule, TallyOptions, TallyResult,
    TieBreak, VoteKind,
};
use proptest::prelude::*;

const RULES: [Rule; 7] = Rule::ALL;

#[derive(Clone, Debug)]
struct Spec {
    costs: Vec<u32>,
    budget: u32,
    kind: u8,
    ballots: Vec<Vec<(usize, i64)>>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..7, 0u8..3).prop_flat_map(|(m, kind)| {
        let ballot = proptest::collection::btree_map(0..m, 1i64..4, 0..=m)
            .prop_map(|b| b.into_iter().collect::<Vec<_>>());
        (
            proptest::collection::vec(0u32..25, m),
            1u32..60,
            Just(kind),
            proptest::collection::vec(ballot, 0..10),
        )
            .prop_map(|(costs, budget, kind, ballots)| Spec {
                costs,
                budget,
                kind,
                ballots,
            })
    })
}

fn build(s: &Spec, order: &[usize]) -> Election {
    let projects = s
        .costs
        .iter()
        .enumerate()
        .map(|(i, c)| ProjectSpec {
            id: format!("p{i}"),
            cost: Decimal {
                units: i128::from(*c),
                scale: 0,
            },
        })
        .collect();
    let id = |p: usize| format!("p{p}");
    let (kind, ballots): (VoteKind, Vec<Ballot>) = match s.kind {
        0 => (
            VoteKind::Approval,
            order
                .iter()
                .map(|&i| Ballot::Approval(s.ballots[i].iter().map(|&(p, _)| id(p)).collect()))
                .collect(),
        ),
        1 => (
            VoteKind::Cumulative,
            order
                .iter()
                .map(|&i| Ballot::Points(s.ballots[i].iter().map(|&(p, x)| (id(p), x)).collect()))
                .collect(),
        ),
        _ => (
            VoteKind::Ranked {
                k: s.costs.len() as u32,
            },
            order
                .iter()
                .map(|&i| Ballot::Ranking(s.ballots[i].iter().map(|&(p, _)| id(p)).collect()))
                .collect(),
        ),
    };
    Election::new(
        Decimal {
            units: i128::from(s.budget),
            scale: 0,
        },
        projects,
        kind,
        ballots,
    )
    .unwrap()
}

fn count(e: &Election, rule: Rule, record_payments: bool) -> Option<TallyResult> {
    tally(
        e,
        &TallyOptions {
            rule,
            tie_break: TieBreak::Pabutools,
            record_payments,
        },
    )
    .ok()
}

fn cost_of(e: &Election, ids: &[String]) -> i128 {
    ids.iter()
        .map(|id| e.projects()[e.project_index(id).unwrap()].cost)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_outcome_exceeds_the_budget(s in spec()) {
        let e = build(&s, &(0..s.ballots.len()).collect::<Vec<_>>());
        for rule in RULES {
            if let Some(r) = count(&e, rule, false) {
                prop_assert!(cost_of(&e, &r.selected) <= e.budget(), "{rule:?}");
            }
        }
    }

    #[test]
    fn greedy_leaves_no_affordable_project_unfunded(s in spec()) {
        let e = build(&s, &(0..s.ballots.len()).collect::<Vec<_>>());
        let r = count(&e, Rule::Greedy, false).unwrap();
        let left = e.budget() - cost_of(&e, &r.selected);
        for p in e.projects() {
            prop_assert!(r.selected.contains(&p.id) || p.cost > left, "{} fits in {left}", p.id);
        }
    }

    #[test]
    fn outcomes_are_deterministic_and_ignore_ballot_order(s in spec(), seed in any::<u64>()) {
        let n = s.ballots.len();
        let forward: Vec<usize> = (0..n).collect();
        // A permutation derived from the seed.
        let mut shuffled = forward.clone();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = build(&s, &forward);
        let b = build(&s, &shuffled);
        for rule in RULES {
            let first = count(&a, rule, false).map(|r| r.selected);
            prop_assert_eq!(&first, &count(&a, rule, false).map(|r| r.selected), "{:?} not deterministic", rule);
            prop_assert_eq!(&first, &count(&b, rule, false).map(|r| r.selected), "{:?} depends on ballot order", rule);
        }
    }

    #[test]
    fn equal_shares_outcomes_are_priceable(s in spec()) {
        let e = build(&s, &(0..s.ballots.len()).collect::<Vec<_>>());
        for c in [Completion::None, Completion::Add1, Completion::EqualsharesAdd1] {
            let r = count(&e, Rule::EqualShares(c), true).unwrap();
            let Some(payments) = &r.payments else { continue };
            let share = r.share.clone().unwrap();
            let mut paid_for = std::collections::HashMap::<String, Q>::new();
            for (voter, list) in payments.iter().enumerate() {
                let mut total = Q::zero();
                for (project, amount) in list {
                    prop_assert!(!amount.is_negative());
                    let supports = e.ballot(voter).iter().any(|&(p, pts)| e.projects()[p as usize].id == *project && pts > 0);
                    prop_assert!(supports, "voter {voter} paid for {project} without supporting it");
                    total = total.add(amount);
                    let entry = paid_for.entry(project.clone()).or_insert_with(Q::zero);
                    *entry = entry.add(amount);
                }
                prop_assert!(total <= share, "voter {voter} paid {total:?} > share {share:?}");
            }
            for (project, total) in &paid_for {
                let cost = e.projects()[e.project_index(project).unwrap()].cost;
                prop_assert_eq!(total.clone(), Q::int(cost), "{} not covered exactly", project);
                prop_assert!(r.selected.contains(project));
            }
            // Every project Equal Shares itself bought (positive cost) was paid for.
            for step in &r.trace {
                if let kurultai::tally::TraceStep::EqualShares { project, .. } = step {
                    prop_assert!(paid_for.contains_key(project), "{} bought without payments", project);
                }
            }
        }
    }
}
