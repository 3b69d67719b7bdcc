//! From a [`PbFile`] to the engine's [`Election`], following pabutools' reading conventions:
//! `choose-1` is approval with one project; ordinal ballots score `k, k−1, …` with `k` the META
//! `max_length` (else the longest ballot); a repeated project in an approval vote counts once.

use crate::pabulib::model::{PbFile, Row, Table};
use crate::pabulib::reader::PbError;
use crate::tally::{Ballot, Decimal, Election, ElectionError, ProjectSpec, VoteKind};
use std::collections::HashSet;

/// One vote's project ids and (for points ballots) their points.
type VoteList = (Vec<String>, Vec<i64>);

impl PbFile {
    /// The vote type named in META (`choose-1` is reported as is).
    pub fn vote_type(&self) -> Result<&str, PbError> {
        self.meta("vote_type")
            .ok_or_else(|| PbError::at(self.meta_line("vote_type"), "META has no vote_type"))
    }

    /// Builds the election the file describes.
    pub fn election(&self) -> Result<Election, PbError> {
        let vote_type = self.vote_type()?.to_ascii_lowercase();
        let budget_line = self.meta_line("budget");
        let budget = self
            .meta("budget")
            .ok_or_else(|| PbError::at(budget_line, "META has no budget"))
            .and_then(|b| Decimal::parse(b).map_err(|e| PbError::at(budget_line, e.to_string())))?;
        let projects = self.project_specs()?;
        let known: HashSet<&str> = projects.iter().map(|p| p.id.as_str()).collect();
        let lists = self.vote_lists(&known)?;
        let (kind, ballots) = match vote_type.as_str() {
            "approval" | "choose-1" => (
                VoteKind::Approval,
                lists
                    .into_iter()
                    .map(|(ids, _)| Ballot::Approval(dedup(ids)))
                    .collect(),
            ),
            "ordinal" => {
                let k = match self.meta("max_length") {
                    Some(v) => v.parse::<u32>().map_err(|_| {
                        PbError::at(
                            self.meta_line("max_length"),
                            format!("max_length `{v}` is not a number"),
                        )
                    })?,
                    None => lists
                        .iter()
                        .map(|(ids, _)| ids.len() as u32)
                        .max()
                        .unwrap_or(0),
                };
                (
                    VoteKind::Ranked { k },
                    lists
                        .into_iter()
                        .map(|(ids, _)| Ballot::Ranking(ids))
                        .collect(),
                )
            }
            "cumulative" | "scoring" => {
                let kind = if vote_type == "cumulative" {
                    VoteKind::Cumulative
                } else {
                    VoteKind::Scoring
                };
                let ballots = lists
                    .into_iter()
                    .map(|(ids, points)| Ballot::Points(ids.into_iter().zip(points).collect()))
                    .collect();
                (kind, ballots)
            }
            other => {
                return Err(PbError::at(
                    self.meta_line("vote_type"),
                    format!("unknown vote_type `{other}`"),
                ));
            }
        };
        Election::new(budget, projects, kind, ballots).map_err(|e| self.locate(e))
    }

    fn project_specs(&self) -> Result<Vec<ProjectSpec>, PbError> {
        let t = &self.projects;
        let id_col = required_column(t, "project_id", "PROJECTS")?;
        let cost_col = required_column(t, "cost", "PROJECTS")?;
        t.rows
            .iter()
            .map(|row| {
                let id = t.cell(row, id_col);
                if id.is_empty() {
                    return Err(PbError::at(row.line, "project without project_id"));
                }
                let cost = Decimal::parse(t.cell(row, cost_col))
                    .map_err(|e| PbError::at(row.line, format!("cost of project `{id}`: {e}")))?;
                Ok(ProjectSpec {
                    id: id.to_string(),
                    cost,
                })
            })
            .collect()
    }

    /// Each vote's project ids and points (points empty unless the file has a `points` column).
    fn vote_lists(&self, known: &HashSet<&str>) -> Result<Vec<VoteList>, PbError> {
        let reader = VoteReader::of(self)?;
        self.votes
            .rows
            .iter()
            .map(|row| reader.read(row, known))
            .collect()
    }

    /// A check of VOTES rows one at a time, for a file whose votes are written as a stream:
    /// META and PROJECTS (and any rows already in VOTES) are checked now, as [`Self::election`]
    /// would; each later row with [`VoteChecker::check`].
    pub fn vote_checker(&self) -> Result<VoteChecker, PbError> {
        let election = self.election()?;
        Ok(VoteChecker {
            reader: VoteReader::of(self)?,
            known: election.projects().iter().map(|p| p.id.clone()).collect(),
            repeats_allowed: election.kind().is_approval(),
        })
    }
}

/// Where a vote's parts are in VOTES and what they must be.
struct VoteReader {
    vote_col: usize,
    points_col: Option<usize>,
    needs_points: bool,
}

impl VoteReader {
    fn of(file: &PbFile) -> Result<Self, PbError> {
        Ok(VoteReader {
            vote_col: required_column(&file.votes, "vote", "VOTES")?,
            points_col: file.votes.column("points"),
            needs_points: matches!(
                file.vote_type()?.to_ascii_lowercase().as_str(),
                "cumulative" | "scoring"
            ),
        })
    }

    /// One row's project ids and points, each id one of `known`.
    fn read<S: std::borrow::Borrow<str> + Eq + std::hash::Hash>(
        &self,
        row: &Row,
        known: &HashSet<S>,
    ) -> Result<VoteList, PbError> {
        let cell = |c: usize| row.cells.get(c).map_or("", String::as_str);
        let ids = split_list(cell(self.vote_col));
        if let Some(bad) = ids.iter().find(|id| !known.contains(id.as_str())) {
            return Err(PbError::at(
                row.line,
                format!("vote names unknown project `{bad}`"),
            ));
        }
        let points = match self.points_col {
            Some(c) if self.needs_points => parse_points(row, cell(c))?,
            _ => Vec::new(),
        };
        if self.needs_points && points.len() != ids.len() {
            return Err(PbError::at(
                row.line,
                format!("{} projects but {} points", ids.len(), points.len()),
            ));
        }
        Ok((ids, points))
    }
}

/// Checks one VOTES row at a time against META and PROJECTS (see [`PbFile::vote_checker`]).
pub struct VoteChecker {
    reader: VoteReader,
    known: HashSet<String>,
    /// Approval votes may name a project twice (it counts once); other kinds may not.
    repeats_allowed: bool,
}

impl VoteChecker {
    /// Whether the row is a vote the file's election would accept.
    pub fn check(&self, row: &Row) -> Result<(), PbError> {
        let (ids, _) = self.reader.read(row, &self.known)?;
        if !self.repeats_allowed {
            let mut seen = HashSet::with_capacity(ids.len());
            if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
                return Err(PbError::at(
                    row.line,
                    format!("vote names project `{twice}` twice"),
                ));
            }
        }
        Ok(())
    }
}

impl PbFile {
    /// Attaches the line of the offending row to an election error.
    fn locate(&self, e: ElectionError) -> PbError {
        let line = match &e {
            ElectionError::UnknownProject { ballot, .. }
            | ElectionError::DuplicateInBallot { ballot, .. }
            | ElectionError::WrongBallotShape { ballot, .. } => line_of(&self.votes.rows, *ballot),
            ElectionError::DuplicateProject(id)
            | ElectionError::NegativeCost(id)
            | ElectionError::CostTooLarge(id) => {
                let col = self.projects.column("project_id").unwrap_or(0);
                self.projects
                    .rows
                    .iter()
                    .rfind(|r| self.projects.cell(r, col) == id)
                    .map_or(0, |r| r.line)
            }
            ElectionError::NegativeBudget
            | ElectionError::BudgetTooLarge
            | ElectionError::MoneyOutOfRange => self.meta_line("budget"),
        };
        PbError::at(line, e.to_string())
    }
}

fn line_of(rows: &[Row], i: usize) -> usize {
    rows.get(i).map_or(0, |r| r.line)
}

fn required_column(t: &Table, name: &str, section: &str) -> Result<usize, PbError> {
    t.column(name).ok_or_else(|| {
        PbError::at(
            t.rows.first().map_or(0, |r| r.line.saturating_sub(1)),
            format!("{section} has no `{name}` column"),
        )
    })
}

/// Splits a comma-separated list, dropping empty items.
pub(crate) fn split_list(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn parse_points(row: &Row, cell: &str) -> Result<Vec<i64>, PbError> {
    split_list(cell)
        .iter()
        .map(|p| {
            let d = Decimal::parse(p).map_err(|e| PbError::at(row.line, format!("points: {e}")))?;
            d.at_scale(0)
                .and_then(|v| i64::try_from(v).ok())
                .ok_or_else(|| {
                    PbError::at(
                        row.line,
                        format!("points `{p}` are not a whole number within ±{}", i64::MAX),
                    )
                })
        })
        .collect()
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}
