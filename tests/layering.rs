//! ARCHITECTURE.md's first invariants, checked on the source: the pure modules (`tally/`,
//! `pabulib/`, `domain/`) never reach the database, HTTP or the clock, and no floating-point
//! value takes part in counting. And each rule's one home: the engine has no command line
//! (that is `cli/tally.rs`), the cycle archive is checked without the database, and the audit
//! hash chain is computed only in `domain/audit_chain.rs`.

use std::path::{Path, PathBuf};

const PURE: [&str; 3] = ["src/tally", "src/pabulib", "src/domain"];

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
    sources(&PURE)
}

/// Each Rust file under `dirs` with its code lines, comments left out.
fn sources(dirs: &[&str]) -> Vec<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in dirs {
        let path = root.join(dir);
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
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
        .collect()
}

/// `sources`, each cut at its unit tests (a `#[cfg(test)]` at the start of a line): tests
/// may read fixture files.
fn production_sources(dirs: &[&str]) -> Vec<(String, Vec<String>)> {
    sources(dirs)
        .into_iter()
        .map(|(name, lines)| {
            let code = lines
                .into_iter()
                .take_while(|l| l != "#[cfg(test)]")
                .collect();
            (name, code)
        })
        .collect()
}

/// Every `word` found in `files`, with its file and line.
fn named_in(files: Vec<(String, Vec<String>)>, words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, lines) in files {
        for line in &lines {
            for word in words.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{name}: `{word}` in `{}`", line.trim()));
            }
        }
    }
    found
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

/// `kurultai tally` (clap, files, exit codes, timing) lives in `cli/tally.rs`, not in the engine.
#[test]
fn the_engine_has_no_command_line() {
    let found = named_in(
        production_sources(&["src/tally"]),
        &[
            "clap",
            "std::fs",
            "std::process",
            "ExitCode",
            "Instant",
            "println!",
        ],
    );
    assert!(
        found.is_empty(),
        "the command line in the engine:\n{}",
        found.join("\n")
    );
}

/// `kurultai verify` checks an archive without the service's database.
#[test]
fn the_archive_never_reaches_the_database() {
    let found = named_in(sources(&["src/archive"]), &["crate::db", "diesel"]);
    assert!(
        found.is_empty(),
        "the archive reaches the database:\n{}",
        found.join("\n")
    );
}

/// The audit chain's rule has one home: no other file hashes entries or walks the chain.
#[test]
fn the_audit_chain_is_computed_in_one_pure_module() {
    const CHAIN: &str = "src/domain/audit_chain.rs";
    let chain = sources(&[CHAIN]);
    assert!(
        named_in(chain, &IMPURE).is_empty(),
        "{CHAIN} must stay pure"
    );
    let others: Vec<_> = sources(&["src"])
        .into_iter()
        .filter(|(name, _)| name != CHAIN)
        .collect();
    let found = named_in(
        others,
        &[
            "fn entry_hash",
            "fn first_break",
            "prev_hash !=",
            "GENESIS_HASH:",
        ],
    );
    assert!(
        found.is_empty(),
        "the audit chain computed outside {CHAIN}:\n{}",
        found.join("\n")
    );
}
