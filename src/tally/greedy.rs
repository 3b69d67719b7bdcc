//! Greedy: projects in decreasing order of support, each funded if it still fits, skipped
//! otherwise (and the scan goes on). Also the greedy completions that spend what Equal Shares
//! left, which are the same pass started from a partial selection.
//!
//! pabutools' `greedy_utilitarian_welfare` with cost utilities orders approval ballots by
//! approvals (satisfaction per cost = approvals) and points ballots by total points; a project
//! nobody supports still gets funded if it fits, as there.

use crate::tally::election::Election;
use crate::tally::profile::Profile;
use crate::tally::result::{Stage, TraceStep};

/// Projects by score (descending), ties by the tie-breaking rank.
pub(crate) fn order_by_score(profile: &Profile, ranks: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ranks.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        profile.score[b]
            .cmp(&profile.score[a])
            .then(ranks[a].cmp(&ranks[b]))
    });
    order
}

/// Projects by number of votes (descending), ties in election order: the equalshares.net
/// "utilitarian completion" as the checker runs it (a stable sort by approvals).
pub(crate) fn order_by_votes_stable(profile: &Profile) -> Vec<u32> {
    let mut order: Vec<u32> = (0..profile.votes.len() as u32).collect();
    order.sort_by(|&a, &b| profile.votes[b as usize].cmp(&profile.votes[a as usize]));
    order
}

/// Walks `order`, funding every project not yet selected that fits in what is left.
///
/// `selected` and `spent` are extended in place; returns one trace step per project considered.
pub(crate) fn fill(
    election: &Election,
    profile: &Profile,
    order: &[u32],
    stage: Stage,
    selected: &mut Vec<u32>,
    spent: &mut i128,
) -> Vec<TraceStep> {
    let mut taken = vec![false; election.projects().len()];
    for &p in selected.iter() {
        taken[p as usize] = true;
    }
    let mut trace = Vec::new();
    for &p in order {
        if taken[p as usize] {
            continue;
        }
        let project = &election.projects()[p as usize];
        let funded = *spent + project.cost <= election.budget();
        if funded {
            *spent += project.cost;
            selected.push(p);
            taken[p as usize] = true;
        }
        trace.push(TraceStep::Greedy {
            stage,
            project: project.id.clone(),
            votes: profile.votes[p as usize],
            score: profile.score[p as usize].to_string(),
            cost: election.money(project.cost).to_string(),
            funded,
            budget_left: election.money(election.budget() - *spent).to_string(),
        });
    }
    trace
}
