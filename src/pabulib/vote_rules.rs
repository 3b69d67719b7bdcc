//! The limits a `.pb` file declares for every vote in its META (`min_length`, `max_length`,
//! `min_sum_cost`, `max_sum_cost`, `min_points`, `max_points`, `min_sum_points`,
//! `max_sum_points`), and the check of every vote against them.
//!
//! Counting a file must not trust that its votes respect its own rules: a ballot that wrapped an
//! integer sum on the way in (issue 15, finding 1) reached a signed archive whose META said
//! `max_sum_points;10` while the vote held two times `i64::MAX`. [`PbFile::vote_violations`]
//! is what `kurultai tally` and `kurultai verify` run before they count.
//!
//! Only what the file declares is checked, plus the format's own defaults that no real ballot
//! can break (`min_points` and `min_sum_points` are 0 for cumulative votes: a negative point
//! takes support away from a project). Every sum is exact: lengths are `usize`, costs `i128`
//! with a checked sum, points summed as `i128` (a sum of `i64` cannot leave it).

use crate::pabulib::model::PbFile;
use crate::pabulib::reader::PbError;
use crate::tally::{Decimal, Election, VoteKind};

/// The per-vote limits declared in META, with money at the election's engine scale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoteRules {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// Approval votes: the cost of the named projects together, in engine units.
    pub min_sum_cost: Option<i128>,
    pub max_sum_cost: Option<i128>,
    /// Cumulative and scoring votes: each project's points.
    pub min_points: Option<i128>,
    pub max_points: Option<i128>,
    /// Cumulative votes: the points of the vote together.
    pub min_sum_points: Option<i128>,
    pub max_sum_points: Option<i128>,
}

/// At most this many broken votes are listed; the count of all is still given.
pub const LISTED_VIOLATIONS: usize = 20;

impl PbFile {
    /// The limits META declares for votes of `election` (built from this file). A declared
    /// value that is not a number of its kind is an error naming its META line.
    pub fn vote_rules(&self, election: &Election) -> Result<VoteRules, PbError> {
        let kind = election.kind();
        let points = matches!(kind, VoteKind::Cumulative | VoteKind::Scoring);
        let cumulative = kind == VoteKind::Cumulative;
        let scale = election.scale();
        Ok(VoteRules {
            min_length: self.meta_count("min_length")?,
            max_length: self.meta_count("max_length")?,
            min_sum_cost: self
                .meta_money("min_sum_cost", scale, Round::Up)?
                .filter(|_| kind.is_approval()),
            max_sum_cost: self
                .meta_money("max_sum_cost", scale, Round::Down)?
                .filter(|_| kind.is_approval()),
            min_points: match self.meta_points("min_points")? {
                Some(p) if points => Some(p),
                _ => cumulative.then_some(0),
            },
            max_points: self.meta_points("max_points")?.filter(|_| points),
            min_sum_points: match self.meta_points("min_sum_points")? {
                Some(p) if cumulative => Some(p),
                _ => cumulative.then_some(0),
            },
            max_sum_points: self.meta_points("max_sum_points")?.filter(|_| cumulative),
        })
    }

    /// Every vote that breaks the declared limits (the first [`LISTED_VIOLATIONS`], each
    /// naming its line and voter), and how many there are in all.
    pub fn vote_violations(&self, election: &Election) -> Result<(Vec<PbError>, usize), PbError> {
        let rules = self.vote_rules(election)?;
        let voter_col = self.votes.column("voter_id");
        let mut listed = Vec::new();
        let mut total = 0;
        for (i, ballot) in election.ballots().enumerate() {
            let Some(why) = rules.broken_by(election, ballot) else {
                continue;
            };
            total += 1;
            if listed.len() < LISTED_VIOLATIONS {
                let row = self.votes.rows.get(i);
                let voter = match (row, voter_col) {
                    (Some(r), Some(c)) => self.votes.cell(r, c),
                    _ => "",
                };
                let line = row.map_or(0, |r| r.line);
                listed.push(PbError::at(line, format!("vote of voter `{voter}`: {why}")));
            }
        }
        Ok((listed, total))
    }

    /// The first vote that breaks the declared limits, as an error naming its line.
    pub fn check_votes(&self, election: &Election) -> Result<(), PbError> {
        let (listed, total) = self.vote_violations(election)?;
        match listed.into_iter().next() {
            None => Ok(()),
            Some(first) if total == 1 => Err(first),
            Some(first) => Err(PbError::at(
                first.line,
                format!("{} (and {} more invalid vote(s))", first.message, total - 1),
            )),
        }
    }

    fn meta_count(&self, key: &str) -> Result<Option<usize>, PbError> {
        self.meta(key)
            .map(|v| {
                v.parse::<usize>().map_err(|_| {
                    PbError::at(
                        self.meta_line(key),
                        format!("{key} `{v}` is not a whole number of projects"),
                    )
                })
            })
            .transpose()
    }

    fn meta_points(&self, key: &str) -> Result<Option<i128>, PbError> {
        self.meta(key)
            .map(|v| {
                Decimal::parse(v)
                    .ok()
                    .and_then(|d| d.at_scale(0))
                    .ok_or_else(|| {
                        PbError::at(
                            self.meta_line(key),
                            format!("{key} `{v}` is not a whole number of points"),
                        )
                    })
            })
            .transpose()
    }

    fn meta_money(&self, key: &str, scale: u32, round: Round) -> Result<Option<i128>, PbError> {
        let Some(v) = self.meta(key) else {
            return Ok(None);
        };
        let bad = |why: &str| PbError::at(self.meta_line(key), format!("{key} `{v}` {why}"));
        let d = Decimal::parse(v).map_err(|_| bad("is not an amount of money"))?;
        at_scale_rounded(d, scale, round)
            .map(Some)
            .ok_or_else(|| bad("is out of range"))
    }
}

#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// `d` in units of `10^-scale`, rounded when it has more decimals (a sum of costs at `scale`
/// is ≤ d exactly when it is ≤ floor(d), and ≥ d when ≥ ceil(d)).
fn at_scale_rounded(d: Decimal, scale: u32, round: Round) -> Option<i128> {
    if d.scale <= scale {
        return d.at_scale(scale);
    }
    let f = 10i128.checked_pow(d.scale - scale)?;
    Some(match round {
        Round::Down => d.units.div_euclid(f),
        Round::Up => -((-d.units).div_euclid(f)),
    })
}

impl VoteRules {
    /// Why `ballot` (as the election holds it) breaks these limits, if it does.
    pub fn broken_by(&self, election: &Election, ballot: &[(u32, i64)]) -> Option<String> {
        let len = ballot.len();
        if let Some(min) = self.min_length.filter(|&m| len < m) {
            return Some(format!("{len} projects, fewer than min_length {min}"));
        }
        if let Some(max) = self.max_length.filter(|&m| len > m) {
            return Some(format!("{len} projects, more than max_length {max}"));
        }
        if self.min_sum_cost.is_some() || self.max_sum_cost.is_some() {
            let cost = ballot
                .iter()
                .try_fold(0i128, |sum, &(p, _)| {
                    sum.checked_add(election.projects()[p as usize].cost)
                })
                .unwrap_or(i128::MAX);
            if let Some(max) = self.max_sum_cost.filter(|&m| cost > m) {
                return Some(format!(
                    "its projects cost {}, more than max_sum_cost {}",
                    election.money(cost),
                    election.money(max)
                ));
            }
            if let Some(min) = self.min_sum_cost.filter(|&m| cost < m) {
                return Some(format!(
                    "its projects cost {}, less than min_sum_cost {}",
                    election.money(cost),
                    election.money(min)
                ));
            }
        }
        if let Some(why) = self.broken_points(election, ballot) {
            return Some(why);
        }
        None
    }

    fn broken_points(&self, election: &Election, ballot: &[(u32, i64)]) -> Option<String> {
        let id = |p: u32| &election.projects()[p as usize].id;
        for &(p, pts) in ballot {
            let pts = i128::from(pts);
            if let Some(min) = self.min_points.filter(|&m| pts < m) {
                return Some(format!(
                    "{pts} points for `{}`, fewer than min_points {min}",
                    id(p)
                ));
            }
            if let Some(max) = self.max_points.filter(|&m| pts > m) {
                return Some(format!(
                    "{pts} points for `{}`, more than max_points {max}",
                    id(p)
                ));
            }
        }
        if self.min_sum_points.is_none() && self.max_sum_points.is_none() {
            return None;
        }
        // 2^64 entries of i64 would be needed to leave i128.
        let total: i128 = ballot.iter().map(|&(_, p)| i128::from(p)).sum();
        if let Some(max) = self.max_sum_points.filter(|&m| total > m) {
            return Some(format!(
                "{total} points in all, more than max_sum_points {max}"
            ));
        }
        if let Some(min) = self.min_sum_points.filter(|&m| total < m) {
            return Some(format!(
                "{total} points in all, fewer than min_sum_points {min}"
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pabulib::read_str;

    fn file(meta: &str, votes: &str) -> PbFile {
        read_str(&format!(
            "META\nkey;value\nbudget;10\nvote_type;cumulative\n{meta}PROJECTS\nproject_id;cost\n\
             a;1\nb;2\nc;3\nVOTES\nvoter_id;vote;points\n{votes}"
        ))
        .unwrap()
    }

    #[test]
    fn the_wrapped_ballot_of_issue_15_is_refused_on_its_line() {
        let f = file(
            "max_sum_points;10\n",
            "1;a;10\n2;a,b,c;9223372036854775807,9223372036854775807,12\n",
        );
        let e = f.election().unwrap();
        let err = f.check_votes(&e).unwrap_err();
        assert_eq!(err.line, 14, "{err}");
        assert!(err.message.contains("voter `2`"), "{err}");
        assert!(
            err.message.contains("18446744073709551626 points in all"),
            "{err}"
        );
    }

    #[test]
    fn negative_points_break_the_cumulative_default() {
        let f = file("max_sum_points;10\n", "1;a,b;-5,15\n");
        let e = f.election().unwrap();
        assert!(f
            .check_votes(&e)
            .unwrap_err()
            .message
            .contains("min_points 0"));
    }

    #[test]
    fn a_bad_limit_names_its_meta_line() {
        let f = file("max_sum_points;lots\n", "1;a;1\n");
        let e = f.election().unwrap();
        assert_eq!(f.check_votes(&e).unwrap_err().line, 5);
    }

    #[test]
    fn a_ranking_longer_than_max_length_is_refused() {
        // Ranks past k would score 0 and below (k − r): such a vote takes points away.
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fuzz/ranked_past_max_length.pb"
        ))
        .unwrap();
        let f = read_str(&text).unwrap();
        let e = f.election().unwrap();
        let err = f.check_votes(&e).unwrap_err();
        assert_eq!(err.line, 13, "{err}");
        assert!(
            err.message.contains("3 projects, more than max_length 2"),
            "{err}"
        );
    }

    #[test]
    fn money_limits_with_more_decimals_round_the_right_way() {
        let d = Decimal::parse("10.5").unwrap();
        assert_eq!(at_scale_rounded(d, 0, Round::Down), Some(10));
        assert_eq!(at_scale_rounded(d, 0, Round::Up), Some(11));
        let n = Decimal::parse("-10.5").unwrap();
        assert_eq!(at_scale_rounded(n, 0, Round::Down), Some(-11));
        assert_eq!(at_scale_rounded(n, 0, Round::Up), Some(-10));
    }
}
