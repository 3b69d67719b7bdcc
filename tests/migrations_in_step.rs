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

/// `CREATE TABLE name (col …, …)` → {(table, column)}: a crude reading, but enough to see a
/// column added on one side only.
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
            if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                table = rest.split_whitespace().next().map(str::to_string);
            } else if line.starts_with(')') {
                table = None;
            } else if let (Some(t), Some(word)) = (&table, line.split_whitespace().next()) {
                let is_constraint = ["UNIQUE", "CHECK", "PRIMARY", "FOREIGN", "CONSTRAINT"]
                    .contains(&word.trim_end_matches('('));
                if !is_constraint && !word.starts_with("--") {
                    out.insert((t.clone(), word.to_string()));
                }
            }
            if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                let mut words = rest.split_whitespace();
                if let (Some(t), Some("ADD"), Some("COLUMN"), Some(c)) =
                    (words.next(), words.next(), words.next(), words.next())
                {
                    out.insert((t.to_string(), c.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn both_backends_create_the_same_columns() {
    assert_eq!(columns("sqlite"), columns("postgres"));
}
