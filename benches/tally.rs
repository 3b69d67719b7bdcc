//! Criterion benchmarks of the tally engine (run in release: `cargo bench --bench tally`).
//!
//! * the largest Pabulib fixture (`Poland_Warszawa_2026.pb` in `KURULTAI_PABULIB_DIR`, default
//!   `../shared/fixtures/pabulib`), when present: greedy, Equal Shares without completion and with
//!   the two Add1 completions, Phragmén;
//! * a synthetic approval election of 200,000 voters and 300 projects drawn with a fixed seed.
//!
//! Results and commands are recorded in docs/performance.md.
//!
//! `cargo test --all-targets` also runs this file, unoptimised and without criterion's `--bench`
//! flag; then only a small synthetic election is counted once per rule, as a smoke check (the
//! full set takes minutes unoptimised).

use criterion::{criterion_group, criterion_main, Criterion};
use kurultai::pabulib;
use kurultai::tally::{
    tally, Ballot, Completion, Decimal, Election, ProjectSpec, Rule, TallyOptions, TieBreak,
    VoteKind,
};
use std::path::PathBuf;

fn options(rule: Rule) -> TallyOptions {
    TallyOptions {
        rule,
        tie_break: TieBreak::Pabutools,
        record_payments: false,
    }
}

/// `voters` voters each approving 1–10 of `projects` projects, popularity skewed; seed fixed.
pub fn synthetic(voters: usize, projects: usize) -> Election {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let m = projects;
    let projects: Vec<ProjectSpec> = (0..m)
        .map(|i| ProjectSpec {
            id: format!("p{i}"),
            cost: Decimal {
                units: 10_000 + (next() % 490_000) as i128,
                scale: 0,
            },
        })
        .collect();
    let ballots = (0..voters)
        .map(|_| {
            let k = 1 + next() % 10;
            let mut ids: Vec<String> = (0..k)
                .map(|_| {
                    // Squaring skews choices towards low-numbered projects, as real votes are skewed.
                    let r = (next() % 1000) as f64 / 1000.0;
                    format!("p{}", (r * r * m as f64) as usize)
                })
                .collect();
            ids.sort();
            ids.dedup();
            Ballot::Approval(ids)
        })
        .collect();
    Election::new(
        Decimal {
            units: 20_000_000,
            scale: 0,
        },
        projects,
        VoteKind::Approval,
        ballots,
    )
    .unwrap()
}

fn largest_fixture() -> Option<Election> {
    let dir = std::env::var_os("KURULTAI_PABULIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/pabulib")
        });
    let path = dir.join("Poland_Warszawa_2026.pb");
    if !path.exists() {
        eprintln!(
            "Poland_Warszawa_2026.pb not found in {}; its benchmarks are skipped",
            dir.display()
        );
        return None;
    }
    Some(pabulib::read_path(&path).unwrap().election().unwrap())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("tally");
    group.sample_size(10);
    // Without `--bench` (i.e. under `cargo test`), criterion runs each benchmark once: keep that
    // to a small smoke check.
    if !std::env::args().any(|a| a == "--bench") {
        let s = synthetic(2_000, 30);
        for (name, rule) in [
            ("greedy", Rule::Greedy),
            ("equal_shares_none", Rule::EqualShares(Completion::None)),
            ("equal_shares_add1", Rule::EqualShares(Completion::Add1)),
        ] {
            group.bench_function(format!("synthetic_2k_30/{name}"), |b| {
                b.iter(|| tally(&s, &options(rule)).unwrap())
            });
        }
        group.finish();
        return;
    }
    if let Some(w) = largest_fixture() {
        group.bench_function("warszawa_2026/greedy", |b| {
            b.iter(|| tally(&w, &options(Rule::Greedy)).unwrap())
        });
        group.bench_function("warszawa_2026/equal_shares_none", |b| {
            b.iter(|| tally(&w, &options(Rule::EqualShares(Completion::None))).unwrap())
        });
        group.bench_function("warszawa_2026/equal_shares_add1_greedy", |b| {
            b.iter(|| tally(&w, &options(Rule::EqualShares(Completion::Add1Greedy))).unwrap())
        });
        group.bench_function("warszawa_2026/equal_shares_equalshares_add1", |b| {
            let opts = TallyOptions {
                tie_break: TieBreak::EqualShares { seed: 0 },
                ..options(Rule::EqualShares(Completion::EqualsharesAdd1))
            };
            b.iter(|| tally(&w, &opts).unwrap())
        });
        group.bench_function("warszawa_2026/phragmen", |b| {
            b.iter(|| tally(&w, &options(Rule::Phragmen)).unwrap())
        });
    }
    let s = synthetic(200_000, 300);
    group.bench_function("synthetic_200k_300/greedy", |b| {
        b.iter(|| tally(&s, &options(Rule::Greedy)).unwrap())
    });
    group.bench_function("synthetic_200k_300/equal_shares_none", |b| {
        b.iter(|| tally(&s, &options(Rule::EqualShares(Completion::None))).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
