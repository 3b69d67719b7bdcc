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
