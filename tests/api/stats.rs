//! `GET /cycles/{id}/stats` and `.csv`: turnout by channel, district, age band and day, with
//! every count of fewer than 10 people suppressed (and a second cell where one could be
//! recovered from the total); staff any time, everyone once published, other tenants never.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, PASSWORD, PLATFORM_EMAIL};
use crate::support::{
    approvals, BudgetBuilder, MunicipalityBuilder, ResidentBuilder, Role, Session,
};

fn stats_path(cycle: &str) -> String {
    format!("/api/v1/cycles/{cycle}/stats")
}

/// The statistics stay JSON: `nobody_singled_out` walks every count in them, wherever it is.
async fn stats(who: &Session, cycle: &str) -> Value {
    who.get(&stats_path(cycle)).await.ok()
}

/// `(key, count)` of a breakdown, `None` where suppressed.
fn cells(breakdown: &Value) -> Vec<(String, Option<u64>)> {
    breakdown
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["suppressed"], c["count"].is_null(), "{c}");
            (c["key"].as_str().unwrap().to_string(), c["count"].as_u64())
        })
        .collect()
}

fn count_of(breakdown: &Value, key: &str) -> Option<u64> {
    cells(breakdown)
        .into_iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no {key} in {breakdown}"))
        .1
}

/// Every count of people anywhere in the answer is 0, at least 10, or suppressed.
fn nobody_singled_out(value: &Value) {
    match value {
        Value::Object(map) => {
            if let (Some(count), Some(_)) = (map.get("count"), map.get("suppressed")) {
                if let Some(n) = count.as_u64() {
                    assert!(n == 0 || n >= 10, "a count of {n} people is shown: {value}");
                }
            }
            map.values().for_each(nobody_singled_out);
        }
        Value::Array(items) => items.iter().for_each(nobody_singled_out),
        _ => {}
    }
}

#[tokio::test]
async fn participation_statistics_suppress_small_groups() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("konya").open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let meram = city.admin.add_district(&city, "Meram").await;
    let selcuklu = city.admin.add_district(&city, "Selçuklu").await;
    let voting = app
        .open_voting(
            &city,
            &official,
            BudgetBuilder::approval(2).name("City").amount(1_000_000),
            &[300_000, 200_000],
        )
        .await;
    let (cycle, budget) = (&voting.cycle.id, &voting.budget);
    let pick = approvals(&voting.proposals[..1]);
    // 14 voters in Meram in their thirties, 6 in Selçuklu over 65, and 2 paper ballots.
    for n in 0..20u64 {
        let (born, home) = if n < 14 {
            ("1994-06-01", &meram)
        } else {
            ("1950-06-01", &selcuklu)
        };
        let voter = app
            .register_resident(
                &city,
                ResidentBuilder::adult(500 + n).born(born).district(home),
            )
            .await;
        assert!(voter.cast(budget, pick.clone()).await.status.is_success());
    }
    let paper = official
        .post(
            &format!("/api/v1/budgets/{}/paper-ballots", budget.id),
            &json!({"polling_station": "Okul 3", "ballots": [{"selections": pick}, {"selections": pick}]}),
        )
        .await;
    assert_eq!(paper.status, 201);

    // Not public before publication; another municipality's staff never see it.
    let anyone = app.anonymous();
    let hidden = anyone.get(&stats_path(cycle)).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(hidden.problem().code, "no_stats");
    let platform = app.logged_in(None, PLATFORM_EMAIL, PASSWORD).await;
    let other_admin = app.municipality(platform.token(), "sivas", "TR").await;
    let other = app.session(&app.staff(&other_admin, "sivas", "official").await);
    assert_eq!(other.get(&stats_path(cycle)).await.status, 404);

    let s = stats(&official, cycle).await;
    nobody_singled_out(&s);
    assert_eq!(s["suppression_threshold"], 10);
    let b = &s["budgets"][0];
    assert_eq!(b["ballots"]["count"], 22);
    assert_eq!(b["registered_voters"]["count"], 20);
    assert_eq!(b["online_turnout_percent"], "100.0");
    // Meram's 14 show; Selçuklu's 6 and the 2 unknown (paper) do not.
    assert_eq!(count_of(&b["by_district"], "Meram"), Some(14));
    assert_eq!(count_of(&b["by_district"], "Selçuklu"), None);
    assert_eq!(count_of(&b["by_district"], "unknown"), None);
    assert_eq!(count_of(&b["by_age_band"], "25-34"), Some(14));
    assert_eq!(count_of(&b["by_age_band"], "65+"), None);
    assert_eq!(
        count_of(&b["by_age_band"], "18-24"),
        Some(0),
        "zero is shown"
    );
    // Paper (2) alone would be hidden and online recovered as 22 − 2: both are hidden.
    assert_eq!(
        cells(&b["by_channel"]),
        [("online".to_string(), None), ("paper".to_string(), None)]
    );
    let days = cells(&b["by_day"]);
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].1, Some(22));
    assert_eq!(
        count_of(&s["registrations_by_status"], "verified"),
        Some(20)
    );
    assert_eq!(
        s["proposals_by_category_and_outcome"],
        json!([{"category": "x", "outcome": "approved", "proposals": 2}])
    );

    // Published: public, as JSON and as CSV.
    assert_eq!(official.move_cycle(cycle, "closed").await.status, 200);
    official.tally(budget).await;
    assert_eq!(official.move_cycle(cycle, "published").await.status, 200);
    let public = stats(&anyone, cycle).await;
    assert_eq!(public["budgets"][0]["by_district"], b["by_district"]);
    let csv = anyone.get(&format!("{}.csv", stats_path(cycle))).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let text = csv.text();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "section",
            "budget_id",
            "budget",
            "key",
            "value",
            "suppressed"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let find = |section: &str, key: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[3] == key)
            .unwrap_or_else(|| panic!("no {section}/{key}"))
            .clone()
    };
    assert_eq!(find("ballots", "total")[4], "22");
    assert_eq!(find("by_district", "Meram")[4], "14");
    assert_eq!(find("by_district", "Selçuklu")[4..], ["", "yes"]);
    assert_eq!(find("by_age_band", "65+")[4..], ["", "yes"]);
    for row in &rows {
        if let Ok(n) = row[4].parse::<u64>() {
            assert!(n == 0 || n >= 10 || row[0] == "proposals", "{row:?}");
        }
    }
}
