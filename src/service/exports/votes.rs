//! VOTES: one line per counted ballot, written a page of ballots at a time in the plan's
//! shuffled order, with nothing about the voter but the channel.

use std::collections::HashMap;
use std::io::Write;

use crate::db::ballots::{self, BallotRow};
use crate::db::DbConn;
use crate::domain::budget::{BallotSpec, BallotType};
use crate::domain::ids::BallotId;
use crate::pabulib::{PbStreamWriter, Row};
use crate::service::ballots::Selection;
use crate::service::{Error, Result};

use super::not_tallied;
use super::plan::PbPlan;

/// Ballots read per query when writing VOTES.
const PAGE: usize = 500;

/// Writes the planned `.pb` into `out`, reading the ballots page by page. Uses up the plan's
/// ballot ids (their memory goes as soon as the file is written).
pub fn write_pb<W: Write>(conn: &mut DbConn, plan: &mut PbPlan, out: W) -> Result<W> {
    let ids = std::mem::take(&mut plan.ids);
    let mut writer = PbStreamWriter::start(out, &plan.file).map_err(Error::internal)?;
    for page in ids.chunks(PAGE) {
        let page: Vec<BallotId> = page.iter().copied().map(BallotId::from).collect();
        let mut rows: HashMap<BallotId, BallotRow> = ballots::by_ids(conn, &page)?
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

pub(super) fn vote_columns(spec: &BallotSpec) -> Vec<String> {
    let mut columns = vec!["voter_id", "vote"];
    if spec.ballot_type == BallotType::Cumulative {
        columns.push("points");
    }
    columns.push("voting_method");
    columns.into_iter().map(String::from).collect()
}

/// One ballot's line: its anonymous id, its choices (and points), its channel. Nothing else.
fn vote_row(voter_id: usize, ballot: &BallotRow, spec: &BallotSpec) -> Result<Row> {
    let mut selections = ballot.selections.to_vec();
    let cumulative = spec.ballot_type == BallotType::Cumulative;
    if cumulative {
        // Pabulib lists points ballots in decreasing points (stable, so ties keep their order).
        selections.sort_by_key(|s| std::cmp::Reverse(s.points.unwrap_or(0)));
    }
    let join =
        |f: &dyn Fn(&Selection) -> String| selections.iter().map(f).collect::<Vec<_>>().join(",");
    let mut cells = vec![voter_id.to_string(), join(&|s| s.proposal_id.to_string())];
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
    use crate::service::test_support::{ballot_row, ballot_rules};

    fn spec(ballot_type: &str, max_points: Option<i64>) -> BallotSpec {
        ballot_rules(ballot_type, max_points, None, 1_000_000)
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

    fn cells(row: Row) -> Vec<String> {
        row.cells
    }

    #[test]
    fn a_line_holds_the_anonymous_id_the_choices_and_the_channel_only() {
        let approval = spec("approval", None);
        let online = ballot_row(r#"[{"proposal_id":"b"},{"proposal_id":"a"}]"#, "online");
        assert_eq!(
            cells(vote_row(7, &online, &approval).unwrap()),
            ["7", "b,a", "internet"]
        );
        let paper = ballot_row(r#"[{"proposal_id":"c"}]"#, "paper");
        assert_eq!(
            cells(vote_row(1, &paper, &approval).unwrap()),
            ["1", "c", "paper"]
        );
    }

    #[test]
    fn points_ballots_list_their_choices_by_decreasing_points_ties_in_cast_order() {
        let cumulative = spec("cumulative", Some(10));
        let cast = r#"[{"proposal_id":"a","points":1},{"proposal_id":"b","points":5},
            {"proposal_id":"c","points":1},{"proposal_id":"d","points":3}]"#;
        let ballot = ballot_row(cast, "online");
        assert_eq!(
            cells(vote_row(2, &ballot, &cumulative).unwrap()),
            ["2", "b,d,a,c", "5,3,1,1", "internet"]
        );
    }
}
