//! A Pabulib file as read: META pairs and the PROJECTS and VOTES tables, cells as text.
//!
//! This is the format's own view (every column kept, in order), separate from the engine's
//! [`crate::tally::Election`]; [`PbFile::election`] turns one into the other. Row line numbers are
//! kept for error messages but are not part of a file's value (two files are equal when their
//! contents are).

/// One data row and the line it came from.
#[derive(Clone, Debug)]
pub struct Row {
    /// Cells aligned with the table's columns; a missing value (`None`, empty) is `""`.
    pub cells: Vec<String>,
    /// 1-based line number in the source (0 for rows built in memory).
    pub line: usize,
}

impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.cells == other.cells
    }
}

impl Eq for Row {}

/// A section's header and rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Index of a column (names compared case-insensitively).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The cell of `row` in column `col`, `""` if the row is short.
    pub fn cell<'a>(&self, row: &'a Row, col: usize) -> &'a str {
        row.cells.get(col).map(String::as_str).unwrap_or("")
    }
}

/// A whole `.pb` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PbFile {
    /// META key/value pairs in file order (keys as written, trimmed).
    pub meta: Vec<(String, String)>,
    /// 1-based line of each META pair (same order; not part of equality).
    pub meta_lines: MetaLines,
    pub projects: Table,
    pub votes: Table,
}

/// Line numbers of META entries (never compared).
#[derive(Clone, Debug, Default)]
pub struct MetaLines(pub Vec<usize>);

impl PartialEq for MetaLines {
    fn eq(&self, _: &MetaLines) -> bool {
        true
    }
}

impl Eq for MetaLines {}

impl PbFile {
    /// The META value for `key` (case-insensitive), if present and not empty.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The line of the META entry `key`, or 0.
    pub fn meta_line(&self, key: &str) -> usize {
        self.meta
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|i| self.meta_lines.0.get(i).copied())
            .unwrap_or(0)
    }

    /// Sets (or adds) a META entry.
    pub fn set_meta(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .meta
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some(entry) => entry.1 = value,
            None => {
                self.meta.push((key.to_string(), value));
                self.meta_lines.0.push(0);
            }
        }
    }
}
