//! A ballot and its rules from raw bytes, every number at any value: the check must answer
//! without a panic, and a ballot it accepts must carry no more points or cost than the rules
//! allow, summed exactly (i128 for points; costs bounded by the election's money limit).
#![no_main]

use kurultai::tally::ballot::KindRules;
use kurultai::tally::{Ballot, BallotRules, Decimal, Election, ProjectSpec, VoteKind};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fn rules(u: &mut Unstructured) -> Result<BallotRules> {
    let kind = match u.int_in_range(0..=4)? {
        0 => KindRules::Approval,
        1 => KindRules::Knapsack {
            max_cost: u.arbitrary()?,
            min_cost: u.arbitrary()?,
        },
        2 => KindRules::Cumulative {
            max_per_project: u.arbitrary()?,
            min_total: u.arbitrary()?,
            max_total: u.arbitrary()?,
        },
        3 => KindRules::Ranked {
            k: u.int_in_range(0..=64)?,
        },
        _ => KindRules::Scoring {
            min_points: u.arbitrary()?,
            max_points: u.arbitrary()?,
        },
    };
    Ok(BallotRules {
        kind,
        min_selections: u.int_in_range(0..=64)?,
        max_selections: u.arbitrary::<Option<u8>>()?.map(usize::from),
    })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let m = u.int_in_range(1..=8usize)?;
    let mut projects = Vec::with_capacity(m);
    for i in 0..m {
        projects.push(ProjectSpec {
            id: format!("p{i}"),
            cost: Decimal {
                units: u.arbitrary()?,
                scale: u.int_in_range(0..=3)?,
            },
        });
    }
    let budget = Decimal {
        units: u.arbitrary()?,
        scale: 0,
    };
    // Money out of range is refused when the election is built; that is not this target's.
    let Ok(election) = Election::new(budget, projects, VoteKind::Approval, vec![]) else {
        return Ok(());
    };
    let rules = rules(u)?;
    let n = u.arbitrary_len::<(u8, i64)>()?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        // Index m is a project not on the ballot.
        let p = u.int_in_range(0..=m)?;
        let id = if p < m {
            format!("p{p}")
        } else {
            "zz".to_string()
        };
        entries.push((id, u.arbitrary::<i64>()?));
    }
    let ballot = match u.int_in_range(0..=2)? {
        0 => Ballot::Approval(entries.iter().map(|(id, _)| id.clone()).collect()),
        1 => Ballot::Points(entries.clone()),
        _ => Ballot::Ranking(entries.iter().map(|(id, _)| id.clone()).collect()),
    };
    if rules.validate(&election, &ballot).is_err() {
        return Ok(());
    }
    let cost_of = |id: &str| election.projects()[election.project_index(id).unwrap()].cost;
    match rules.kind {
        KindRules::Knapsack { max_cost, min_cost } => {
            let total: i128 = entries.iter().map(|(id, _)| cost_of(id)).sum();
            assert!(min_cost <= total && total <= max_cost, "cost {total}");
        }
        KindRules::Cumulative {
            max_per_project,
            min_total,
            max_total,
        } => {
            let total: i128 = entries.iter().map(|&(_, p)| i128::from(p)).sum();
            assert!(i128::from(min_total) <= total && total <= i128::from(max_total));
            for &(_, p) in &entries {
                assert!(p >= 0 && max_per_project.is_none_or(|x| p <= x), "{p}");
            }
        }
        KindRules::Scoring {
            min_points,
            max_points,
        } => {
            for &(_, p) in &entries {
                assert!(min_points <= p && p <= max_points, "{p}");
            }
        }
        KindRules::Approval | KindRules::Ranked { .. } => {}
    }
    assert!(entries.len() >= rules.min_selections);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
