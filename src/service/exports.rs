//! Exports for auditors. `.pb`: a counted budget as a Pabulib file
//! (`GET /budgets/{id}/export.pb`), the file an auditor takes away to recompute the result
//! with any implementation — `kurultai tally`, pabutools, pabulib's checker — without trusting
//! the service. Written by the strict writer in [`crate::pabulib::writer`].
//!
//! # What the file holds, and why
//! * **META**: every key Pabulib requires, money in the currency's main units with its
//!   decimals (the Add1 step is one main unit, as in our tally; see `pabulib.md`), the vote
//!   type with its limits as frozen when voting opened, Pabulib's name for our rule (`unknown`
//!   where Pabulib has none) and, in `comment`, our exact rule, completion and tie-break as
//!   `kurultai tally` options.
//! * **PROJECTS**: the frozen ballot, in the order the tally's election had it (the seeded
//!   `equalshares` tie-break depends on that order, so counting the file reproduces the stored
//!   result); `votes`/`score` and `selected` come from the stored result, never recounted here.
//! * **VOTES**: one row per counted ballot (a replaced ballot is one row: replacing updates it
//!   in place), ids `1..N` in an order that is a fresh random permutation drawn for each export
//!   and then forgotten. Not the casting time, the insertion order or the row id: each of those
//!   is in the database, so sorting by one would let anyone who can read it link voter `n` to
//!   a ballot row (and, while the cycle runs, through `voter_key`, to a person). Nothing else
//!   about the voter is written but the channel (`voting_method`).
//!
//! # Streaming
//! The file is built in two reads. The first ([`plan_pb`]) authorises, checks the count,
//! builds the head (META, PROJECTS) and shuffles the counted ballots' ids; its errors are the
//! answer (problem+json). The second ([`write_pb`]) reads the ballots 500 at a time in the
//! shuffled order and writes each line as it comes, through the streaming `.pb` writer, into
//! the response body — so memory holds the ids (16 bytes a ballot) and one page, never the
//! ballots. The export is recorded in the municipality's audit chain with the file's SHA-256
//! before its last bytes go out (see [`crate::service::stream`]).

use std::collections::HashMap;
use std::io::Write;

use rand::seq::SliceRandom;
use uuid::Uuid;

use crate::db::ballots::{self, BallotRow};
use crate::db::budgets::BudgetRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::{self, ProposalRow};
use crate::db::tallies::{self, TallyRow};
use crate::db::{by_pages, districts, Db, DbConn};
use crate::domain::budget::{BallotSpec, BallotType, CompletionName, CountingRule, RuleKind};
use crate::domain::cycle::CycleStatus;
use crate::domain::{Country, Role};
use crate::pabulib::{PbFile, PbStreamWriter, Row, Table};
use crate::service::audit_log;
use crate::service::ballots::Selection;
use crate::service::budgets::{ballot_spec, counting_rule};
use crate::service::scope::{self, CycleScope};
use crate::service::stream::{self, BodyStream, BodyWriter};
use crate::service::Actor;
use crate::service::{Error, Result};
use crate::tally::Decimal;

/// Who may take a budget's ballots away: its auditors and officials.
pub const EXPORTERS: &[Role] = &[Role::Official, Role::Auditor];

/// Ballots read per query when writing VOTES.
const PAGE: usize = 500;
/// Ballot ids read per query before shuffling.
const ID_PAGE: i64 = 10_000;

/// An export on its way to the client.
pub struct StreamedExport {
    pub filename: String,
    pub body: BodyStream,
}

/// A budget's `.pb`, ready to be written: the checked head (META, PROJECTS, VOTES columns)
/// and the counted ballots' ids in the order their lines will have.
pub struct PbPlan {
    file: PbFile,
    spec: BallotSpec,
    pub budget: BudgetRow,
    pub municipality: Municipality,
    /// The stored count the file describes.
    pub tally: TallyRow,
    /// The frozen ballot's proposals, in the tally's order.
    pub on_ballot: Vec<ProposalRow>,
    ids: Vec<Uuid>,
}

fn not_tallied() -> Error {
    Error::conflict(
        "not_tallied",
        "The budget has no count covering every ballot yet; count it first.",
    )
}

/// The budget as a Pabulib file, streamed, and recorded in the audit log with its SHA-256
/// before its last bytes go out (see [`crate::service::stream`]).
pub async fn pb(db: &Db, caller: &Actor, budget_id: String) -> Result<StreamedExport> {
    let actor = caller.clone();
    let plan = db
        .read(move |conn| plan_pb(conn, &actor, &budget_id))
        .await?;
    let filename = format!("{}-{}.pb", plan.municipality.slug, plan.budget.id);
    let actor = caller.clone();
    let body = stream_export(
        db.clone(),
        move |conn, out| {
            let mut plan = plan;
            Ok((write_pb(conn, &mut plan, out)?, plan))
        },
        move |conn, plan, written| {
            still_counted_as(conn, &plan.tally)?;
            audit_log::append(
                conn,
                &actor,
                &plan.municipality.id,
                "budget.exported",
                "budget",
                &plan.budget.id,
                serde_json::json!({
                    "format": "pabulib",
                    "sha256": written.sha256,
                    "bytes": written.bytes,
                    "ballots": plan.tally.ballots_counted,
                    "tally_computed_at": plan.tally.computed_at.and_utc(),
                }),
            )
        },
    );
    Ok(StreamedExport { filename, body })
}

/// Streams an export: `write` fills the body on a blocking thread with a database connection
/// and hands back what the record needs; `record` then records the export, with the body's
/// digest and size, in one transaction; only once that committed does the body complete.
/// Any failure ends the body in an error (see [`crate::service::stream`]).
pub fn stream_export<S, W, R>(db: Db, write: W, record: R) -> BodyStream
where
    S: Send + 'static,
    W: FnOnce(&mut DbConn, BodyWriter) -> Result<(BodyWriter, S)> + Send + 'static,
    R: FnOnce(&mut DbConn, S, &Written) -> Result<()> + Send + 'static,
{
    let (writer, body) = stream::body();
    let alarm = writer.alarm();
    // On the worker's own thread, as handlers run (the stream needs no `Send`).
    tokio::task::spawn_local(async move {
        let written = db
            .read_once(move |conn| {
                let (writer, state) = write(conn, writer)?;
                Ok::<_, Error>((writer.seal(), state))
            })
            .await;
        let (sealed, state) = match written {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(code = e.code(), detail = %e.detail(), "an export failed while streaming");
                let _ = tokio::task::spawn_blocking(move || alarm.raise("export failed")).await;
                return;
            }
        };
        let summary = Written {
            sha256: sealed.sha256.clone(),
            bytes: sealed.bytes,
        };
        match db.write(move |conn| record(conn, state, &summary)).await {
            Ok(()) => sealed.release().await,
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "an export was not recorded; its download is cut short"
                );
                sealed.abort("export not recorded").await
            }
        }
    });
    body
}

/// A streamed export's digest (hex SHA-256) and size, for its audit record.
pub struct Written {
    pub sha256: String,
    pub bytes: u64,
}

/// Authorises, checks the cycle and the count, builds the head and shuffles the ballot ids.
pub fn plan_pb(conn: &mut DbConn, caller: &Actor, budget_id: &str) -> Result<PbPlan> {
    let mut plan = head(conn, caller, budget_id)?;
    plan.ids = shuffled_ids(conn, &plan.budget.id, plan.tally.ballots_counted)?;
    Ok(plan)
}

/// Writes the planned `.pb` into `out`, reading the ballots page by page. Uses up the plan's
/// ballot ids (their memory goes as soon as the file is written).
pub fn write_pb<W: Write>(conn: &mut DbConn, plan: &mut PbPlan, out: W) -> Result<W> {
    let ids = std::mem::take(&mut plan.ids);
    let mut writer = PbStreamWriter::start(out, &plan.file).map_err(Error::internal)?;
    for page in ids.chunks(PAGE) {
        let page: Vec<String> = page.iter().map(Uuid::to_string).collect();
        let mut rows: HashMap<String, BallotRow> = ballots::by_ids(conn, &page)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        for id in &page {
            // A ballot gone since the plan: the count no longer covers the ballots.
            let ballot = rows.remove(id).ok_or_else(not_tallied)?;
            // Anonymous ids `1..N` in the shuffled order.
            let line = vote_row(writer.written() + 1, &ballot, &plan.spec)?;
            writer.vote(&line).map_err(Error::internal)?;
        }
    }
    writer.finish().map_err(Error::internal)
}

/// Refuses to hand out an export when the count it describes is no longer the stored one
/// (a recount in between would make its `selected` column stale) or a paper batch came in.
/// Call it in the transaction that records the export.
pub fn still_counted_as(conn: &mut DbConn, tally: &TallyRow) -> Result<()> {
    let changed = || {
        Error::conflict(
            "cycle_changed",
            "The count changed while exporting; export again.",
        )
    };
    match tallies::find(conn, &tally.budget_id) {
        Ok(now) if now.computed_at == tally.computed_at => {}
        Ok(_) | Err(diesel::result::Error::NotFound) => return Err(changed()),
        Err(e) => return Err(e.into()),
    }
    let (online, paper) = ballots::count_by_channel(conn, &tally.budget_id)?;
    if online + paper != tally.ballots_counted {
        return Err(changed());
    }
    Ok(())
}

/// Authorises, checks the cycle and the count, and builds META and PROJECTS (no ids yet).
fn head(conn: &mut DbConn, caller: &Actor, budget_id: &str) -> Result<PbPlan> {
    let (budget, scope) = scope::budget(conn, budget_id)?;
    scope.check_role(caller, EXPORTERS)?;
    if !matches!(scope.status, CycleStatus::Closed | CycleStatus::Published) {
        return Err(Error::conflict(
            "cycle_not_closed",
            "A budget is exported once voting has closed.",
        ));
    }
    let tally = tallies::find(conn, &budget.id).map_err(|e| match e {
        diesel::result::Error::NotFound => not_tallied(),
        other => other.into(),
    })?;
    let (online, paper) = ballots::count_by_channel(conn, &budget.id)?;
    if online + paper != tally.ballots_counted {
        return Err(not_tallied());
    }
    let district = match &budget.district_id {
        Some(id) => Some(districts::find(conn, &scope.municipality.id, id)?),
        None => None,
    };
    let on_ballot = proposals::on_ballot(conn, &budget.id)?;
    let spec = ballot_spec(&budget)?;
    let rule = counting_rule(&budget)?;
    let mut file = PbFile::default();
    let names = Names {
        default: scope.municipality.default_language().to_string(),
    };
    let money = Money::of(&scope.municipality)?;
    meta(
        &mut file,
        &scope,
        &budget,
        district.map(|d| d.names),
        &names,
        &money,
        &spec,
        &rule,
        on_ballot.len(),
    )?;
    // Every counted ballot is a line: `shuffled_ids` checks there are exactly this many.
    file.set_meta("num_votes", tally.ballots_counted.to_string());
    file.projects = projects(&on_ballot, &tally, &spec, &names, &money)?;
    file.votes = Table {
        columns: vote_columns(&spec),
        rows: Vec::new(),
    };
    Ok(PbPlan {
        file,
        spec,
        budget,
        municipality: scope.municipality,
        tally,
        on_ballot,
        ids: Vec::new(),
    })
}

/// Names in the municipality's default language.
struct Names {
    default: String,
}

impl Names {
    /// The name in the default language (else any) of a row's decoded texts.
    fn of(&self, texts: &crate::domain::Texts) -> String {
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
fn meta(
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
fn projects(
    on_ballot: &[ProposalRow],
    tally: &TallyRow,
    spec: &BallotSpec,
    names: &Names,
    money: &Money,
) -> Result<Table> {
    let result: serde_json::Value = serde_json::from_str(&tally.result).map_err(Error::internal)?;
    let selected: Vec<&str> = result["selected"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let figures: HashMap<&str, &serde_json::Value> = result["projects"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p["id"].as_str()?, p)))
                .collect()
        })
        .unwrap_or_default();
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
                p.id.clone(),
                money.main_units(p.cost_minor),
                f.and_then(|f| f["votes"].as_u64()).unwrap_or(0).to_string(),
            ];
            if with_score {
                cells.push(
                    f.and_then(|f| f["score"].as_str())
                        .unwrap_or("0")
                        .to_string(),
                );
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

fn vote_columns(spec: &BallotSpec) -> Vec<String> {
    let mut columns = vec!["voter_id", "vote"];
    if spec.ballot_type == BallotType::Cumulative {
        columns.push("points");
    }
    columns.push("voting_method");
    columns.into_iter().map(String::from).collect()
}

/// The ids of every counted ballot, in a uniformly random order from a generator seeded by
/// the OS and forgotten afterwards: nothing stored orders the ballots this way. 16 bytes a
/// ballot: the one thing an export holds for every ballot at once (a permutation needs them).
fn shuffled_ids(conn: &mut DbConn, budget_id: &str, counted: i64) -> Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(usize::try_from(counted).unwrap_or(0));
    by_pages::<_, Error>(
        |after| ballots::ids_of_budget_after(conn, budget_id, after, ID_PAGE),
        String::as_str,
        |page| {
            for id in &page {
                ids.push(Uuid::parse_str(id).map_err(Error::internal)?);
            }
            Ok(())
        },
    )?;
    if ids.len() as i64 != counted {
        return Err(not_tallied());
    }
    ids.shuffle(&mut rand::thread_rng());
    Ok(ids)
}

/// One ballot's line: its anonymous id, its choices (and points), its channel. Nothing else.
fn vote_row(voter_id: usize, ballot: &BallotRow, spec: &BallotSpec) -> Result<Row> {
    let mut selections: Vec<Selection> =
        serde_json::from_str(&ballot.selections).map_err(Error::internal)?;
    let cumulative = spec.ballot_type == BallotType::Cumulative;
    if cumulative {
        // Pabulib lists points ballots in decreasing points (stable, so ties keep their order).
        selections.sort_by_key(|s| std::cmp::Reverse(s.points.unwrap_or(0)));
    }
    let join =
        |f: &dyn Fn(&Selection) -> String| selections.iter().map(f).collect::<Vec<_>>().join(",");
    let mut cells = vec![voter_id.to_string(), join(&|s| s.proposal_id.clone())];
    if cumulative {
        cells.push(join(&|s| s.points.unwrap_or(0).to_string()));
    }
    cells.push(
        match ballot.channel.as_str() {
            "paper" => "paper",
            _ => "internet",
        }
        .to_string(),
    );
    Ok(Row { cells, line: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::budget::{BallotInput, TieBreakName};
    use crate::domain::ValidationErrors;

    fn rule(kind: RuleKind, completion: CompletionName, seed: Option<u64>) -> CountingRule {
        CountingRule {
            kind,
            completion,
            tie_break: TieBreakName::Pabutools,
            seed,
        }
    }

    fn spec(ballot_type: &str, max_points: Option<i64>) -> BallotSpec {
        let input = BallotInput {
            ballot_type: Some(ballot_type.to_string()),
            max_points,
            ..BallotInput::default()
        };
        let mut errors = ValidationErrors::new();
        BallotSpec::parse(&input, 1_000_000, &mut errors).expect("valid ballot rules")
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
    fn only_cumulative_ballots_have_a_points_column() {
        assert_eq!(
            vote_columns(&spec("approval", None)),
            ["voter_id", "vote", "voting_method"]
        );
        assert_eq!(
            vote_columns(&spec("cumulative", Some(10))),
            ["voter_id", "vote", "points", "voting_method"]
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
}
