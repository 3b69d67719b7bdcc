//! `kurultai tally` end to end: output, JSON schema, and exit status 2 naming the line.

use std::process::Command;

const FILE: &str = "META
key;value
description;cli test
country;Kazakhstan
unit;Almaty
instance;2025
num_projects;2
num_votes;2
budget;10
vote_type;approval
rule;greedy
date_begin;2025
date_end;2025
PROJECTS
project_id;cost;name
a;6;A
b;5;B
VOTES
voter_id;vote
1;a,b
2;a
";

fn kurultai(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kurultai"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn counts_a_file_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.pb");
    std::fs::write(&path, FILE).unwrap();
    let out = kurultai(&[
        "tally",
        path.to_str().unwrap(),
        "--rule",
        "greedy",
        "--json",
    ]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], "kurultai.tally/1");
    assert_eq!(json["selected"], serde_json::json!(["a"]));
    assert_eq!(json["budget_left"], "4");
    let human = kurultai(&["tally", path.to_str().unwrap(), "--rule", "greedy"]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("total spent: 6") && text.contains("budget left: 4"),
        "{text}"
    );
}

#[test]
fn malformed_file_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pb");
    std::fs::write(&path, FILE.replace("b;5;B", "b;five;B")).unwrap();
    let out = kurultai(&["tally", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("line 17"), "{err}");
}

/// A cumulative file whose vote on line 21 breaks `max_sum_points` (finding 1 of issue 15: the
/// points wrap an i64 sum to exactly 10).
const WRAPPED: &str = "META
key;value
description;finding 1
country;Turkey
unit;Izmir
instance;2026
num_projects;3
num_votes;2
budget;300
vote_type;cumulative
max_sum_points;10
rule;greedy
PROJECTS
project_id;cost;name
p0;100;P0
p1;100;P1
p2;100;P2
VOTES
voter_id;vote;points
1;p0;10
2;p1,p2,p0;9223372036854775807,9223372036854775807,12
";

#[test]
fn a_vote_beyond_the_files_declared_limits_is_exit_2_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrapped.pb");
    std::fs::write(&path, WRAPPED).unwrap();
    let file = path.to_str().unwrap();
    let out = kurultai(&["tally", file, "--rule", "greedy"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 21: vote of voter `2`: 18446744073709551626 points in all, more than max_sum_points 10"),
        "{err}"
    );
    // Research data that breaks its own rules can still be counted, on purpose and aloud.
    let out = kurultai(&["tally", file, "--rule", "greedy", "--accept-invalid-votes"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("counted anyway: line 21"));
    // A declared limit that is no number is exit 2 on its META line.
    std::fs::write(
        &path,
        WRAPPED.replace("max_sum_points;10", "max_sum_points;ten"),
    )
    .unwrap();
    let out = kurultai(&["tally", file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 11: max_sum_points `ten`"));
}

/// Every fixture from Pabulib is either within its declared limits (counted as before) or
/// refused with exit 2 naming a vote's line; `--accept-invalid-votes` counts it either way.
#[test]
fn real_files_are_checked_against_their_own_meta() {
    let dir = std::env::var_os("KURULTAI_PABULIB_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/pabulib")
        });
    if !dir.is_dir() {
        eprintln!("SKIPPED: no Pabulib fixtures at {}", dir.display());
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pb"))
        .collect();
    files.sort();
    for path in files {
        let file = path.to_str().unwrap();
        let strict = kurultai(&["tally", file, "--rule", "greedy"]);
        let err = String::from_utf8_lossy(&strict.stderr);
        match strict.status.code() {
            Some(0) => {}
            Some(2) => {
                assert!(err.contains(": vote of voter `"), "{file}: {err}");
                eprintln!("{err}");
            }
            other => panic!("{file}: exit {other:?}: {err}"),
        }
        let lenient = kurultai(&["tally", file, "--rule", "greedy", "--accept-invalid-votes"]);
        assert_eq!(lenient.status.code(), Some(0), "{file}");
    }
}
