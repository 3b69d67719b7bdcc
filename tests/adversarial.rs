//! Numbers from outside, at their extremes (issue 15, "What it must show" 2): every ballot
//! kind's check against an independent model computed without any fixed-width sum, and the
//! `.pb` reader, conversion, vote check and tally on hostile files. Debug builds check every
//! integer operation, so a wrap anywhere in these paths fails the test as a panic.

use kurultai::pabulib;
use kurultai::tally::ballot::KindRules;
use kurultai::tally::election::MAX_MONEY_UNITS;
use kurultai::tally::{
    tally, Ballot, BallotRules, Decimal, Election, ProjectSpec, Rule, TallyOptions, TieBreak,
    VoteKind,
};
use proptest::prelude::*;

/// Integers where arithmetic breaks, and small ones where rules decide.
fn extreme_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -3i64..15,
        1 => Just(i64::MIN),
        1 => Just(i64::MIN + 1),
        1 => Just(i64::MAX),
        1 => Just(i64::MAX - 1),
        1 => Just(i64::MAX / 2 + 1),
        1 => any::<i64>(),
    ]
}

fn extreme_i128() -> impl Strategy<Value = i128> {
    prop_oneof![
        3 => -3i128..40,
        1 => Just(i128::MAX),
        1 => Just(i128::MAX / 2 + 1),
        1 => Just(i128::from(i64::MAX)),
        1 => Just(10i128.pow(30)),
    ]
}

/// Project ids `p0…`, and `zz`, which is never on the ballot.
fn id(i: usize, m: usize) -> String {
    if i < m {
        format!("p{i}")
    } else {
        "zz".into()
    }
}

#[derive(Clone, Debug)]
struct Case {
    costs: Vec<i128>,
    rules: BallotRules,
    /// (project index, points); an index equal to the number of projects is unknown.
    entries: Vec<(usize, i64)>,
    /// Which shape of ballot is sent (0 approval, 1 points, 2 ranking).
    shape: u8,
}

fn kind_rules() -> impl Strategy<Value = KindRules> {
    prop_oneof![
        Just(KindRules::Approval),
        (extreme_i128(), extreme_i128())
            .prop_map(|(max_cost, min_cost)| KindRules::Knapsack { max_cost, min_cost }),
        (
            proptest::option::of(extreme_i64()),
            extreme_i64(),
            extreme_i64()
        )
            .prop_map(|(max_per_project, min_total, max_total)| {
                KindRules::Cumulative {
                    max_per_project,
                    min_total,
                    max_total,
                }
            }),
        (0usize..8).prop_map(|k| KindRules::Ranked { k }),
        (extreme_i64(), extreme_i64()).prop_map(|(min_points, max_points)| KindRules::Scoring {
            min_points,
            max_points
        }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..6).prop_flat_map(|m| {
        (
            proptest::collection::vec(
                prop_oneof![3 => 0i128..50, 1 => Just(MAX_MONEY_UNITS), 1 => Just(MAX_MONEY_UNITS - 1)],
                m,
            ),
            kind_rules(),
            0usize..4,
            proptest::option::of(0usize..6),
            proptest::collection::vec((0..=m, extreme_i64()), 0..10),
            0u8..3,
        )
            .prop_map(
                |(costs, kind, min_selections, max_selections, entries, shape)| Case {
                    costs,
                    rules: BallotRules {
                        kind,
                        min_selections,
                        max_selections,
                    },
                    entries,
                    shape,
                },
            )
    })
}

fn election_of(costs: &[i128]) -> Election {
    let projects = costs
        .iter()
        .enumerate()
        .map(|(i, &units)| ProjectSpec {
            id: format!("p{i}"),
            cost: Decimal { units, scale: 0 },
        })
        .collect();
    let budget = Decimal {
        units: 100,
        scale: 0,
    };
    Election::new(budget, projects, VoteKind::Approval, vec![]).unwrap()
}

fn ballot_of(c: &Case) -> Ballot {
    let m = c.costs.len();
    let ids = || c.entries.iter().map(|&(i, _)| id(i, m)).collect();
    match c.shape {
        0 => Ballot::Approval(ids()),
        1 => Ballot::Points(c.entries.iter().map(|&(i, p)| (id(i, m), p)).collect()),
        _ => Ballot::Ranking(ids()),
    }
}

/// The model: the first rule broken, by the same order of checks, every sum a big integer.
fn model(c: &Case) -> Result<(), &'static str> {
    let m = c.costs.len();
    let shape_ok = matches!(
        (&c.rules.kind, c.shape),
        (KindRules::Approval | KindRules::Knapsack { .. }, 0)
            | (KindRules::Cumulative { .. } | KindRules::Scoring { .. }, 1)
            | (KindRules::Ranked { .. }, 2)
    );
    if !shape_ok {
        return Err("wrong_ballot_type");
    }
    let points = c.shape == 1;
    let mut seen = Vec::new();
    for &(i, _) in &c.entries {
        if i >= m {
            return Err("proposal_not_on_ballot");
        }
        if seen.contains(&i) {
            return Err("duplicate_selection");
        }
        seen.push(i);
    }
    let n = c.entries.len();
    if n < c.rules.min_selections {
        return Err("too_few_selections");
    }
    let max = match c.rules.kind {
        KindRules::Ranked { k } => Some(c.rules.max_selections.map_or(k, |x| x.min(k))),
        _ => c.rules.max_selections,
    };
    if max.is_some_and(|x| n > x) {
        return Err("too_many_selections");
    }
    let pts = |i: usize| if points { c.entries[i].1 } else { 1 };
    match c.rules.kind {
        KindRules::Approval | KindRules::Ranked { .. } => Ok(()),
        KindRules::Knapsack { max_cost, min_cost } => {
            let total: num_bigint::BigInt = c.entries.iter().map(|&(i, _)| c.costs[i]).sum();
            if total > max_cost.into() {
                Err("over_budget")
            } else if total < min_cost.into() {
                Err("under_minimum_spend")
            } else {
                Ok(())
            }
        }
        KindRules::Cumulative {
            max_per_project,
            min_total,
            max_total,
        } => {
            for i in 0..n {
                if pts(i) < 0 {
                    return Err("points_out_of_range");
                }
                if max_per_project.is_some_and(|x| pts(i) > x) {
                    return Err("points_exceeded");
                }
            }
            let total: num_bigint::BigInt = (0..n).map(|i| num_bigint::BigInt::from(pts(i))).sum();
            if total > max_total.into() {
                Err("points_total_exceeded")
            } else if total < min_total.into() {
                Err("points_total_too_low")
            } else {
                Ok(())
            }
        }
        KindRules::Scoring {
            min_points,
            max_points,
        } => {
            if (0..n).any(|i| pts(i) < min_points || pts(i) > max_points) {
                Err("points_out_of_range")
            } else {
                Ok(())
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Every ballot kind's check agrees with the exact model, on extreme points, costs, limits,
    /// duplicates and unknown projects; in particular an accepted ballot never carries more
    /// points or cost than its rules allow.
    #[test]
    fn ballot_checks_agree_with_an_exact_model(c in case()) {
        let election = election_of(&c.costs);
        let got = c.rules.validate(&election, &ballot_of(&c)).map_err(|e| e.code());
        prop_assert_eq!(got, model(&c));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Huge ballots (thousands of entries, many repeated): answered, never wrapped.
    #[test]
    fn huge_ballots_are_checked_exactly(
        n in 1000usize..5000,
        pts in extreme_i64(),
        repeat in any::<bool>(),
    ) {
        let m = 200;
        let costs = vec![MAX_MONEY_UNITS; m];
        let election = election_of(&costs);
        let entries: Vec<(usize, i64)> = (0..n).map(|i| (if repeat { i % m } else { i % (m + 1) }, pts)).collect();
        for kind in [
            KindRules::Cumulative { max_per_project: None, min_total: 0, max_total: 10 },
            KindRules::Knapsack { max_cost: i128::MAX, min_cost: 0 },
            KindRules::Scoring { min_points: i64::MIN, max_points: i64::MAX },
        ] {
            let shape = if matches!(kind, KindRules::Knapsack { .. }) { 0 } else { 1 };
            let c = Case { costs: costs.clone(), rules: BallotRules::new(kind), entries: entries.clone(), shape };
            let got = c.rules.validate(&election, &ballot_of(&c)).map_err(|e| e.code());
            prop_assert_eq!(got, model(&c));
        }
    }
}

/// Issue 15, finding 1, as the engine sees it: total 10, no per-project maximum.
#[test]
fn the_wrapping_ballot_of_finding_1_is_refused() {
    let rules = BallotRules::new(KindRules::Cumulative {
        max_per_project: None,
        min_total: 0,
        max_total: 10,
    });
    let election = election_of(&[1, 1, 1]);
    let ballot = Ballot::Points(vec![
        ("p0".into(), i64::MAX),
        ("p1".into(), i64::MAX),
        ("p2".into(), 12),
    ]);
    let err = rules.validate(&election, &ballot).unwrap_err();
    assert_eq!(err.code(), "points_total_exceeded");
    assert_eq!(
        err.to_string(),
        "18446744073709551626 points were given, more than the allowed 10"
    );
}

// ---- the .pb reader, conversion, vote check and tally ----

/// Found by `hostile_pb_files_are_refused_by_line_or_counted`: a cost of `i128::MAX` wrapped
/// greedy's `spent + cost` negative in a release build, and the project was funded. Amounts
/// above 10^30 engine units are now refused, naming the project's line.
#[test]
fn a_cost_that_would_wrap_what_is_spent_is_refused_on_its_line() {
    let text = format!(
        "META\nkey;value\nvote_type;approval\nbudget;9223372036854775807\nPROJECTS\n\
         project_id;cost\np0;1\np1;{}\nVOTES\nvoter_id;vote\n1;p0,p1\n",
        i128::MAX
    );
    let err = pabulib::read_str(&text).unwrap().election().unwrap_err();
    assert_eq!(err.line, 8, "{err}");
    assert!(err.message.contains("project `p1` costs more"), "{err}");
    let budget = "META\nkey;value\nvote_type;approval\nbudget;1000000000000000000000000000000.5\n\
                  PROJECTS\nproject_id;cost\np0;1\nVOTES\nvoter_id;vote\n";
    let err = pabulib::read_str(budget).unwrap().election().unwrap_err();
    assert_eq!(err.line, 4, "{err}");
    // The largest amount still counts, exactly.
    let edge = format!(
        "META\nkey;value\nvote_type;approval\nbudget;{MAX_MONEY_UNITS}\nPROJECTS\n\
         project_id;cost\np0;{MAX_MONEY_UNITS}\np1;{MAX_MONEY_UNITS}\nVOTES\nvoter_id;vote\n1;p0,p1\n2;p1\n"
    );
    let election = pabulib::read_str(&edge).unwrap().election().unwrap();
    // Not the equalshares.net completions: they raise the share one main unit per run while the
    // outcome fits, here 5·10^29 runs (see `bounded_rules`).
    for rule in &RULES[..5] {
        let rule = *rule;
        let options = TallyOptions {
            rule,
            tie_break: TieBreak::Pabutools,
            record_payments: false,
        };
        let r = tally(&election, &options).unwrap();
        assert_eq!(r.selected, ["p1"], "{rule:?}");
    }
}

const RULES: [Rule; 7] = Rule::ALL;

/// Reads `text` the way `kurultai tally` does, then counts it with every rule: whatever the
/// input, an error names a line inside the file, and nothing panics.
fn read_check_count(text: &str) {
    let lines = text.lines().count() + 1;
    let file = match pabulib::read_str(text) {
        Ok(f) => f,
        Err(e) => return assert!(e.line <= lines, "{e} in a file of {lines} lines"),
    };
    let election = match file.election() {
        Ok(e) => e,
        Err(e) => return assert!(e.line <= lines, "{e} in a file of {lines} lines"),
    };
    match file.vote_violations(&election) {
        Ok((listed, _)) => {
            for v in listed {
                assert!(v.line >= 1 && v.line <= lines, "{v}");
            }
        }
        Err(e) => assert!(e.line <= lines, "{e}"),
    }
    for rule in bounded_rules(&election) {
        let options = TallyOptions {
            rule: *rule,
            tie_break: TieBreak::Pabutools,
            record_payments: false,
        };
        let _ = tally(&election, &options);
    }
}

/// The rules whose work is bounded for this election. The Add1 completions run Equal Shares
/// once per main unit the share grows, up to the largest cost: correct, but about as many runs
/// as the budget has main units on a hostile file, so they are left out above 10^4 of them.
fn bounded_rules(election: &Election) -> &'static [Rule] {
    let units = election.budget() / election.main_unit();
    let largest = election
        .projects()
        .iter()
        .map(|p| p.cost)
        .max()
        .unwrap_or(0)
        / election.main_unit();
    if units.max(largest) <= 10_000 {
        &RULES
    } else {
        &RULES[..3]
    }
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..40).prop_map(|n| n.to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just(i64::MAX.to_string()),
        Just(i64::MIN.to_string()),
        Just("9223372036854775808".to_string()),
        Just(i128::MAX.to_string()),
        Just(u128::MAX.to_string()),
        Just("1e9".to_string()),
        Just("0.000000000000000001".to_string()),
        Just("1,5".to_string()),
        Just("None".to_string()),
        Just("".to_string()),
        Just("-0".to_string()),
        Just("+7".to_string()),
    ]
}

/// A `.pb` file built from hostile pieces: every number extreme or malformed at times, votes
/// with repeats and unknown projects, META limits from the same pool.
fn hostile_pb() -> impl Strategy<Value = String> {
    let vote_type = prop_oneof![
        Just("approval"),
        Just("cumulative"),
        Just("scoring"),
        Just("ordinal"),
        Just("choose-1")
    ];
    let limits = proptest::collection::vec(
        (
            prop_oneof![
                Just("min_length"),
                Just("max_length"),
                Just("min_sum_cost"),
                Just("max_sum_cost"),
                Just("min_points"),
                Just("max_points"),
                Just("min_sum_points"),
                Just("max_sum_points"),
            ],
            number_text(),
        ),
        0..4,
    );
    let vote = proptest::collection::vec((0usize..5, number_text()), 0..5);
    (
        vote_type,
        number_text(),
        limits,
        proptest::collection::vec(number_text(), 1..5),
        proptest::collection::vec(vote, 0..6),
    )
        .prop_map(|(vote_type, budget, limits, costs, votes)| {
            let m = costs.len();
            let mut text = format!("META\nkey;value\nvote_type;{vote_type}\nbudget;{budget}\n");
            for (key, value) in limits {
                text += &format!("{key};{value}\n");
            }
            text += "PROJECTS\nproject_id;cost\n";
            for (i, cost) in costs.iter().enumerate() {
                text += &format!("p{i};{cost}\n");
            }
            text += "VOTES\nvoter_id;vote;points\n";
            for (v, entries) in votes.iter().enumerate() {
                let ids: Vec<String> = entries.iter().map(|(i, _)| id(*i, m)).collect();
                let pts: Vec<&str> = entries.iter().map(|(_, p)| p.as_str()).collect();
                text += &format!("{v};\"{}\";\"{}\"\n", ids.join(","), pts.join(","));
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn hostile_pb_files_are_refused_by_line_or_counted(text in hostile_pb()) {
        read_check_count(&text);
    }

    #[test]
    fn arbitrary_text_never_panics_the_reader(text in "(?s).{0,300}") {
        read_check_count(&text);
    }

    #[test]
    fn pb_shaped_noise_never_panics_the_reader(
        text in "(META|PROJECTS|VOTES|key;value|project_id;cost|voter_id;vote;points|budget;|vote_type;(approval|cumulative|ordinal)|p[0-3];-?[0-9]{1,40}|[0-9];\"p[0-3](,p[0-3]){0,3}\";\"-?[0-9]{1,20}(,-?[0-9]{1,20}){0,3}\"|\r?\n|;|\"|,){0,60}"
    ) {
        read_check_count(&text);
    }
}
