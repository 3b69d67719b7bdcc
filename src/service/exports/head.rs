//! The head of a `.pb`: META (what Pabulib requires, our exact rule in `comment`) and
//! PROJECTS (the frozen ballot with the stored result), in the default language's names and
//! the currency's main units.

use std::collections::HashMap;

use crate::db::budgets::BudgetRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::ProposalRow;
use crate::db::tallies::{ProposalFigures, TallyRow};
use crate::domain::budget::{BallotSpec, BallotType, CompletionName, CountingRule, RuleKind};
use crate::domain::Country;
use crate::pabulib::{PbFile, Row, Table};
use crate::service::scope::CycleScope;
use crate::service::{Error, Result};
use crate::tally::Decimal;

/// Names in the municipality's default language.
pub(super) struct Names {
    pub(super) default: String,
}

impl Names {
    /// The name in the default language (else any) of a row's decoded texts.
    pub(super) fn of(&self, texts: &crate::domain::Texts) -> String {
        crate::domain::translations::pick(texts, &self.default, &self.default)
    }
}

/// Amounts in main units, at the currency's exponent (the tally's own reading).
pub struct Money {
    pub code: String,
    pub exponent: u32,
}

impl Money {
    pub fn of(municipality: &Municipality) -> Result<Self> {
        let currency = municipality.settings.currency;
        Ok(Money {
            code: currency.code().to_string(),
            exponent: u32::from(currency.minor_unit_exponent()),
        })
    }

    pub fn main_units(&self, minor: i64) -> String {
        Decimal::from_units(i128::from(minor), self.exponent).to_string()
    }
}

/// Pabulib's name for our rule; `unknown` where Pabulib has none (Add1 with a greedy
/// completion, Phragmén, greedy by the points of rankings: Pabulib's greedy ranks ordinal
/// projects by votes) — the comment names the exact rule either way.
pub fn pabulib_rule(rule: &CountingRule, ballot: BallotType) -> &'static str {
    match (rule.kind, rule.completion) {
        (RuleKind::Greedy, _) if ballot == BallotType::Ranked => "unknown",
        (RuleKind::Greedy, _) => "greedy",
        (RuleKind::EqualShares, CompletionName::None) => "equalshares",
        (RuleKind::EqualShares, CompletionName::Add1 | CompletionName::EqualsharesAdd1) => {
            "equalshares/add1"
        }
        _ => "unknown",
    }
}

/// The `kurultai tally` options that count the file as the service counted the budget.
pub fn tally_options(rule: &CountingRule) -> String {
    let mut options = format!(
        "--rule {} --completion {} --tie-break {}",
        rule.kind, rule.completion, rule.tie_break
    );
    if let Some(seed) = rule.seed {
        options += &format!(" --seed {seed}");
    }
    options
}

#[allow(clippy::too_many_arguments)]
pub(super) fn meta(
    file: &mut PbFile,
    scope: &CycleScope,
    budget: &BudgetRow,
    district: Option<crate::domain::Texts>,
    names: &Names,
    money: &Money,
    spec: &BallotSpec,
    rule: &CountingRule,
    num_projects: usize,
) -> Result<()> {
    let municipality = &scope.municipality;
    let settings = &municipality.settings;
    let unit =
        crate::domain::translations::pick(&municipality.names, &names.default, &names.default);
    let cycle = names.of(&scope.cycle.names);
    let budget_name = names.of(&budget.names);
    let country = Country::parse(&municipality.country).map_err(Error::internal)?;
    let date = |at: Option<chrono::NaiveDateTime>| {
        let at = at.unwrap_or(scope.cycle.updated_at).and_utc();
        settings
            .time_zone
            .local_date(at)
            .format("%d.%m.%Y")
            .to_string()
    };
    let mut set = |k: &str, v: String| file.set_meta(k, v);
    set(
        "description",
        format!("{unit}, {cycle}: {budget_name} (exported by Kurultai)"),
    );
    set(
        "country",
        country.english_name().unwrap_or(country.code()).to_string(),
    );
    set("unit", unit);
    if let Some(district) = district {
        set("district", names.of(&district));
    }
    set("instance", cycle);
    set("num_projects", num_projects.to_string());
    set("budget", money.main_units(budget.amount_minor));
    let max_length = spec.max_selections.map(|m| m.to_string());
    let vote_type = match spec.ballot_type {
        BallotType::Approval | BallotType::Knapsack => "approval",
        BallotType::Ranked => "ordinal",
        BallotType::Cumulative => "cumulative",
    };
    set("vote_type", vote_type.into());
    set("rule", pabulib_rule(rule, spec.ballot_type).into());
    set("date_begin", date(scope.cycle.voting_opened_at));
    set(
        "date_end",
        date(
            scope
                .cycle
                .voting_closed_at
                .or(scope.cycle.voting_closes_at),
        ),
    );
    set("min_length", spec.min_selections.to_string());
    if let Some(max) = max_length {
        set("max_length", max);
    }
    if let crate::tally::ballot::KindRules::Knapsack { max_cost, min_cost } =
        spec.engine_rules().kind
    {
        if min_cost > 0 {
            set(
                "min_sum_cost",
                Decimal::from_units(min_cost, money.exponent).to_string(),
            );
        }
        set(
            "max_sum_cost",
            Decimal::from_units(max_cost, money.exponent).to_string(),
        );
    }
    if spec.ballot_type == BallotType::Cumulative {
        set("min_points", "1".into());
        if let Some(each) = spec.max_points_per_proposal {
            set("max_points", each.to_string());
        }
        set(
            "max_sum_points",
            spec.max_points.unwrap_or_default().to_string(),
        );
    }
    set("language", municipality.default_language().to_string());
    set("currency", money.code.clone());
    let mut comment = format!(
        "#1: Counted by Kurultai with rule {}, completion {}, tie-break {}. \
         `kurultai tally FILE {}` recounts this file the same way.",
        rule.kind,
        rule.completion,
        rule.tie_break,
        tally_options(rule)
    );
    comment += &format!(
        " #2: Money is in main units of {} with its decimals; an Add1 step is one {}.",
        money.code, money.code
    );
    comment += " #3: Voter ids are anonymous and in a random order drawn for this export.";
    if spec.ballot_type == BallotType::Ranked {
        comment += " #4: A ranking gives k points to its first choice, k-1 to the second and so on, k being max_length.";
    }
    set("comment", comment);
    Ok(())
}

/// PROJECTS from the frozen ballot and the stored result.
pub(super) fn projects(
    on_ballot: &[ProposalRow],
    tally: &TallyRow,
    spec: &BallotSpec,
    names: &Names,
    money: &Money,
) -> Result<Table> {
    let result = &tally.result.figures;
    let selected: Vec<&str> = result.selected.iter().map(String::as_str).collect();
    let figures: HashMap<&str, &ProposalFigures> = (result.proposals.iter())
        .map(|p| (p.id.as_str(), p))
        .collect();
    // Approval ballots: `votes`. Cumulative: `score` (points) too. Ordinal: `votes` only, as
    // pabulib-checker would recount scores as `length, length-1, …` rather than from k.
    let with_score = spec.ballot_type == BallotType::Cumulative;
    let mut columns = vec!["project_id", "cost", "votes"];
    if with_score {
        columns.push("score");
    }
    columns.extend(["name", "selected"]);
    let rows = on_ballot
        .iter()
        .map(|p| {
            let f = figures.get(p.id.as_str());
            let mut cells = vec![
                p.id.to_string(),
                money.main_units(p.cost_minor),
                f.map_or(0, |f| f.votes).to_string(),
            ];
            if with_score {
                cells.push(f.map_or_else(|| "0".to_string(), |f| f.score.clone()));
            }
            cells.push(names.of(&p.titles));
            cells.push(u8::from(selected.contains(&p.id.as_str())).to_string());
            Ok(Row { cells, line: 0 })
        })
        .collect::<Result<_>>()?;
    Ok(Table {
        columns: columns.into_iter().map(String::from).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::budget::TieBreakName;
    use crate::service::test_support::{ballot_rules, proposal, tally_row};

    fn rule(kind: RuleKind, completion: CompletionName, seed: Option<u64>) -> CountingRule {
        CountingRule {
            kind,
            completion,
            tie_break: TieBreakName::Pabutools,
            seed,
        }
    }

    fn spec(ballot_type: &str, max_points: Option<i64>) -> BallotSpec {
        ballot_rules(ballot_type, max_points, None, 1_000_000)
    }

    #[test]
    fn pabulib_names_only_the_rules_it_knows() {
        use BallotType::*;
        use CompletionName as C;
        use RuleKind::*;
        let cases = [
            (Greedy, C::None, Approval, "greedy"),
            (Greedy, C::None, Cumulative, "greedy"),
            (Greedy, C::None, Ranked, "unknown"),
            (EqualShares, C::None, Approval, "equalshares"),
            (EqualShares, C::Add1, Approval, "equalshares/add1"),
            (
                EqualShares,
                C::EqualsharesAdd1,
                Approval,
                "equalshares/add1",
            ),
            (EqualShares, C::Add1Greedy, Approval, "unknown"),
            (EqualShares, C::EqualsharesAdd1u, Approval, "unknown"),
            (Phragmen, C::None, Approval, "unknown"),
        ];
        for (kind, completion, ballot, name) in cases {
            assert_eq!(
                pabulib_rule(&rule(kind, completion, None), ballot),
                name,
                "{kind} / {completion} on a {ballot} ballot"
            );
        }
    }

    #[test]
    fn tally_options_name_every_choice_and_the_seed_only_when_there_is_one() {
        assert_eq!(
            tally_options(&rule(RuleKind::Greedy, CompletionName::None, None)),
            "--rule greedy --completion none --tie-break pabutools"
        );
        assert_eq!(
            tally_options(&rule(RuleKind::EqualShares, CompletionName::Add1, Some(u64::MAX))),
            "--rule equal_shares --completion add1 --tie-break pabutools --seed 18446744073709551615"
        );
        assert_eq!(
            tally_options(&rule(RuleKind::EqualShares, CompletionName::Add1, Some(0))),
            "--rule equal_shares --completion add1 --tie-break pabutools --seed 0"
        );
    }

    #[test]
    fn money_is_written_in_main_units_with_a_decimal_point() {
        let tenge = Money {
            code: "KZT".into(),
            exponent: 2,
        };
        assert_eq!(tenge.main_units(12_345), "123.45");
        assert_eq!(tenge.main_units(0), "0");
        let forint = Money {
            code: "HUF".into(),
            exponent: 0,
        };
        assert_eq!(forint.main_units(i64::MAX), i64::MAX.to_string());
    }

    /// PROJECTS of proposals `a` (1,234.50), `b` (10) and `c` (0.05) in tenge, `b` and `a`
    /// funded, `c` missing from the stored figures.
    fn table(ballot_type: &str, max_points: Option<i64>) -> Table {
        let mut b = proposal("b", "kk b", 1_000);
        b.titles = crate::domain::Texts([("ru".to_string(), "ru b".to_string())].into());
        let on_ballot = [proposal("a", "kk a", 123_450), b, proposal("c", "kk c", 5)];
        let stored = serde_json::json!({
            "selected": ["b", "a"],
            "projects": [
                {"id": "a", "votes": 3, "score": "12"},
                {"id": "b", "votes": 5, "score": "7"},
            ],
        });
        let names = Names {
            default: "kk".to_string(),
        };
        let tenge = Money {
            code: "KZT".into(),
            exponent: 2,
        };
        let spec = spec(ballot_type, max_points);
        projects(&on_ballot, &tally_row(stored, 8), &spec, &names, &tenge).unwrap()
    }

    #[test]
    fn projects_are_listed_in_ballot_order_with_the_stored_figures() {
        let projects = table("approval", None);
        assert_eq!(
            projects.columns,
            ["project_id", "cost", "votes", "name", "selected"]
        );
        let rows: Vec<Vec<&str>> = projects
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["a", "1234.5", "3", "kk a", "1"],
                ["b", "10", "5", "ru b", "1"],
                ["c", "0.05", "0", "kk c", "0"],
            ]
        );
    }

    #[test]
    fn only_cumulative_ballots_list_a_score() {
        let projects = table("cumulative", Some(10));
        assert_eq!(
            projects.columns,
            ["project_id", "cost", "votes", "score", "name", "selected"]
        );
        let scores: Vec<&str> = projects.rows.iter().map(|r| r.cells[3].as_str()).collect();
        assert_eq!(scores, ["12", "7", "0"]);
    }
}
