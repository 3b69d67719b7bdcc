//! Counting a budget with its frozen rule, storing the result, and showing it.
//!
//! The election handed to the engine is built from the frozen ballot (proposal ids as project
//! ids, costs in minor units at the currency's exponent, so one "main unit" of an Add1 step is
//! one lira, tenge, som…) and every counted ballot in id order. The engine's outcome does not
//! depend on the order of ballots (a property test checks it), so both databases store the
//! same result byte for byte.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::ballots::{self, BallotRow};
use crate::db::budgets::BudgetRow;
use crate::db::proposals::{self, ProposalRow};
use crate::db::tallies::{self, ProposalFigures, StoredResult, TallyRow};
use crate::db::{by_pages, Db, DbConn};
use crate::domain::budget::BallotSpec;
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, ProposalId};
use crate::service::audit_log;
use crate::service::ballots::election_builder;
use crate::service::cycles;
use crate::service::scope::{self, is_staff, CycleScope, OFFICIALS};
use crate::service::selections;
use crate::service::Actor;
use crate::service::{blocking, now};
use crate::service::{Error, Result};
use crate::tally::{self as engine, Ballot};

/// Everything the engine needs, read in one transaction.
struct Snapshot {
    budget: BudgetRow,
    scope: CycleScope,
    election: engine::Election,
    counted: i64,
}

/// Ballot rows read per query: each page becomes engine ballots before the next is read, so
/// the rows (their JSON) are never all in memory at once.
const PAGE: i64 = 5_000;

fn snapshot(conn: &mut DbConn, caller: &Actor, budget_id: &BudgetId) -> Result<Snapshot> {
    let (budget, scope) = scope::budget(conn, budget_id)?;
    scope.check_role(caller, OFFICIALS)?;
    // Never on the clock alone: only a close written down (after every ballot that passed
    // the close check committed) makes the ballot box final.
    if !scope.closed_durably() {
        return Err(Error::conflict(
            "cycle_not_closed",
            "A budget is counted after voting closed and before the results are published.",
        ));
    }
    let spec = budget.ballot_rules.clone();
    let on_ballot = proposals::on_ballot(conn, &budget.id)?;
    let mut election = election_builder(&budget, &on_ballot, &spec, &scope.municipality)?;
    let mut counted = 0;
    by_pages::<_, Error>(
        |after| ballots::of_budget_after(conn, &budget.id, after, PAGE),
        |row| row.id.as_str(),
        |page| {
            for row in page {
                election
                    .push(engine_ballot(&row, &spec))
                    .map_err(Error::internal)?;
                counted += 1;
            }
            Ok(())
        },
    )?;
    Ok(Snapshot {
        budget,
        scope,
        election: election.finish(),
        counted,
    })
}

/// A stored ballot as the engine reads it.
fn engine_ballot(row: &BallotRow, spec: &BallotSpec) -> Ballot {
    selections::engine_ballot(spec.ballot_type, &row.selections)
}

/// Counts a closed budget and stores the result (replacing an earlier count).
///
/// A scheduled close that has passed is first written down ([`cycles::settle`], which waits
/// for ballots still committing); the ballots are read after that commit, so every ballot that
/// was accepted is in the count.
pub async fn run(db: &Db, caller: &Actor, budget_id: BudgetId) -> Result<TallyRow> {
    settle_close(db, budget_id.clone()).await?;
    let actor = caller.clone();
    let snap = db
        .read(move |conn| snapshot(conn, &actor, &budget_id))
        .await?;
    let rule = snap.budget.counting_rule.clone();
    let (counted, election) = (snap.counted, snap.election);
    let options = rule.engine_options();
    // Counting is CPU work (seconds for large Equal Shares elections): off the async workers.
    let result = blocking(move || engine::tally(&election, &options))
        .await?
        .map_err(|e| Error::conflict("rule_not_applicable", e.to_string()))?;
    let row = TallyRow {
        budget_id: snap.budget.id.clone(),
        result: StoredResult::of(&result).map_err(Error::internal)?,
        ballots_counted: counted,
        computed_at: now(),
        computed_by: caller.account_id.clone(),
    };
    let (actor, stored) = (caller.clone(), row.clone());
    let (municipality_id, cycle_id) = (
        snap.scope.municipality.id.clone(),
        snap.scope.cycle.id.clone(),
    );
    db.write(move |conn| {
        // The cycle must still be closed, and no paper batch may have slipped in meanwhile.
        let scope = scope::cycle(conn, &cycle_id)?;
        let (online, paper) = ballots::count_by_channel(conn, &stored.budget_id)?;
        let now_counted = online + paper;
        if !scope.closed_durably() || now_counted != stored.ballots_counted {
            return Err(Error::conflict(
                "cycle_changed",
                "The ballots changed while counting; count again.",
            ));
        }
        tallies::store(conn, &stored)?;
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "budget.tallied",
            "budget",
            &stored.budget_id,
            serde_json::json!({
                "ballots_counted": stored.ballots_counted,
                "result_sha256": hex::encode(Sha256::digest(stored.result.json.as_bytes())),
            }),
        )?;
        Ok(())
    })
    .await?;
    Ok(row)
}

/// Writes down the budget's cycle's scheduled close if it has passed and is not yet written.
async fn settle_close(db: &Db, budget_id: BudgetId) -> Result<()> {
    let pending = db
        .read(move |conn| {
            let (_, scope) = scope::budget(conn, &budget_id)?;
            Ok::<_, Error>(scope.close_pending().then_some(scope.cycle.id))
        })
        .await?;
    match pending {
        Some(cycle_id) => cycles::settle(db, cycle_id).await,
        None => Ok(()),
    }
}

/// One proposal's line in the results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultLine {
    #[schema(value_type = String)]
    pub proposal_id: ProposalId,
    pub titles: std::collections::BTreeMap<String, String>,
    /// The title in the caller's language.
    pub title: String,
    pub cost_minor: i64,
    /// Ballots naming the proposal.
    pub votes: u64,
    /// Approvals, or points (exact decimal string).
    pub score: String,
    pub selected: bool,
    /// 1-based position in the order of funding; null if not funded.
    pub funded_order: Option<usize>,
}

/// A budget's stored result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Results {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    pub currency: String,
    pub amount_minor: i64,
    pub ballots_counted: i64,
    pub computed_at: chrono::DateTime<chrono::Utc>,
    /// Funded proposals in the order they were funded.
    pub selected: Vec<String>,
    pub total_cost_minor: i64,
    /// Every proposal on the ballot, most votes (points) first.
    pub proposals: Vec<ResultLine>,
    /// The engine's full result: rule, completion, tie-break, per-project figures and the
    /// trace (schema `kurultai.tally/1`, see `docs/tally-json.md`; money in main units).
    #[schema(value_type = Object)]
    pub tally: serde_json::Value,
}

/// The stored result, for the public once published and for staff once counted.
pub async fn results(
    db: &Db,
    caller: Option<&Actor>,
    budget_id: BudgetId,
    language: Option<String>,
) -> Result<Results> {
    let caller = caller.cloned();
    db.read_once(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(caller.as_ref())?;
        let visible = scope.status == CycleStatus::Published
            || (scope.status == CycleStatus::Closed
                && is_staff(caller.as_ref(), &scope.municipality));
        let missing = || Error::missing("no_results", "There are no results to show yet.");
        if !visible {
            return Err(missing());
        }
        let row = tallies::find(conn, &budget.id).map_err(|e| match e {
            diesel::result::Error::NotFound => missing(),
            other => other.into(),
        })?;
        let on_ballot = proposals::on_ballot(conn, &budget.id)?;
        build_results(budget, &scope, row, on_ballot, language)
    })
    .await
}

pub fn build_results(
    budget: BudgetRow,
    scope: &CycleScope,
    row: TallyRow,
    on_ballot: Vec<ProposalRow>,
    language: Option<String>,
) -> Result<Results> {
    let selected = row.result.figures.selected.clone();
    let default = scope.municipality.default_language();
    let lang = language.unwrap_or_else(|| default.to_string());
    let figures: std::collections::HashMap<&str, &ProposalFigures> = (row.result.figures)
        .proposals
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();
    let mut lines: Vec<ResultLine> = on_ballot
        .into_iter()
        .map(|p| {
            let titles = crate::service::proposals::translations(&p.titles)?;
            let f = figures.get(p.id.as_str());
            Ok(ResultLine {
                title: crate::domain::translations::pick(&titles, &lang, default),
                titles,
                cost_minor: p.cost_minor,
                votes: f.map_or(0, |f| f.votes),
                score: f.map_or_else(|| "0".to_string(), |f| f.score.clone()),
                selected: selected.iter().any(|s| p.id == *s.as_str()),
                funded_order: selected
                    .iter()
                    .position(|s| p.id == *s.as_str())
                    .map(|i| i + 1),
                proposal_id: p.id,
            })
        })
        .collect::<Result<_>>()?;
    let total_cost_minor = lines
        .iter()
        .filter(|l| l.selected)
        .map(|l| l.cost_minor)
        .sum();
    lines.sort_by(|a, b| {
        let score = |l: &ResultLine| {
            engine::Decimal::parse(&l.score)
                .map(|d| d.at_scale(6).unwrap_or(0))
                .unwrap_or(0)
        };
        score(b)
            .cmp(&score(a))
            .then(b.votes.cmp(&a.votes))
            .then(a.proposal_id.cmp(&b.proposal_id))
    });
    Ok(Results {
        budget_id: budget.id,
        currency: scope.municipality.settings.currency.code().to_string(),
        amount_minor: budget.amount_minor,
        ballots_counted: row.ballots_counted,
        computed_at: row.computed_at.and_utc(),
        selected,
        total_cost_minor,
        proposals: lines,
        tally: row.result.document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{budget, cycle_scope, municipality, proposal, tally_row};

    /// Proposals `a` (400), `b` (500), `c` (300) and `d` (100), titled in Kazakh and Russian,
    /// of a published budget of 1,000; `b` then `a` funded, `d` missing from the figures.
    fn results(language: Option<&str>) -> Results {
        let on_ballot = ["a", "b", "c", "d"].map(|id| {
            let cost = match id {
                "a" => 400,
                "b" => 500,
                "c" => 300,
                _ => 100,
            };
            let mut p = proposal(id, &format!("kk {id}"), cost);
            p.titles.0.insert("ru".to_string(), format!("ru {id}"));
            p
        });
        let stored = serde_json::json!({
            "selected": ["b", "a"],
            "projects": [
                {"id": "a", "votes": 5, "score": "5"},
                {"id": "c", "votes": 7, "score": "7.5"},
                {"id": "b", "votes": 7, "score": "7.5"},
            ],
        });
        let scope = cycle_scope(municipality("m-1"), CycleStatus::Published);
        build_results(
            budget("budget-1", 1_000),
            &scope,
            tally_row(stored, 12),
            on_ballot.into(),
            language.map(str::to_string),
        )
        .unwrap()
    }

    #[test]
    fn lines_run_from_the_highest_score_then_votes_then_id() {
        let shown = results(None);
        let order: Vec<_> = shown
            .proposals
            .iter()
            .map(|l| (l.proposal_id.as_str(), l.votes, l.score.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("b", 7, "7.5"),
                ("c", 7, "7.5"),
                ("a", 5, "5"),
                ("d", 0, "0")
            ]
        );
    }

    #[test]
    fn funded_proposals_are_marked_in_the_order_they_were_funded() {
        let shown = results(None);
        let funding: Vec<_> = shown
            .proposals
            .iter()
            .map(|l| (l.proposal_id.as_str(), l.selected, l.funded_order))
            .collect();
        assert_eq!(
            funding,
            [
                ("b", true, Some(1)),
                ("c", false, None),
                ("a", true, Some(2)),
                ("d", false, None)
            ]
        );
        assert_eq!(shown.selected, ["b", "a"]);
        assert_eq!(shown.total_cost_minor, 900);
        assert_eq!(
            (
                shown.amount_minor,
                shown.ballots_counted,
                shown.currency.as_str()
            ),
            (1_000, 12, "KZT")
        );
    }

    #[test]
    fn titles_are_shown_in_the_asked_language_else_the_default() {
        assert_eq!(results(None).proposals[0].title, "kk b");
        assert_eq!(results(Some("ru")).proposals[0].title, "ru b");
        assert_eq!(results(Some("en")).proposals[0].title, "kk b");
        assert_eq!(results(Some("ru")).proposals[0].titles.len(), 2);
    }
}
