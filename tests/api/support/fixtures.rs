//! The string-level fixtures the test modules used to import from one another (from
//! `ballots`, `cycles` and `proposals`), kept with their signatures for the modules not yet
//! moved onto the typed client. Each is the typed client's call with tokens and ids as strings.

use serde_json::{json, Value};

use super::builders::{MunicipalityBuilder, ProposalBuilder, ResidentBuilder};
use super::model::Role;
use crate::helpers::TestApp;

/// A valid T.C. Kimlik No built from `seed` (nine digits, then the two check digits).
pub fn tckn(seed: u64) -> String {
    let mut d: Vec<u32> = format!("{:09}", 100_000_000 + seed % 800_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    d.push(((7 * odd) as i64 - even as i64).rem_euclid(10) as u32);
    d.push(d.iter().sum::<u32>() % 10);
    d.iter().map(|x| x.to_string()).collect()
}

/// A Turkish municipality with an official; returns (admin token, official token).
pub async fn city(app: &TestApp, slug: &str) -> (String, String) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city.admin.token().to_string(), official.token().to_string())
}

/// A Turkish city with open registration and an official; returns (admin token, official
/// token).
pub async fn open_city(app: &TestApp, slug: &str, revote: &str) -> (String, String) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration(revote))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city.admin.token().to_string(), official.token().to_string())
}

/// Adds a district as the municipality's admin; returns its id.
pub async fn district(app: &TestApp, slug: &str, admin: &str, name: &str) -> String {
    app.session(admin).add_district(slug, name).await.id
}

/// Registers resident number `n` (verified at once under `open`) and logs them in.
pub async fn resident(
    app: &TestApp,
    slug: &str,
    n: u64,
    birth_date: &str,
    district: Option<&str>,
) -> String {
    let resident = ResidentBuilder::adult(n)
        .born(birth_date)
        .maybe_district(district);
    app.register_resident(slug, resident)
        .await
        .token()
        .to_string()
}

/// A cycle in voting with one budget of `body` and proposals costing `costs`; returns (cycle
/// id, budget id, proposal ids).
pub async fn voting_budget(
    app: &TestApp,
    slug: &str,
    official: &str,
    body: Value,
    costs: &[i64],
) -> (String, String, Vec<String>) {
    let voting = app
        .open_voting(slug, &app.session(official), body, costs)
        .await;
    let proposals = voting.proposal_ids();
    (voting.cycle.id, voting.budget.id, proposals)
}

/// Counts a closed budget as its official.
pub async fn tally(app: &TestApp, budget: &str, official: &str) {
    app.session(official).tally(budget).await;
}

pub async fn vote(
    app: &TestApp,
    budget: &str,
    token: &str,
    selections: Value,
) -> reqwest::Response {
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/budgets/{budget}/ballot"),
        Some(token),
        &json!({ "selections": selections }),
    )
    .await
}

/// A draft cycle; returns its id.
pub async fn new_cycle(app: &TestApp, slug: &str, official: &str) -> String {
    app.session(official).create_cycle(slug).await.id
}

/// A budget of `body`; returns the created budget as the API shows it.
pub async fn new_budget(app: &TestApp, cycle: &str, official: &str, body: Value) -> Value {
    app.session(official)
        .post(&format!("/api/v1/cycles/{cycle}/budgets"), &body)
        .await
        .created()
}

pub async fn move_to(app: &TestApp, cycle: &str, official: &str, to: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/cycles/{cycle}/transition"),
        Some(official),
        &json!({ "to": to }),
    )
    .await
}

/// A proposal of `cost` in `category`; returns its id.
pub async fn propose(
    app: &TestApp,
    budget: &str,
    token: &str,
    title: &str,
    cost: i64,
    category: &str,
) -> String {
    let proposal = ProposalBuilder::new(title).cost(cost).category(category);
    app.session(token).propose(budget, proposal).await.id
}

pub async fn approve(app: &TestApp, proposal: &str, official: &str) {
    app.session(official).approve(proposal).await;
}

/// How many audit entries of every municipality record `action`.
pub async fn audit_actions(app: &TestApp, action: &str) -> usize {
    let action = action.to_string();
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq(action))
                .count()
                .get_result::<i64>(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap() as usize
}

/// The details of every audit entry recording `action`, oldest first.
pub async fn audit_details(app: &TestApp, action: &str) -> Vec<Value> {
    let action = action.to_string();
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq(action))
                .order(audit_log::seq.asc())
                .select(audit_log::details)
                .load::<String>(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}
