//! The ballots compiled for counting: identical ballots merged into weighted groups, and for each
//! project its supporters with their utilities.
//!
//! Merging is what makes counting proportional to the number of (voter, project) pairs rather
//! than to voters × projects: every rule below walks supporter lists, never the whole profile.
//! Utilities follow the reference (pabutools with `Cost_Sat` for approval): an approval
//! supporter's utility is the project's cost, which we store as `1 × σ` with `σ = cost` so all
//! supporters of a project share one integer weight; a points ballot's utility is its points
//! (`σ = 1`).

use crate::tally::election::Election;
use std::collections::HashMap;

/// A set of voters with identical ballots.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// How many voters cast this ballot.
    pub weight: u64,
    /// (project, utility unit count) for the projects with positive utility.
    pub items: Vec<(u32, u64)>,
}

/// The compiled profile.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    /// All voters, including those with empty ballots (each holds an equal share in MES).
    pub n_voters: u64,
    pub groups: Vec<Group>,
    /// For each project: (group, utility units) of every supporting group.
    pub supporters: Vec<Vec<(u32, u64)>>,
    /// For each project: how many voters name it on their ballot.
    pub votes: Vec<u64>,
    /// For each project: the greedy score (approvals, or total points).
    pub score: Vec<i128>,
    /// For each project: σ, the factor turning utility units into utility (see module docs).
    pub sigma: Vec<i128>,
    /// For each project: Σ weight × utility units over its supporters.
    pub total_units: Vec<i128>,
}

impl Profile {
    pub fn compile(election: &Election) -> Profile {
        let m = election.projects().len();
        let approval = election.kind().is_approval();
        // foldhash rather than SipHash: hashing ballots is most of this loop; it is still seeded
        // per process, and each voter adds one key only.
        let mut by_ballot: HashMap<Vec<u64>, usize, foldhash::fast::RandomState> =
            HashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        let mut votes = vec![0u64; m];
        let mut score = vec![0i128; m];
        // One key buffer for all ballots: only a ballot seen for the first time is copied.
        let mut key: Vec<u64> = Vec::new();
        for ballot in election.ballots() {
            for &(p, pts) in ballot {
                votes[p as usize] += 1;
                score[p as usize] += if approval { 1 } else { i128::from(pts) };
            }
            ballot_key(ballot, &mut key);
            match by_ballot.get(key.as_slice()) {
                Some(&g) => groups[g].weight += 1,
                None => {
                    // The key holds projects from u32 and points as i64 bits.
                    let items = key
                        .chunks_exact(2)
                        .filter(|item| item[1] as i64 > 0)
                        .map(|item| (item[0] as u32, item[1]))
                        .collect();
                    by_ballot.insert(key.clone(), groups.len());
                    groups.push(Group { weight: 1, items });
                }
            }
        }
        let mut supporters = vec![Vec::new(); m];
        let mut total_units = vec![0i128; m];
        for (g, group) in groups.iter().enumerate() {
            for &(p, u) in &group.items {
                supporters[p as usize].push((g as u32, u));
                total_units[p as usize] += i128::from(group.weight) * i128::from(u);
            }
        }
        let sigma = election
            .projects()
            .iter()
            .map(|p| if approval { p.cost } else { 1 })
            .collect();
        Profile {
            n_voters: election.num_voters() as u64,
            groups,
            supporters,
            votes,
            score,
            sigma,
            total_units,
        }
    }

    /// Whether every supporter of every project has one utility unit (approval ballots).
    pub fn unit_utilities(&self) -> bool {
        self.groups
            .iter()
            .all(|g| g.items.iter().all(|&(_, u)| u == 1))
    }
}

/// `ballot`'s items sorted by project, as a flat `[project, points as u64, …]` into `key`:
/// integer slices hash in one write, where a slice of pairs hashes field by field.
fn ballot_key(ballot: &[(u32, i64)], key: &mut Vec<u64>) {
    key.clear();
    for &(p, pts) in ballot {
        key.extend([u64::from(p), pts as u64]);
    }
    let pairs = key.as_mut_slice().as_chunks_mut::<2>().0;
    pairs.sort_unstable_by_key(|item| item[0]);
}
