//! Participation statistics of a cycle (`GET /cycles/{id}/stats`, JSON or CSV): turnout per
//! budget, and per budget by channel, by the voter's district, by age band and by day;
//! registrations by status; proposals by category and outcome. For the municipality's staff
//! at any time, for everyone once the cycle is published.
//!
//! # No one can be singled out
//! Every count of people (ballots, residents) under [`THRESHOLD`] is suppressed: shown as
//! `null` with `suppressed: true`. Zero is shown (it describes nobody). Where a breakdown adds
//! up to a total that is shown, one suppressed cell could be recovered by subtraction, so the
//! smallest other non-zero cell is suppressed with it (secondary suppression). Proposals are
//! public, so their counts are not suppressed.
//!
//! A voter's district and age band are those at their first ballot in the budget, and the day
//! the municipality's calendar day of it; they are counted in `participation`, apart from the
//! ballots, so that nothing next to a ballot's content narrows down its voter (a replacement
//! does not move them). Paper ballots have no district or age band (`unknown`).
//! `registered_voters` counts verified residents (of the budget's district) now, and
//! `online_turnout_percent` relates online ballots to them: paper voters need not register.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{ballots, budgets, districts, proposals, residents, Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, CycleId, DistrictId};
use crate::domain::settings::AGE_BANDS;
use crate::service::scope::{self, is_staff, CycleScope};
use crate::service::Actor;
use crate::service::{Error, Result};

/// Counts of people below this are suppressed.
pub const THRESHOLD: u64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cell {
    /// What is counted: a channel, district, age band, day, status…
    pub key: String,
    /// The count; `null` when suppressed.
    pub count: Option<u64>,
    pub suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetStats {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    pub name: String,
    /// The budget's district (default language); `null` for a city-wide budget.
    pub district: Option<String>,
    /// Counted ballots.
    pub ballots: Cell,
    /// Verified residents who may vote in it (of its district, or all).
    pub registered_voters: Cell,
    /// Online ballots per 100 registered voters, one decimal; `null` when either count is
    /// suppressed or nobody is registered.
    pub online_turnout_percent: Option<String>,
    pub by_channel: Vec<Cell>,
    pub by_district: Vec<Cell>,
    pub by_age_band: Vec<Cell>,
    /// By the municipality's calendar day (`YYYY-MM-DD`).
    pub by_day: Vec<Cell>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalCount {
    /// `null` for proposals without a category.
    pub category: Option<String>,
    /// The proposal's status: `approved`, `rejected`, `withdrawn`, `submitted`…
    #[schema(value_type = crate::domain::ProposalStatus)]
    pub outcome: String,
    pub proposals: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CycleStats {
    #[schema(value_type = String)]
    pub cycle_id: CycleId,
    #[schema(value_type = crate::domain::cycle::CycleStatus)]
    pub cycle_status: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub suppression_threshold: u64,
    pub budgets: Vec<BudgetStats>,
    /// The municipality's residents by registration status (now).
    pub registrations_by_status: Vec<Cell>,
    pub proposals_by_category_and_outcome: Vec<ProposalCount>,
}

/// The cycle's statistics, if the caller may see them.
pub async fn cycle_stats(db: &Db, caller: Option<&Actor>, cycle_id: CycleId) -> Result<CycleStats> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let scope = scope::cycle(conn, &cycle_id)?;
        scope.check_read(caller.as_ref())?;
        if scope.status != CycleStatus::Published && !is_staff(caller.as_ref(), &scope.municipality)
        {
            return Err(Error::missing(
                "no_stats",
                "Participation statistics are public once the results are published.",
            ));
        }
        gather(conn, &scope)
    })
    .await
}

fn gather(conn: &mut DbConn, scope: &CycleScope) -> Result<CycleStats> {
    let municipality = &scope.municipality;
    let lang = municipality.default_language();
    let name = |names: &crate::domain::Texts| -> Result<String> {
        Ok(crate::domain::translations::pick(names, lang, lang))
    };
    let district_names = districts::of_municipality(conn, &municipality.id)?
        .into_iter()
        .map(|d| Ok((d.id, name(&d.names)?)))
        .collect::<Result<BTreeMap<DistrictId, String>>>()?;
    let budgets = budgets::of_cycle(conn, &scope.cycle.id)?;
    let mut out = Vec::with_capacity(budgets.len());
    for budget in &budgets {
        let tally = tally_ballots(conn, &budget.id, &district_names)?;
        let registered =
            residents::count_verified(conn, &municipality.id, budget.district_id.as_ref())? as u64;
        out.push(BudgetStats {
            budget_id: budget.id.clone(),
            name: name(&budget.names)?,
            district: budget
                .district_id
                .as_ref()
                .and_then(|d| district_names.get(d).cloned()),
            ballots: cell("total", tally.total),
            registered_voters: cell("registered", registered),
            online_turnout_percent: percent(tally.online, registered),
            by_channel: breakdown(tally.by_channel),
            by_district: breakdown(tally.by_district),
            by_age_band: breakdown(tally.by_age_band),
            by_day: breakdown(tally.by_day),
        });
    }
    let registrations = residents::count_by_status(conn, &municipality.id)?
        .into_iter()
        .map(|(status, n)| (status, n as u64))
        .collect();
    let ids: Vec<BudgetId> = budgets.iter().map(|b| b.id.clone()).collect();
    let proposals = proposals::count_by_category_and_status(conn, &ids)?
        .into_iter()
        .map(|(category, outcome, n)| ProposalCount {
            category,
            outcome,
            proposals: n as u64,
        })
        .collect();
    Ok(CycleStats {
        cycle_id: scope.cycle.id.clone(),
        cycle_status: scope.status.to_string(),
        generated_at: chrono::Utc::now(),
        suppression_threshold: THRESHOLD,
        budgets: out,
        registrations_by_status: breakdown(registrations),
        proposals_by_category_and_outcome: proposals,
    })
}

/// One budget's ballots, counted along each dimension.
#[derive(Default)]
struct BallotTally {
    total: u64,
    online: u64,
    by_channel: Vec<(String, u64)>,
    by_district: Vec<(String, u64)>,
    by_age_band: Vec<(String, u64)>,
    by_day: Vec<(String, u64)>,
}

fn tally_ballots(
    conn: &mut DbConn,
    budget_id: &BudgetId,
    district_names: &BTreeMap<DistrictId, String>,
) -> Result<BallotTally> {
    let mut channel: BTreeMap<String, u64> = BTreeMap::new();
    let mut district: BTreeMap<String, u64> = BTreeMap::new();
    let mut age: BTreeMap<String, u64> = AGE_BANDS.iter().map(|b| (b.to_string(), 0)).collect();
    let mut day: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0;
    for row in ballots::participation_of(conn, budget_id)? {
        let n = u64::try_from(row.ballots).map_err(Error::internal)?;
        total += n;
        *channel.entry(row.channel).or_default() += n;
        let d = district_names.get(&row.district_id).cloned();
        *district
            .entry(d.unwrap_or_else(|| UNKNOWN.into()))
            .or_default() += n;
        let band = Some(row.age_band).filter(|b| !b.is_empty());
        *age.entry(band.unwrap_or_else(|| UNKNOWN.into()))
            .or_default() += n;
        *day.entry(row.day).or_default() += n;
    }
    let online = channel.get("online").copied().unwrap_or(0);
    let mut by_age_band: Vec<(String, u64)> = AGE_BANDS
        .iter()
        .map(|b| (b.to_string(), age.remove(*b).unwrap_or(0)))
        .collect();
    by_age_band.extend(age);
    Ok(BallotTally {
        total,
        online,
        by_channel: channel.into_iter().collect(),
        by_district: district.into_iter().collect(),
        by_age_band,
        by_day: day.into_iter().collect(),
    })
}

/// The key of ballots whose voter's district or age band is not known (paper ballots).
const UNKNOWN: &str = "unknown";

/// One count of people on its own, suppressed below the threshold.
fn cell(key: &str, count: u64) -> Cell {
    let suppressed = count > 0 && count < THRESHOLD;
    Cell {
        key: key.to_string(),
        count: (!suppressed).then_some(count),
        suppressed,
    }
}

/// The cells of a breakdown that adds up to a total: primary suppression below the
/// threshold, then, if exactly one cell was suppressed, the smallest other non-zero cell too,
/// so the one cannot be recovered from the total.
pub fn breakdown(counts: Vec<(String, u64)>) -> Vec<Cell> {
    let mut cells: Vec<Cell> = counts.iter().map(|(k, n)| cell(k, *n)).collect();
    if cells.iter().filter(|c| c.suppressed).count() == 1 {
        let smallest = counts
            .iter()
            .enumerate()
            .filter(|(i, (_, n))| !cells[*i].suppressed && *n > 0)
            .min_by_key(|(_, (_, n))| *n)
            .map(|(i, _)| i);
        if let Some(i) = smallest {
            cells[i].count = None;
            cells[i].suppressed = true;
        }
    }
    cells
}

/// `part` per 100 of `whole`, rounded half up to one decimal, from integers.
fn percent(part: u64, whole: u64) -> Option<String> {
    if whole == 0 || cell("", part).suppressed || cell("", whole).suppressed {
        return None;
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

/// The statistics as CSV (UTF-8 with BOM, header row): one row per number, in the order of
/// the JSON: `section,budget_id,budget,key,value,suppressed`.
pub fn stats_csv(stats: &CycleStats) -> Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "section",
            "budget_id",
            "budget",
            "key",
            "value",
            "suppressed",
        ])
        .map_err(Error::internal)?;
        let mut row = |section: &str,
                       budget: Option<&BudgetStats>,
                       key: &str,
                       value: Option<String>,
                       suppressed: bool| {
            w.write_record([
                section,
                budget.map_or("", |b| b.budget_id.as_str()),
                budget.map_or("", |b| b.name.as_str()),
                key,
                value.as_deref().unwrap_or(""),
                if suppressed { "yes" } else { "no" },
            ])
            .map_err(Error::internal)
        };
        for b in &stats.budgets {
            let count = |c: &Cell| c.count.map(|n| n.to_string());
            row(
                "ballots",
                Some(b),
                "total",
                count(&b.ballots),
                b.ballots.suppressed,
            )?;
            let r = &b.registered_voters;
            row(
                "registered_voters",
                Some(b),
                "verified",
                count(r),
                r.suppressed,
            )?;
            let pct = &b.online_turnout_percent;
            row(
                "online_turnout_percent",
                Some(b),
                "online",
                pct.clone(),
                pct.is_none(),
            )?;
            for (section, cells) in [
                ("by_channel", &b.by_channel),
                ("by_district", &b.by_district),
                ("by_age_band", &b.by_age_band),
                ("by_day", &b.by_day),
            ] {
                for c in cells {
                    row(section, Some(b), &c.key, count(c), c.suppressed)?;
                }
            }
        }
        for c in &stats.registrations_by_status {
            let value = c.count.map(|n| n.to_string());
            row("registrations_by_status", None, &c.key, value, c.suppressed)?;
        }
        for p in &stats.proposals_by_category_and_outcome {
            let key = format!("{}/{}", p.category.as_deref().unwrap_or("none"), p.outcome);
            row(
                "proposals",
                None,
                &key,
                Some(p.proposals.to_string()),
                false,
            )?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    fn shown(cells: &[Cell]) -> Vec<Option<u64>> {
        cells.iter().map(|c| c.count).collect()
    }

    #[test]
    fn small_counts_are_suppressed_and_zero_is_not() {
        let cells = breakdown(counts(&[
            ("a", 0),
            ("b", 9),
            ("c", 10),
            ("d", 3),
            ("e", 40),
        ]));
        assert_eq!(shown(&cells), [Some(0), None, Some(10), None, Some(40)]);
        assert!(cells[1].suppressed && !cells[0].suppressed);
    }

    #[test]
    fn a_lone_suppressed_cell_takes_the_smallest_other_with_it() {
        // 4 could be recovered from the total (4 + 12 + 30) if only it were hidden.
        let cells = breakdown(counts(&[("a", 4), ("b", 30), ("c", 12), ("d", 0)]));
        assert_eq!(shown(&cells), [None, Some(30), None, Some(0)]);
        // Nothing else to hide with it: it stays alone (the total is then < threshold + …).
        assert_eq!(
            shown(&breakdown(counts(&[("a", 4), ("b", 0)]))),
            [None, Some(0)]
        );
    }

    #[test]
    fn percentages_are_exact_and_rounded_half_up() {
        assert_eq!(percent(1, 3).as_deref(), None, "1 is suppressed");
        assert_eq!(percent(10, 30).as_deref(), Some("33.3"));
        assert_eq!(percent(20, 30).as_deref(), Some("66.7"));
        assert_eq!(percent(10, 80).as_deref(), Some("12.5"));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(12, 12).as_deref(), Some("100.0"));
    }
}
