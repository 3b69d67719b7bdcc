//! A budget's `.pb`: its votes within the declared limits, the recount, its `selected` column.

use std::collections::BTreeSet;

use super::Report;
use crate::archive::manifest::BudgetEntry;
use crate::domain::budget::CountingRule;
use crate::domain::UnknownVariant;
use crate::pabulib::PbFile;
use crate::tally::TallyResult;

/// Every vote respects the limits the `.pb`'s META declares: a recount alone would count a
/// vote that no ballot form could have produced (issue 15, finding 1) and agree with it.
pub(super) fn check_votes(pb: &PbFile, budget: &BudgetEntry, report: &mut Report) {
    let Ok(election) = pb.election() else {
        return; // reported by the recount
    };
    match pb.vote_violations(&election) {
        Ok((_, 0)) => report.ok(
            &budget.pb,
            format!(
                "every one of {} votes respects the limits its META declares",
                election.num_voters()
            ),
        ),
        Ok((listed, total)) => {
            for v in &listed {
                report.fail(&budget.pb, format!("invalid vote: {v}"));
            }
            if total > listed.len() {
                report.fail(
                    &budget.pb,
                    format!("{} more invalid vote(s)", total - listed.len()),
                );
            }
        }
        Err(e) => report.fail(&budget.pb, format!("its META limits cannot be read: {e}")),
    }
}

pub(super) fn recount(pb: &PbFile, budget: &BudgetEntry) -> Result<TallyResult, String> {
    let election = pb.election().map_err(|e| e.to_string())?;
    // The names are the ones a budget's counting rule is stored under; an unknown one is
    // reported as `kurultai tally` would report it.
    let unknown = |e: UnknownVariant| format!("invalid variant: {}", e.value);
    let rule = CountingRule {
        kind: budget.rule.parse().map_err(unknown)?,
        completion: budget.completion.parse().map_err(unknown)?,
        tie_break: budget.tie_break.parse().map_err(unknown)?,
        seed: budget.seed,
    };
    crate::tally::tally(&election, &rule.engine_options()).map_err(|e| e.to_string())
}

/// The `.pb`'s `selected` column and vote count agree with the recount and the manifest.
pub(super) fn check_pb_columns(
    pb: &PbFile,
    budget: &BudgetEntry,
    funded: &BTreeSet<&str>,
    report: &mut Report,
) {
    let (Some(id), Some(selected)) = (
        pb.projects.column("project_id"),
        pb.projects.column("selected"),
    ) else {
        return report.fail(&budget.pb, "PROJECTS has no selected column");
    };
    let marked: BTreeSet<&str> = pb
        .projects
        .rows
        .iter()
        .filter(|r| pb.projects.cell(r, selected) == "1")
        .map(|r| pb.projects.cell(r, id))
        .collect();
    if &marked != funded {
        report.fail(&budget.pb, "its selected column differs from the recount");
    }
    if pb.votes.rows.len() as i64 != budget.ballots_counted {
        report.fail(
            &budget.pb,
            format!(
                "holds {} ballots, the manifest says {} were counted",
                pb.votes.rows.len(),
                budget.ballots_counted
            ),
        );
    }
}
