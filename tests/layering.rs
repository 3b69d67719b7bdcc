//! ARCHITECTURE.md's first invariants, checked on the source: the pure modules (`tally/`,
//! `pabulib/`, `domain/`) never reach the database, HTTP or the clock, and no floating-point
//! value takes part in counting. `tally/cli.rs` is the command-line front of the engine (it
//! reads files and times the count), so it is the one file let off.

use std::path::{Path, PathBuf};

const PURE: [&str; 3] = ["src/tally", "src/pabulib", "src/domain"];
const FRONTS: [&str; 1] = ["src/tally/cli.rs"];

/// What a pure module must not name: the database, HTTP, the clock.
const IMPURE: [&str; 9] = [
    "crate::db",
    "diesel",
    "actix_web",
    "reqwest",
    "crate::service",
    "crate::api",
    "Utc::now",
    "SystemTime",
    "Instant::now",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each pure file with its code lines (comments left out: they may name what they avoid).
fn pure_sources() -> Vec<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in PURE {
        rust_files(&root.join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let code = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(str::to_string)
                .collect();
            (name, code)
        })
        .filter(|(name, _)| !FRONTS.contains(&name.as_str()))
        .collect()
}

fn offences(words: &[&str], dirs: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, lines) in pure_sources() {
        if !dirs.iter().any(|d| name.starts_with(d)) {
            continue;
        }
        for line in &lines {
            for word in words.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{name}: `{word}` in `{}`", line.trim()));
            }
        }
    }
    found
}

#[test]
fn pure_modules_never_touch_the_database_http_or_the_clock() {
    let found = offences(&IMPURE, &PURE);
    assert!(
        found.is_empty(),
        "impure code in a pure module:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_floating_point_in_the_count() {
    let found = offences(&["f32", "f64", "as_secs_f"], &["src/tally", "src/pabulib"]);
    assert!(
        found.is_empty(),
        "floating point in the count:\n{}",
        found.join("\n")
    );
}
