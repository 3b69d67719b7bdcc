//! The web client in a real browser: officials (see browser.rs for how these run).
//!
//! A Turkish city in two languages (Turkish by default, English) with two districts and 121
//! registrations waiting for review, one of them under age. In the browser an official creates
//! a cycle named in both languages, sets its dates, creates a district budget with Equal Shares
//! options, changes it, deletes another, pages and searches the registrations and lists a
//! second cycle's proposals (`tests/browser/officials.test.mjs`); afterwards the API shows
//! what the pages stored.

use serde_json::{json, Value};

use crate::browser::{browser_available, run_in_browser};
use crate::helpers::{spawn_app, PASSWORD};
use crate::support::{BudgetBuilder, MunicipalityBuilder, ProposalBuilder, ResidentBuilder, Role};

#[tokio::test]
async fn an_official_configures_a_cycle_and_pages_the_registrations_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let slug = "bursa";
    let city = app
        .create_municipality(
            MunicipalityBuilder::turkish(slug)
                .registration("review")
                .setting("languages", json!(["tr", "en"]))
                .setting("min_voting_age", 18),
        )
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let nilufer = city.admin.add_district(&city, "Nilüfer").await;
    let osmangazi = city.admin.add_district(&city, "Osmangazi").await;
    let register = |body: Value| {
        let anonymous = app.anonymous();
        async move {
            anonymous
                .post(&format!("/api/v1/municipalities/{slug}/residents"), &body)
                .await
                .expect_status(201);
        }
    };
    for n in 1..=120u64 {
        let district = if n % 2 == 0 { &nilufer } else { &osmangazi };
        register(ResidentBuilder::adult(n).district(district).body(slug)).await;
    }
    // Sixteen when the page is read: under the city's minimum age of 18.
    let young = ResidentBuilder::adult(500)
        .district(&nilufer)
        .born("2010-06-01");
    let mut body = young.body(slug);
    body["full_name"] = json!("Zeynep Kaya");
    register(body).await;

    // A second cycle in submission with 30 proposals, a tenth of them rejected.
    let autumn = official.create_cycle(&city).await;
    official
        .patch(
            &format!("/api/v1/cycles/{}", autumn.id),
            &json!({"names": {"en": "Autumn works", "tr": "Sonbahar işleri"}}),
        )
        .await
        .expect_status(200);
    let works = official
        .create_budget(&autumn, BudgetBuilder::approval(3).name("Works"))
        .await;
    official.advance(&autumn, "submission").await;
    for n in 1..=30u32 {
        let proposal = official
            .propose(
                &works,
                ProposalBuilder::new(&format!("Project {n:02}")).cost(100),
            )
            .await;
        if n % 10 == 0 {
            official
                .review(&proposal, &json!({"decision": "reject", "reason": "no"}))
                .await
                .expect_status(200);
        }
    }

    let env = vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_OFFICIAL", format!("official@{slug}.example")),
    ];
    run_in_browser(&app, "officials.test.mjs", env).await;

    // What the pages sent is what the API stored.
    let cycles: Vec<Value> = official
        .get(&format!("/api/v1/municipalities/{slug}/cycles"))
        .await
        .json_as();
    let cycle = cycles
        .iter()
        .find(|c| c["names"]["en"] == "Spring budget")
        .expect("the cycle made in the browser");
    assert_eq!(
        cycle["names"],
        json!({"tr": "Bahar bütçesi", "en": "Spring budget"})
    );
    // Wall-clock times in Istanbul (UTC+3).
    assert_eq!(cycle["submission_opens_at"], "2027-03-01T06:00:00Z");
    assert_eq!(cycle["voting_opens_at"], "2027-04-01T06:00:00Z");
    assert_eq!(cycle["voting_closes_at"], "2027-04-30T17:00:00Z");
    let budgets: Vec<Value> = official
        .get(&format!(
            "/api/v1/cycles/{}/budgets",
            cycle["id"].as_str().unwrap()
        ))
        .await
        .json_as();
    assert_eq!(budgets.len(), 1, "{budgets:?}");
    let budget = &budgets[0];
    assert_eq!(
        budget["names"],
        json!({"tr": "Nilüfer parkları", "en": "Nilüfer parks"})
    );
    assert_eq!(budget["district_id"], json!(nilufer.id));
    assert_eq!(budget["amount_minor"], 30_000_000);
    assert_eq!(budget["ballot"]["type"], "approval");
    assert_eq!(budget["ballot"]["min_selections"], 1);
    assert_eq!(budget["ballot"]["max_selections"], 3);
    assert_eq!(budget["rule"]["kind"], "equal_shares");
    assert_eq!(budget["rule"]["completion"], "add1_greedy");
    assert_eq!(budget["rule"]["tie_break"], "equalshares");
}
