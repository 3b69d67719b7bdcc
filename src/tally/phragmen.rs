//! Sequential Phragmén (approval ballots), as pabutools' `sequential_phragmen`.
//!
//! Voters earn virtual money continuously; a project is bought as soon as its supporters together
//! hold its cost, and buying it resets their loads to the new common load
//! `(Σ supporters' loads + cost) / approvals`. Each round funds the project with the smallest new
//! maximal load (ties by the tie-breaking rank). Like pabutools, the rule *stops* at the first
//! round whose best project (or any project tied with it) does not fit in the budget: it does not
//! skip it and go on. Projects nobody approves have an infinite load and come last.
//!
//! Loads are exact rationals. A voter's load is the load set by the last project they helped buy,
//! so voters are grouped by that project ("load class") and each project keeps, per load class,
//! how many of its supporters are in it: a round costs O(projects × rounds) exact operations plus
//! integer updates proportional to the buyers' ballots.

use crate::tally::election::Election;
use crate::tally::exact::Q;
use crate::tally::profile::Profile;
use crate::tally::result::TraceStep;

/// Runs Phragmén; returns the funded projects in order and the trace.
pub(crate) fn phragmen(
    election: &Election,
    profile: &Profile,
    ranks: &[u32],
) -> (Vec<u32>, Vec<TraceStep>) {
    let projects = election.projects();
    let budget = election.budget();
    let mut remaining: Vec<u32> = (0..projects.len() as u32)
        .filter(|&p| projects[p as usize].cost <= budget)
        .collect();
    // load_of[class]; class 0 is the initial load 0.
    let mut load_of: Vec<Q> = vec![Q::zero()];
    let mut group_class: Vec<u32> = vec![0; profile.groups.len()];
    // per_class[p][class] = supporters of p (weighted) whose load is load_of[class].
    let mut per_class: Vec<Vec<u64>> = (0..projects.len())
        .map(|p| {
            vec![profile.supporters[p]
                .iter()
                .map(|&(g, _)| profile.groups[g as usize].weight)
                .sum()]
        })
        .collect();
    let approvals = |p: usize| -> i128 {
        profile.supporters[p]
            .iter()
            .map(|&(g, _)| i128::from(profile.groups[g as usize].weight))
            .sum()
    };
    let approvals: Vec<i128> = (0..projects.len()).map(approvals).collect();
    let (mut selected, mut trace, mut spent) = (Vec::new(), Vec::new(), 0i128);
    while !remaining.is_empty() {
        // None stands for an infinite load (no supporters).
        let new_load = |p: usize| -> Option<Q> {
            if approvals[p] == 0 {
                return None;
            }
            let mut sum = Q::int(projects[p].cost);
            for (class, &count) in per_class[p].iter().enumerate() {
                if count > 0 && !load_of[class].is_zero() {
                    sum = sum.add(&load_of[class].mul_int(i128::from(count)));
                }
            }
            Some(sum.div_int(approvals[p]))
        };
        let loads: Vec<Option<Q>> = remaining.iter().map(|&p| new_load(p as usize)).collect();
        let min = loads
            .iter()
            .min_by(|a, b| cmp_load(a, b))
            .cloned()
            .flatten();
        let tied: Vec<u32> = remaining
            .iter()
            .zip(&loads)
            .filter(|(_, l)| **l == min)
            .map(|(&p, _)| p)
            .collect();
        let winner = *tied
            .iter()
            .min_by_key(|&&p| ranks[p as usize])
            .expect("a minimum exists");
        let shown = min
            .clone()
            .map(|l| crate::tally::result::Exact::money(&l, election.scale()));
        if tied
            .iter()
            .any(|&p| spent + projects[p as usize].cost > budget)
        {
            trace.push(TraceStep::Phragmen {
                project: projects[winner as usize].id.clone(),
                cost: election.money(projects[winner as usize].cost).to_string(),
                max_load: shown.unwrap_or_else(infinite),
                funded: false,
            });
            break;
        }
        spent += projects[winner as usize].cost;
        selected.push(winner);
        remaining.retain(|&p| p != winner);
        trace.push(TraceStep::Phragmen {
            project: projects[winner as usize].id.clone(),
            cost: election.money(projects[winner as usize].cost).to_string(),
            max_load: shown.unwrap_or_else(infinite),
            funded: true,
        });
        if let Some(load) = min {
            load_of.push(load);
            let class = (load_of.len() - 1) as u32;
            for row in per_class.iter_mut() {
                row.push(0);
            }
            for &(g, _) in &profile.supporters[winner as usize] {
                let group = &profile.groups[g as usize];
                let old = group_class[g as usize];
                for &(p, _) in &group.items {
                    per_class[p as usize][old as usize] -= group.weight;
                    per_class[p as usize][class as usize] += group.weight;
                }
                group_class[g as usize] = class;
            }
        }
    }
    (selected, trace)
}

fn infinite() -> crate::tally::result::Exact {
    crate::tally::result::Exact {
        fraction: "inf".into(),
        decimal: "inf".into(),
    }
}

/// Orders loads with `None` (infinite) last.
fn cmp_load(a: &Option<Q>, b: &Option<Q>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}
