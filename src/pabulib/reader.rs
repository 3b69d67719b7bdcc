//! Reading `.pb` files, liberally: section titles in any case, blank lines, CSV quoting with `;`,
//! `None` for a missing value, a BOM, `\r\n`. Every error names the line it is about.

use crate::pabulib::model::{MetaLines, PbFile, Row, Table};
use std::fmt;

/// A file that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError {
    /// 1-based line (0 when the problem is not on one line, e.g. a missing section).
    pub line: usize,
    pub message: String,
}

impl PbError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> PbError {
        PbError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for PbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

impl std::error::Error for PbError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Meta,
    Projects,
    Votes,
}

/// Parses the text of a `.pb` file.
pub fn read_str(text: &str) -> Result<PbFile, PbError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv crate's own line count skips blank lines, so lines are counted from byte offsets.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    // A record's position may point at the line terminator before it; skip to its first byte.
    let line_at = |byte: u64| {
        let mut b = byte as usize;
        while b < text.len() && matches!(text.as_bytes()[b], b'\r' | b'\n') {
            b += 1;
        }
        line_starts.partition_point(|&s| s <= b)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut file = PbFile::default();
    let mut meta_lines = Vec::new();
    let mut section = Section::None;
    let mut expect_header = false;
    let mut seen = [false; 3];
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(p.byte()));
            PbError::at(line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        let cells: Vec<String> = record.iter().map(clean).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if let Some(next) = section_title(&cells) {
            let i = next as usize - 1;
            if seen[i] {
                return Err(PbError::at(
                    line,
                    format!("section {} appears twice", cells[0].to_uppercase()),
                ));
            }
            seen[i] = true;
            section = next;
            expect_header = true;
            continue;
        }
        if expect_header {
            expect_header = false;
            let header: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
            match section {
                Section::Meta => {}
                Section::Projects => file.projects.columns = header,
                Section::Votes => file.votes.columns = header,
                Section::None => unreachable!("a header follows a title"),
            }
            continue;
        }
        match section {
            Section::None => {
                return Err(PbError::at(
                    line,
                    "data before the first section title (META)",
                ))
            }
            Section::Meta => {
                let key = cells[0].clone();
                let value = cells.get(1).cloned().unwrap_or_default();
                file.meta.push((key, value));
                meta_lines.push(line);
            }
            Section::Projects => push_row(&mut file.projects, cells, line)?,
            Section::Votes => push_row(&mut file.votes, cells, line)?,
        }
    }
    for (i, name) in ["META", "PROJECTS", "VOTES"].iter().enumerate() {
        if !seen[i] {
            return Err(PbError::at(0, format!("section {name} is missing")));
        }
    }
    file.meta_lines = MetaLines(meta_lines);
    Ok(file)
}

/// Reads a `.pb` file from disk.
pub fn read_path(path: &std::path::Path) -> Result<PbFile, PbError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PbError::at(0, format!("{}: {e}", path.display())))?;
    read_str(&text)
}

fn push_row(table: &mut Table, mut cells: Vec<String>, line: usize) -> Result<(), PbError> {
    if cells.len() > table.columns.len() {
        if cells[table.columns.len()..].iter().any(|c| !c.is_empty()) {
            return Err(PbError::at(
                line,
                format!(
                    "{} fields where the header has {}",
                    cells.len(),
                    table.columns.len()
                ),
            ));
        }
        cells.truncate(table.columns.len());
    }
    cells.resize(table.columns.len(), String::new());
    table.rows.push(Row { cells, line });
    Ok(())
}

/// Trims a cell; `None` (any case) means a missing value.
fn clean(cell: &str) -> String {
    let t = cell.trim();
    if t.eq_ignore_ascii_case("none") {
        String::new()
    } else {
        t.to_string()
    }
}

fn section_title(cells: &[String]) -> Option<Section> {
    if cells[1..].iter().any(|c| !c.is_empty()) {
        return None;
    }
    match cells[0].to_ascii_lowercase().as_str() {
        "meta" => Some(Section::Meta),
        "projects" => Some(Section::Projects),
        "votes" => Some(Section::Votes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_liberally() {
        let text = "\u{feff}meta\r\nkey;value\r\n\r\nbudget;\"1000,5\"\r\nvote_type;approval\r\n\nProjects\nproject_id;cost;name\n1;100;\"a;b\"\n2;None;x\nVOTES\nvoter_id;vote\nv1;\"2,1\"\n";
        let f = read_str(text).unwrap();
        assert_eq!(f.meta("budget"), Some("1000,5"));
        assert_eq!(f.meta_line("vote_type"), 5);
        assert_eq!(f.projects.rows.len(), 2);
        assert_eq!(f.projects.rows[0].cells, vec!["1", "100", "a;b"]);
        assert_eq!(f.projects.rows[1].cells[1], "");
        assert_eq!(f.votes.rows[0].line, 13);
    }

    #[test]
    fn errors_name_the_line() {
        let err =
            read_str("META\nkey;value\nPROJECTS\nproject_id;cost\n1;2;3\nVOTES\nvoter_id;vote\n")
                .unwrap_err();
        assert_eq!(err.line, 5);
        let missing = read_str("META\nkey;value\n").unwrap_err();
        assert!(missing.message.contains("PROJECTS"));
    }
}
