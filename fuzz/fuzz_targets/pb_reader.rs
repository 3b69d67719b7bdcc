//! Any bytes as a `.pb` file: read, turned into an election, every vote checked against the
//! file's META limits, and counted. An error must name a line inside the file; a panic (an
//! overflow included: this target is built with overflow checks) is a crash.
#![no_main]

use kurultai::pabulib;
use kurultai::tally::{tally, Rule, TallyOptions, TieBreak};
use libfuzzer_sys::fuzz_target;

const RULES: [Rule; 7] = Rule::ALL;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count() + 1;
    let named = |line: usize| assert!(line <= lines, "line {line} of a {lines}-line file");
    let file = match pabulib::read_str(&text) {
        Ok(f) => f,
        Err(e) => return named(e.line),
    };
    let election = match file.election() {
        Ok(e) => e,
        Err(e) => return named(e.line),
    };
    match file.vote_violations(&election) {
        Ok((listed, _)) => listed.iter().for_each(|v| named(v.line)),
        Err(e) => named(e.line),
    }
    // The Add1 completions run once per main unit the share grows: bounded, but too slow for
    // a fuzzer on amounts of 10^30 (see tests/adversarial.rs, `bounded_rules`).
    let unit = election.main_unit();
    let largest = election
        .projects()
        .iter()
        .map(|p| p.cost)
        .max()
        .unwrap_or(0);
    let bounded = election.budget() / unit <= 10_000 && largest / unit <= 10_000;
    let rules = if bounded { &RULES[..] } else { &RULES[..3] };
    for &rule in rules {
        let options = TallyOptions {
            rule,
            tie_break: TieBreak::Pabutools,
            record_payments: false,
        };
        let _ = tally(&election, &options);
    }
});
