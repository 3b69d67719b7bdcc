//! Tie-breaking orders, fixed before counting starts.
//!
//! A tie-breaking rule is turned into one total order of the projects (a rank per project, lower
//! wins) before any rule runs, so no decision depends on hash order or on the order of ballots.
//!
//! * `pabutools`: pabutools' default `lexico_tie_breaking`: the smallest `project_id` string wins,
//!   comparing code points (`"10" < "9"`). Rust compares `String`s by UTF-8 bytes, which orders
//!   exactly as code points do.
//! * `equalshares`: equalshares.net's order: lower cost first, then more votes, then a random
//!   order drawn from a published seed. The random order is a Fisher–Yates shuffle of the projects
//!   (in election order) driven by ChaCha8 seeded with `seed` (`rand_chacha::ChaCha8Rng::seed_from_u64`),
//!   drawing each index by rejection sampling from `next_u64` so the stream is fully specified here.

use crate::tally::election::Election;
use crate::tally::profile::Profile;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Which tie-breaking order a tally uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum TieBreak {
    /// Smallest project id (by code points) wins.
    Pabutools,
    /// Lower cost, then more votes, then a random order from `seed`.
    #[serde(rename = "equalshares")]
    EqualShares {
        /// The published seed of the random order.
        seed: u64,
    },
}

/// rank[p] for every project; a lower rank wins a tie.
pub(crate) fn ranks(election: &Election, profile: &Profile, tie: TieBreak) -> Vec<u32> {
    let projects = election.projects();
    let mut order: Vec<usize> = (0..projects.len()).collect();
    match tie {
        TieBreak::Pabutools => order.sort_by(|&a, &b| projects[a].id.cmp(&projects[b].id)),
        TieBreak::EqualShares { seed } => {
            let random = random_positions(projects.len(), seed);
            order.sort_by(|&a, &b| {
                projects[a]
                    .cost
                    .cmp(&projects[b].cost)
                    .then(profile.votes[b].cmp(&profile.votes[a]))
                    .then(random[a].cmp(&random[b]))
            });
        }
    }
    let mut rank = vec![0u32; projects.len()];
    for (r, &p) in order.iter().enumerate() {
        rank[p] = r as u32;
    }
    rank
}

/// position[p] of project p in the seeded random order.
pub fn random_positions(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = uniform_below(&mut rng, i as u64 + 1) as usize;
        perm.swap(i, j);
    }
    let mut position = vec![0; n];
    for (pos, &p) in perm.iter().enumerate() {
        position[p] = pos;
    }
    position
}

/// A uniform integer in `0..bound` without modulo bias.
fn uniform_below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % bound;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_order_is_a_permutation_fixed_by_the_seed() {
        let a = random_positions(50, 7);
        let b = random_positions(50, 7);
        let c = random_positions(50, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
