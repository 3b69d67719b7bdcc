//! Writing `.pb` files, strictly: only files that describe a valid election are written, in the
//! canonical layout pabulib-checker expects (META keys, PROJECTS and VOTES columns in Pabulib's
//! order, `.` as decimal separator, no blank lines, CSV quoting only where needed).

use std::io::Write;

use crate::pabulib::convert::VoteChecker;
use crate::pabulib::model::{MetaLines, PbFile, Row, Table};
use crate::tally::Decimal;

/// Why a file was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PbWriteError {
    #[error("META `{0}` is required")]
    MissingMeta(&'static str),
    #[error("META `{key}` is {declared} but the file has {actual}")]
    CountMismatch {
        key: &'static str,
        declared: String,
        actual: usize,
    },
    #[error("the election is not valid: {0}")]
    Invalid(String),
}

/// META keys every file must have.
pub const REQUIRED_META: [&str; 11] = [
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
];

/// Pabulib's META key order (pabulib-checker's `META_FIELDS_ORDER`).
const META_ORDER: &[&str] = &[
    "description",
    "country",
    "unit",
    "district",
    "subunit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
    "min_length",
    "max_length",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "default_score",
    "min_project_cost",
    "max_project_cost",
    "min_project_score_threshold",
    "neighborhoods",
    "subdistricts",
    "categories",
    "edition",
    "language",
    "currency",
    "fully_funded",
    "experimental",
    "comment",
    "acknowledgments",
];

const PROJECT_ORDER: &[&str] = &[
    "project_id",
    "cost",
    "votes",
    "score",
    "name",
    "category",
    "beneficiaries",
    "selected",
    "neighborhood",
    "subunit",
    "district",
    "description",
    "proposer",
    "public_id",
    "latitude",
    "longitude",
];

const VOTE_ORDER: &[&str] = &[
    "voter_id",
    "vote",
    "points",
    "age",
    "sex",
    "voting_method",
    "district",
    "neighborhood",
    "education",
];

impl PbFile {
    /// The same file in canonical form: META keys and columns in Pabulib's order (unknown ones
    /// after, in their order), money with `.` decimals. What [`write_string`] writes.
    pub fn canonical(&self) -> PbFile {
        let mut meta = self.meta.clone();
        sort_by_order(&mut meta, |(k, _)| k.to_ascii_lowercase(), META_ORDER);
        for (k, v) in meta.iter_mut() {
            if k.eq_ignore_ascii_case("budget") {
                if let Ok(d) = Decimal::parse(v) {
                    *v = d.to_string();
                }
            }
        }
        let mut projects = reorder_columns(&self.projects, PROJECT_ORDER);
        if let Some(c) = projects.column("cost") {
            for row in &mut projects.rows {
                if let Ok(d) = Decimal::parse(&row.cells[c]) {
                    row.cells[c] = d.to_string();
                }
            }
        }
        let mut votes = reorder_columns(&self.votes, VOTE_ORDER);
        normalise_lists(&mut projects, &["category", "beneficiaries"]);
        normalise_lists(&mut votes, &["vote", "points"]);
        PbFile {
            meta_lines: MetaLines(vec![0; meta.len()]),
            meta,
            projects,
            votes,
        }
    }
}

/// Writes `file` if it is a complete, valid Pabulib file.
pub fn write_string(file: &PbFile) -> Result<String, PbWriteError> {
    for key in REQUIRED_META {
        if file.meta(key).is_none() {
            return Err(PbWriteError::MissingMeta(key));
        }
    }
    for (key, actual) in [
        ("num_projects", file.projects.rows.len()),
        ("num_votes", file.votes.rows.len()),
    ] {
        let declared = file.meta(key).unwrap_or_default();
        if declared.parse::<usize>().ok() != Some(actual) {
            return Err(PbWriteError::CountMismatch {
                key,
                declared: declared.to_string(),
                actual,
            });
        }
    }
    file.election()
        .map_err(|e| PbWriteError::Invalid(e.message))?;
    check_unique(&file.votes, "voter_id")?;
    // pabulib-checker cannot process a file whose projects have no names.
    if file.projects.column("name").is_none() {
        return Err(PbWriteError::Invalid(
            "PROJECTS needs a `name` column".into(),
        ));
    }
    let file = file.canonical();
    let mut out = pb_csv(Vec::new());
    write_head(&mut out, &file)?;
    for row in &file.votes.rows {
        out.write_record(&row.cells).map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| PbWriteError::Invalid(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("cells are UTF-8"))
}

/// The CSV dialect of `.pb` files.
fn pb_csv<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

fn csv_error(e: csv::Error) -> PbWriteError {
    PbWriteError::Invalid(e.to_string())
}

/// META, PROJECTS, and VOTES up to its column names, of a canonical file.
fn write_head<W: Write>(out: &mut csv::Writer<W>, file: &PbFile) -> Result<(), PbWriteError> {
    out.write_record(["META"]).map_err(csv_error)?;
    out.write_record(["key", "value"]).map_err(csv_error)?;
    for (k, v) in &file.meta {
        out.write_record([k, v]).map_err(csv_error)?;
    }
    out.write_record(["PROJECTS"]).map_err(csv_error)?;
    out.write_record(&file.projects.columns)
        .map_err(csv_error)?;
    for row in &file.projects.rows {
        out.write_record(&row.cells).map_err(csv_error)?;
    }
    out.write_record(["VOTES"]).map_err(csv_error)?;
    out.write_record(&file.votes.columns).map_err(csv_error)
}

/// Writes a `.pb` whose votes come one at a time, so that a file of a million ballots never
/// has to be in memory. As strict as [`write_string`]: the head is checked whole when the
/// writer starts, each vote on its own as it comes, the number of votes against `num_votes`
/// at the end. Voter ids must come as increasing whole numbers (`1, 2, 3…`, as exports write
/// them): that keeps them unique without remembering them.
pub struct PbStreamWriter<W: Write> {
    out: csv::Writer<W>,
    checker: VoteChecker,
    /// For each canonical VOTES column, its index in the caller's rows.
    order: Vec<usize>,
    lists: Vec<bool>,
    voter_id: usize,
    declared: usize,
    written: usize,
    last_id: Option<u64>,
}

impl<W: Write> PbStreamWriter<W> {
    /// Checks `head` (META, PROJECTS, the VOTES columns and no VOTES rows; `num_votes` says
    /// how many will follow) and writes it.
    pub fn start(out: W, head: &PbFile) -> Result<Self, PbWriteError> {
        for key in REQUIRED_META {
            if head.meta(key).is_none() {
                return Err(PbWriteError::MissingMeta(key));
            }
        }
        let count_mismatch = |key, actual| {
            let declared = head.meta(key).unwrap_or_default().to_string();
            PbWriteError::CountMismatch {
                key,
                declared,
                actual,
            }
        };
        let num_projects = head.meta("num_projects").unwrap_or_default();
        if num_projects.parse::<usize>().ok() != Some(head.projects.rows.len()) {
            return Err(count_mismatch("num_projects", head.projects.rows.len()));
        }
        let declared = head
            .meta("num_votes")
            .unwrap_or_default()
            .parse::<usize>()
            .map_err(|_| count_mismatch("num_votes", 0))?;
        if !head.votes.rows.is_empty() {
            return Err(PbWriteError::Invalid(
                "a streamed file's VOTES rows come one at a time".into(),
            ));
        }
        if head.projects.column("name").is_none() {
            return Err(PbWriteError::Invalid(
                "PROJECTS needs a `name` column".into(),
            ));
        }
        let checker = head
            .vote_checker()
            .map_err(|e| PbWriteError::Invalid(e.message))?;
        let canonical = head.canonical();
        let position = |name: &str| {
            head.votes
                .columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
                .expect("canonical columns are the file's columns")
        };
        let order: Vec<usize> = canonical
            .votes
            .columns
            .iter()
            .map(|c| position(c))
            .collect();
        let lists = canonical
            .votes
            .columns
            .iter()
            .map(|c| c == "vote" || c == "points")
            .collect();
        let voter_id = canonical
            .votes
            .column("voter_id")
            .ok_or_else(|| PbWriteError::Invalid("no `voter_id` column".into()))?;
        let mut out = pb_csv(out);
        write_head(&mut out, &canonical)?;
        Ok(PbStreamWriter {
            out,
            checker,
            order,
            lists,
            voter_id,
            declared,
            written: 0,
            last_id: None,
        })
    }

    /// Checks one VOTES row (cells in the head's column order) and writes it.
    pub fn vote(&mut self, row: &Row) -> Result<(), PbWriteError> {
        self.checker
            .check(row)
            .map_err(|e| PbWriteError::Invalid(e.message))?;
        let cells: Vec<String> = self
            .order
            .iter()
            .zip(&self.lists)
            .map(|(&i, &list)| {
                let cell = row.cells.get(i).map_or("", String::as_str);
                if list {
                    normalised_list(cell)
                } else {
                    cell.to_string()
                }
            })
            .collect();
        let id = cells[self.voter_id].parse::<u64>().ok();
        if id.is_none() || id <= self.last_id {
            return Err(PbWriteError::Invalid(format!(
                "voter_id `{}` does not follow `{}` as an increasing number",
                cells[self.voter_id],
                self.last_id.map_or("(start)".into(), |l| l.to_string())
            )));
        }
        self.last_id = id;
        self.out.write_record(&cells).map_err(csv_error)?;
        self.written += 1;
        Ok(())
    }

    /// How many votes were written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Checks that `num_votes` votes were written and hands back the sink.
    pub fn finish(self) -> Result<W, PbWriteError> {
        if self.written != self.declared {
            return Err(PbWriteError::CountMismatch {
                key: "num_votes",
                declared: self.declared.to_string(),
                actual: self.written,
            });
        }
        self.out
            .into_inner()
            .map_err(|e| PbWriteError::Invalid(e.to_string()))
    }
}

/// Comma-separated list cells as the checker wants them: items trimmed, no empty items.
fn normalise_lists(table: &mut Table, columns: &[&str]) {
    for name in columns {
        if let Some(c) = table.column(name) {
            for row in &mut table.rows {
                row.cells[c] = normalised_list(&row.cells[c]);
            }
        }
    }
}

fn normalised_list(cell: &str) -> String {
    let items: Vec<&str> = cell
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    items.join(",")
}

fn check_unique(table: &Table, column: &str) -> Result<(), PbWriteError> {
    let Some(c) = table.column(column) else {
        return Err(PbWriteError::Invalid(format!("no `{column}` column")));
    };
    let mut seen = std::collections::HashSet::new();
    for row in &table.rows {
        let v = table.cell(row, c);
        if v.is_empty() || !seen.insert(v) {
            return Err(PbWriteError::Invalid(format!(
                "`{column}` `{v}` is empty or repeated"
            )));
        }
    }
    Ok(())
}

/// Stable sort of `items` by the position of their key in `order` (unknown keys last).
fn sort_by_order<T>(items: &mut [T], key: impl Fn(&T) -> String, order: &[&str]) {
    items.sort_by_key(|item| {
        let k = key(item);
        order.iter().position(|o| *o == k).unwrap_or(order.len())
    });
}

fn reorder_columns(table: &Table, order: &[&str]) -> Table {
    let mut idx: Vec<usize> = (0..table.columns.len()).collect();
    sort_by_order(&mut idx, |&i| table.columns[i].to_ascii_lowercase(), order);
    Table {
        columns: idx
            .iter()
            .map(|&i| table.columns[i].to_ascii_lowercase())
            .collect(),
        rows: table
            .rows
            .iter()
            .map(|r| Row {
                cells: idx.iter().map(|&i| r.cells[i].clone()).collect(),
                line: 0,
            })
            .collect(),
    }
}
