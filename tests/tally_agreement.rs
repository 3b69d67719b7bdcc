//! Agreement with the reference implementations on real elections.
//!
//! For every `.pb` file in `KURULTAI_PABULIB_DIR` (default `../shared/fixtures/pabulib` next to
//! the crate) and every rule of the fixtures README's mapping table, the selected projects must
//! equal `expected/NAME.json`'s `selected` whenever its `status` is `ok`. Skips, saying so, when
//! the folder is absent. Every outcome is checked, Add1 on Warszawa 2026 included: the whole file
//! takes ≈ 10 s optimised and ≈ 50 s unoptimised (`cargo test --all-targets`) on 2 cores.

use kurultai::pabulib;
use kurultai::tally::{tally, Completion, Rule, TallyOptions, TieBreak};
use std::path::PathBuf;

fn fixture_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KURULTAI_PABULIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/pabulib")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: Pabulib fixtures not found at {} (set KURULTAI_PABULIB_DIR)",
            dir.display()
        );
        None
    }
}

/// The README's mapping: expected key → options.
fn options_for(key: &str) -> TallyOptions {
    let (rule, tie_break) = match key {
        "greedy" => (Rule::Greedy, TieBreak::Pabutools),
        "mes" => (Rule::EqualShares(Completion::None), TieBreak::Pabutools),
        "mes_add1" => (Rule::EqualShares(Completion::Add1), TieBreak::Pabutools),
        "mes_add1_greedy" => (
            Rule::EqualShares(Completion::Add1Greedy),
            TieBreak::Pabutools,
        ),
        "phragmen" => (Rule::Phragmen, TieBreak::Pabutools),
        "checker_mes_add1" => (
            Rule::EqualShares(Completion::EqualsharesAdd1),
            TieBreak::EqualShares { seed: 0 },
        ),
        "checker_mes_add1_greedy" => (
            Rule::EqualShares(Completion::EqualsharesAdd1u),
            TieBreak::EqualShares { seed: 0 },
        ),
        _ => unreachable!("not in the mapping table: {key}"),
    };
    TallyOptions {
        rule,
        tie_break,
        record_payments: false,
    }
}

fn check(keys: &[&str]) {
    let Some(dir) = fixture_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable fixture folder")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pb"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .pb files in {}", dir.display());
    let mut failures = Vec::new();
    let mut compared = 0;
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected_path = dir.join("expected").join(format!("{name}.json"));
        let Ok(text) = std::fs::read_to_string(&expected_path) else {
            eprintln!("no expected outcome for {name}; skipped");
            continue;
        };
        let expected: serde_json::Value = serde_json::from_str(&text).expect("valid expected JSON");
        let election = pabulib::read_path(path)
            .and_then(|f| f.election())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for key in keys {
            let Some(entry) = expected["rules"].get(*key) else {
                continue;
            };
            if entry["status"] != "ok" {
                continue;
            }
            let want: Vec<String> = serde_json::from_value(entry["selected"].clone()).unwrap();
            let got = match tally(&election, &options_for(key)) {
                Ok(r) => r.selected_sorted(),
                Err(e) => {
                    failures.push(format!("{name} {key}: {e}"));
                    continue;
                }
            };
            compared += 1;
            if got != want {
                failures.push(format!("{name} {key}:\n   got  {got:?}\n   want {want:?}"));
            }
        }
    }
    eprintln!("compared {compared} outcomes for {keys:?}");
    assert!(
        failures.is_empty(),
        "disagreements with the reference:\n{}",
        failures.join("\n")
    );
}

#[test]
fn greedy_agrees_with_pabutools() {
    check(&["greedy"]);
}

#[test]
fn equal_shares_agrees_with_pabutools() {
    check(&["mes"]);
}

#[test]
fn equal_shares_add1_agrees_with_pabutools() {
    check(&["mes_add1", "mes_add1_greedy"]);
}

#[test]
fn phragmen_agrees_with_pabutools() {
    check(&["phragmen"]);
}

#[test]
fn equal_shares_add1_agrees_with_equalshares_net() {
    check(&["checker_mes_add1", "checker_mes_add1_greedy"]);
}
