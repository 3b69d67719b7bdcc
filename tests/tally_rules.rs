//! Small elections with outcomes checked by hand, one per rule and completion.

use kurultai::tally::{
    tally, Ballot, Completion, Decimal, Election, ProjectSpec, Rule, TallyOptions, TieBreak,
    TraceStep, VoteKind,
};

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn projects(list: &[(&str, &str)]) -> Vec<ProjectSpec> {
    list.iter()
        .map(|(id, c)| ProjectSpec {
            id: id.to_string(),
            cost: d(c),
        })
        .collect()
}

fn approvals(list: &[&[&str]]) -> Vec<Ballot> {
    list.iter()
        .map(|b| Ballot::Approval(b.iter().map(|s| s.to_string()).collect()))
        .collect()
}

fn run(e: &Election, rule: Rule, tie_break: TieBreak) -> Vec<String> {
    tally(
        e,
        &TallyOptions {
            rule,
            tie_break,
            record_payments: false,
        },
    )
    .unwrap()
    .selected
}

/// Budget 10; a (cost 6, 3 votes), b (cost 5, 2 votes), c (cost 4, 1 vote).
fn small() -> Election {
    Election::new(
        d("10"),
        projects(&[("a", "6"), ("b", "5"), ("c", "4")]),
        VoteKind::Approval,
        approvals(&[&["a", "b"], &["a"], &["a", "c"], &["b"]]),
    )
    .unwrap()
}

#[test]
fn greedy_skips_what_does_not_fit_and_goes_on() {
    // a (3 votes) is funded, b (2) does not fit in 4, c (1) fits exactly.
    assert_eq!(run(&small(), Rule::Greedy, TieBreak::Pabutools), ["a", "c"]);
}

#[test]
fn greedy_trace_lists_every_project_in_order() {
    let r = tally(
        &small(),
        &TallyOptions {
            rule: Rule::Greedy,
            tie_break: TieBreak::Pabutools,
            record_payments: false,
        },
    )
    .unwrap();
    let steps: Vec<(String, bool)> = r
        .trace
        .iter()
        .map(|s| match s {
            TraceStep::Greedy {
                project, funded, ..
            } => (project.clone(), *funded),
            other => panic!("unexpected step {other:?}"),
        })
        .collect();
    assert_eq!(
        steps,
        [("a".into(), true), ("b".into(), false), ("c".into(), true)]
    );
    assert_eq!(r.total_cost, "10");
    assert_eq!(r.budget_left, "0");
}

#[test]
fn equal_shares_by_hand() {
    // 4 voters, share 2.5 each. a: supporters v1,v2,v3 hold 7.5 ≥ 6, price 2 each, ρ = 2/6 = 1/3.
    // b: v1, v4 hold 5 ≥ 5, price 2.5 each, ρ = 1/2. c: v3 holds 2.5 < 4.
    // Round 1 buys a (ρ 1/3). Then v1 holds 0.5, v4 2.5: b needs 5 > 3. c: v3 holds 0.5. Stop.
    assert_eq!(
        run(
            &small(),
            Rule::EqualShares(Completion::None),
            TieBreak::Pabutools
        ),
        ["a"]
    );
}

#[test]
fn add1_raises_shares_by_one_main_unit() {
    // Shares 2.5, 3.5, 4.5, … (pabutools). At 3.5: a costs 2 each (v1,v2,v3 left 1.5); b: v1 1.5 +
    // v4 3.5 = 5 ≥ 5 → v1 pays 1.5, v4 3.5; total 11 > 10 → keep the outcome at 2.5: {a}, spend 6.
    // Then greedy by votes adds c (4 fits in 4).
    let e = small();
    assert_eq!(
        run(&e, Rule::EqualShares(Completion::Add1), TieBreak::Pabutools),
        ["a"]
    );
    assert_eq!(
        run(
            &e,
            Rule::EqualShares(Completion::Add1Greedy),
            TieBreak::Pabutools
        ),
        ["a", "c"]
    );
}

#[test]
fn equalshares_add1_starts_from_the_floor_of_the_share() {
    // First run at 2.5 gives {a}; then shares floor(2.5)+1 = 3 → a (2 each), b: v1 has 1, v4 3 → 4 < 5.
    // c: v3 has 1 < 4. Outcome {a} (6 ≤ 10) kept. Share 4: a 2 each; b: v1 2 + v4 4 = 6 ≥ 5 → ρ 2.5/5;
    // v1 pays 2, v4 pays 3; total 11 > 10: stop, keep {a}. Utilitarian completion: b (2 votes) 5 > 4
    // skipped, c fits.
    let e = small();
    let tb = TieBreak::EqualShares { seed: 1 };
    assert_eq!(
        run(&e, Rule::EqualShares(Completion::EqualsharesAdd1), tb),
        ["a"]
    );
    assert_eq!(
        run(&e, Rule::EqualShares(Completion::EqualsharesAdd1u), tb),
        ["a", "c"]
    );
}

#[test]
fn phragmen_stops_at_the_first_project_that_does_not_fit() {
    // Loads: a 6/3 = 2, b 5/2 = 2.5, c 4/1 = 4. Buy a (v1,v2,v3 at 2). Then b: (2 + 0 + 5)/2 = 3.5,
    // c: (2 + 4)/1 = 6. b is best but 6 + 5 > 10: stop, although c would fit.
    assert_eq!(run(&small(), Rule::Phragmen, TieBreak::Pabutools), ["a"]);
}

#[test]
fn pabutools_tie_breaking_compares_ids_as_strings() {
    // Same cost and votes: "10" < "9" by code points.
    let e = Election::new(
        d("5"),
        projects(&[("9", "5"), ("10", "5")]),
        VoteKind::Approval,
        approvals(&[&["9", "10"], &["10", "9"]]),
    )
    .unwrap();
    assert_eq!(run(&e, Rule::Greedy, TieBreak::Pabutools), ["10"]);
    assert_eq!(
        run(&e, Rule::EqualShares(Completion::None), TieBreak::Pabutools),
        ["10"]
    );
}

#[test]
fn equalshares_tie_breaking_prefers_lower_cost_then_more_votes() {
    // Equal votes: cheaper first. x and y both have 2 votes; y is cheaper.
    let e = Election::new(
        d("10"),
        projects(&[("x", "6"), ("y", "5")]),
        VoteKind::Approval,
        approvals(&[&["x", "y"], &["x", "y"]]),
    )
    .unwrap();
    assert_eq!(
        run(&e, Rule::Greedy, TieBreak::EqualShares { seed: 3 }),
        ["y"]
    );
    let r = tally(
        &e,
        &TallyOptions {
            rule: Rule::Greedy,
            tie_break: TieBreak::EqualShares { seed: 3 },
            record_payments: false,
        },
    )
    .unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["tie_break"]["name"], "equalshares");
    assert_eq!(json["tie_break"]["seed"], 3);
}

#[test]
fn ranked_ballots_use_points_k_down() {
    // k = 2: first choice 2 points, second 1. a: 2+2+1 = 5, b: 1+1+2 = 4; budget fits one.
    let e = Election::new(
        d("1"),
        projects(&[("a", "1"), ("b", "1")]),
        VoteKind::Ranked { k: 2 },
        vec![
            Ballot::Ranking(vec!["a".into(), "b".into()]),
            Ballot::Ranking(vec!["a".into(), "b".into()]),
            Ballot::Ranking(vec!["b".into(), "a".into()]),
        ],
    )
    .unwrap();
    assert_eq!(run(&e, Rule::Greedy, TieBreak::Pabutools), ["a"]);
}

#[test]
fn decimal_money_steps_add1_by_one_main_unit() {
    // Budget 10.00, 2 voters: share 5.00. q (2.00) is bought by voter 2; p (8.00) needs voter 1 to
    // hold 8.00. Outcomes at 5, 6, 7 are {q} and not exhaustive (p would still fit); at 8 both are
    // bought, spending 10.00: exhaustive. So exactly 4 shares are tried (in cents: 301).
    let e = Election::new(
        d("10.00"),
        projects(&[("p", "8.00"), ("q", "2.00")]),
        VoteKind::Approval,
        approvals(&[&["p"], &["q"]]),
    )
    .unwrap();
    let options = TallyOptions {
        rule: Rule::EqualShares(Completion::Add1),
        tie_break: TieBreak::Pabutools,
        record_payments: false,
    };
    let r = tally(&e, &options).unwrap();
    assert_eq!(r.selected_sorted(), ["p", "q"]);
    let add1 = r.trace.iter().find_map(|s| match s {
        TraceStep::Add1 {
            first_share,
            kept_share,
            runs,
            ..
        } => Some((
            first_share.decimal.clone(),
            kept_share.decimal.clone(),
            *runs,
        )),
        _ => None,
    });
    assert_eq!(
        add1,
        Some(("5.000000".to_string(), "8.000000".to_string(), 4))
    );
}

#[test]
fn empty_ballots_still_hold_a_share() {
    // 2 voters, one empty: share 5 each. The lone supporter of p (cost 6) cannot pay it.
    let e = Election::new(
        d("10"),
        projects(&[("p", "6")]),
        VoteKind::Approval,
        approvals(&[&["p"], &[]]),
    )
    .unwrap();
    assert!(run(&e, Rule::EqualShares(Completion::None), TieBreak::Pabutools).is_empty());
}

/// Two projects at the same price per supporter in a round: the trace names the one that lost
/// the tie-break (`tied_with`), and a round without a tie writes no such field.
#[test]
fn equal_shares_records_the_ties_it_broke() {
    let e = Election::new(
        d("10"),
        projects(&[("x", "4"), ("y", "4")]),
        VoteKind::Approval,
        approvals(&[&["x"], &["y"], &["x"], &["y"]]),
    )
    .unwrap();
    let r = tally(
        &e,
        &TallyOptions {
            rule: Rule::EqualShares(Completion::None),
            tie_break: TieBreak::Pabutools,
            record_payments: false,
        },
    )
    .unwrap();
    let rounds: Vec<(String, Vec<String>)> = r
        .trace
        .iter()
        .filter_map(|s| match s {
            TraceStep::EqualShares {
                project, tied_with, ..
            } => Some((project.clone(), tied_with.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rounds,
        [
            ("x".to_string(), vec!["y".to_string()]),
            ("y".to_string(), vec![])
        ]
    );
    let json = serde_json::to_value(&r.trace).unwrap();
    assert_eq!(json[0]["tied_with"], serde_json::json!(["y"]));
    assert!(json[1].get("tied_with").is_none(), "{json}");
}
