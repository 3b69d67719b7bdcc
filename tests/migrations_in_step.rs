//! The SQLite and PostgreSQL migration trees must have the same steps, by name, each with an
//! `up.sql` and a `down.sql`, and create the same tables and columns.

use std::collections::BTreeSet;
use std::path::Path;

fn steps(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).exists(),
                    "{} lacks {file}",
                    entry.path().display()
                );
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_steps() {
    let sqlite = steps("sqlite");
    let postgres = steps("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migration trees differ");
}

/// The tables and columns after every step: `CREATE TABLE name (col …, …)`, `ADD COLUMN`,
/// `DROP COLUMN`, `DROP TABLE` and `RENAME TO`, read line by line — a crude reading, but
/// enough to see a column added or dropped on one side only.
fn columns(backend: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for step in steps(backend) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend)
            .join(&step)
            .join("up.sql");
        let sql = std::fs::read_to_string(path).unwrap();
        let mut table: Option<String> = None;
        for line in sql.lines().map(str::trim) {
            let unquoted = |w: &str| w.trim_end_matches(';').trim_matches('"').to_string();
            if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                // `CREATE TABLE x AS SELECT …` names no columns of its own.
                table = line
                    .ends_with('(')
                    .then(|| rest.split_whitespace().next().map(unquoted))
                    .flatten();
            } else if line.starts_with(')') {
                table = None;
            } else if let (Some(t), Some(word)) = (&table, line.split_whitespace().next()) {
                let is_constraint = ["UNIQUE", "CHECK", "PRIMARY", "FOREIGN", "CONSTRAINT"]
                    .contains(&word.trim_end_matches('('));
                if !is_constraint && !word.starts_with("--") {
                    out.insert((t.clone(), word.to_string()));
                }
            }
            if let Some(rest) = line.strip_prefix("DROP TABLE ") {
                let t = unquoted(rest.split_whitespace().last().unwrap_or_default());
                out.retain(|(table, _)| *table != t);
            }
            if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                let words: Vec<String> = rest.split_whitespace().map(unquoted).collect();
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                match words.as_slice() {
                    [t, "ADD", "COLUMN", c, ..] => {
                        out.insert((t.to_string(), c.to_string()));
                    }
                    [t, "DROP", "COLUMN", c, ..] => {
                        out.remove(&(t.to_string(), c.to_string()));
                    }
                    [from, "RENAME", "TO", to] => {
                        let moved: Vec<_> =
                            out.iter().filter(|(t, _)| t == from).cloned().collect();
                        for (t, c) in moved {
                            out.remove(&(t, c.clone()));
                            out.insert((to.to_string(), c));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

#[test]
fn both_backends_create_the_same_columns() {
    let sqlite = columns("sqlite");
    assert_eq!(sqlite, columns("postgres"));
    // Dropped columns and helper tables are read as gone.
    assert!(sqlite.contains(&("ballots".into(), "cast_at".into())));
    assert!(!sqlite.contains(&("ballots".into(), "voter_district_id".into())));
    assert!(!sqlite
        .iter()
        .any(|(t, _)| t == "ballots_new" || t == "receipts_copy"));
}
