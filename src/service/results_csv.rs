//! Results for spreadsheets: one row per proposal on the ballot, most votes (points) first.
//!
//! UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and
//! garbles Turkish, Kazakh or Hungarian names; LibreOffice and Python's `utf-8-sig` skip it),
//! comma separated, a header row, money in main units with a `.` decimal point.

use std::collections::HashMap;

use crate::service::exports::Money;
use crate::service::tally::Results;
use crate::service::{Error, Result};

const HEADER: [&str; 9] = [
    "proposal_id",
    "name",
    "cost",
    "currency",
    "votes",
    "score",
    "selected",
    "funded_order",
    "mes_round",
];

/// The CSV of `results`, names in the language they were built for.
pub fn results_csv(results: &Results, money: &Money) -> Result<Vec<u8>> {
    let rounds = mes_rounds(&results.tally);
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(HEADER).map_err(Error::internal)?;
        for line in &results.proposals {
            let round = rounds.get(line.proposal_id.as_str());
            writer
                .write_record([
                    line.proposal_id.as_str(),
                    line.title.as_str(),
                    &money.main_units(line.cost_minor),
                    &money.code,
                    &line.votes.to_string(),
                    &line.score,
                    if line.selected { "yes" } else { "no" },
                    &line.funded_order.map(|o| o.to_string()).unwrap_or_default(),
                    &round.map(|r| r.to_string()).unwrap_or_default(),
                ])
                .map_err(Error::internal)?;
        }
        writer.flush().map_err(Error::internal)?;
    }
    Ok(out)
}

/// The Equal Shares round that funded each project (the trace's `equal_shares` steps); projects
/// funded by a completion or another rule have none.
fn mes_rounds(tally: &serde_json::Value) -> HashMap<&str, u64> {
    tally["trace"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter(|s| s["step"] == "equal_shares")
                .filter_map(|s| Some((s["project"].as_str()?, s["round"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_equal_shares_steps_give_a_round() {
        let tally = json!({"trace": [
            {"step": "equal_shares", "project": "p1", "round": 1},
            {"step": "equal_shares", "project": "p2", "round": 2},
            {"step": "completion", "project": "p3", "round": 3},
            {"step": "equal_shares", "project": "p4"},
            {"step": "equal_shares", "round": 4},
        ]});
        let rounds = mes_rounds(&tally);
        assert_eq!(rounds, HashMap::from([("p1", 1), ("p2", 2)]));
    }

    #[test]
    fn a_tally_without_a_trace_has_no_rounds() {
        assert!(mes_rounds(&json!({})).is_empty());
        assert!(mes_rounds(&json!({"trace": null})).is_empty());
        assert!(mes_rounds(&json!({"trace": []})).is_empty());
        assert!(mes_rounds(&json!("not an object")).is_empty());
    }
}
