//! Writing `.pb` files, strictly: only files that describe a valid election are written, in the
//! canonical layout pabulib-checker expects (META keys, PROJECTS and VOTES columns in Pabulib's
//! order, `.` as decimal separator, no blank lines, CSV quoting only where needed).

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
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let io = |e: csv::Error| PbWriteError::Invalid(e.to_string());
    out.write_record(["META"]).map_err(io)?;
    out.write_record(["key", "value"]).map_err(io)?;
    for (k, v) in &file.meta {
        out.write_record([k, v]).map_err(io)?;
    }
    for (title, table) in [("PROJECTS", &file.projects), ("VOTES", &file.votes)] {
        out.write_record([title]).map_err(io)?;
        out.write_record(&table.columns).map_err(io)?;
        for row in &table.rows {
            out.write_record(&row.cells).map_err(io)?;
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| PbWriteError::Invalid(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("cells are UTF-8"))
}

/// Comma-separated list cells as the checker wants them: items trimmed, no empty items.
fn normalise_lists(table: &mut Table, columns: &[&str]) {
    for name in columns {
        if let Some(c) = table.column(name) {
            for row in &mut table.rows {
                let items: Vec<&str> = row.cells[c]
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                row.cells[c] = items.join(",");
            }
        }
    }
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
