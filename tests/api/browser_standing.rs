//! The web client in a real browser: where a resident stands before and after voting (see
//! browser.rs for how these run). The stage: a city with a district budget ("North parks") and
//! a city-wide one ("City library") in voting, and residents of every standing — one of the
//! other district, one awaiting review, one under age, one who has voted, one who will, and
//! two who look after their account.

use chrono::Datelike;
use serde_json::json;

use crate::browser::{browser_available, open_city, run_in_browser};
use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{approvals, tckn, ResidentBuilder};

/// Seventeen since the 1st of this month: of age on the 1st of this month next year.
fn seventeen() -> chrono::NaiveDate {
    let today = chrono::Utc::now().date_naive();
    chrono::NaiveDate::from_ymd_opt(today.year() - 17, today.month(), 1).unwrap()
}

async fn stage(app: &TestApp, slug: &str) -> Vec<(&'static str, String)> {
    let (city, official) = open_city(app, slug).await;
    let north = city.admin.add_district(&city, "North").await;
    let south = city.admin.add_district(&city, "South").await;
    let cycle = official.create_cycle(&city).await;
    let parks = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "North parks"}, "amount_minor": 100_000, "district_id": north.id,
                   "ballot": {"type": "approval", "max_selections": 1}}),
        )
        .await;
    let library = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "City library"}, "amount_minor": 100_000,
                   "ballot": {"type": "approval", "max_selections": 1}}),
        )
        .await;
    official.advance(&cycle, "submission").await;
    let mut library_books = Vec::new();
    for (budget, title) in [(&parks, "Swings"), (&library, "Books")] {
        let proposal = official
            .propose(
                budget,
                crate::support::ProposalBuilder::new(title).cost(10_000),
            )
            .await;
        official.approve(&proposal).await;
        if title == "Books" {
            library_books.push(proposal);
        }
    }
    official.advance(&cycle, "review").await;
    official.advance(&cycle, "voting").await;

    let north_id = north.id.as_str();
    app.register_resident(&city, ResidentBuilder::adult(61).district(&north))
        .await;
    app.register_resident(&city, ResidentBuilder::adult(62).district(&south))
        .await;
    app.register_resident(
        &city,
        ResidentBuilder::adult(63)
            .born(&seventeen().to_string())
            .district(&north),
    )
    .await;
    let voted = app
        .register_resident(&city, ResidentBuilder::adult(64).district(&north))
        .await;
    assert_eq!(
        voted.cast(&library, approvals(&library_books)).await.status,
        201
    );
    // One registration under review: the policy changes for it, then back.
    city.admin
        .update_settings(&city, &json!({"registration_policy": "review"}))
        .await;
    app.register_resident(&city, ResidentBuilder::adult(65).district(&north))
        .await;
    city.admin
        .update_settings(&city, &json!({"registration_policy": "open"}))
        .await;

    for n in [67, 68] {
        app.register_resident(&city, ResidentBuilder::adult(n).district(&north))
            .await;
    }

    let email = |n: u64| ResidentBuilder::adult(n).email(slug);
    vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        ("KURULTAI_VOTER", email(61)),
        ("KURULTAI_SOUTHERNER", email(62)),
        ("KURULTAI_YOUNG", email(63)),
        ("KURULTAI_VOTED", email(64)),
        ("KURULTAI_PENDING", email(65)),
        ("KURULTAI_ACCOUNT_PHONE", email(67)),
        ("KURULTAI_ACCOUNT_DESKTOP", email(68)),
        ("KURULTAI_NORTH", north_id.to_string()),
        ("KURULTAI_NEW_ID", tckn(66)),
        ("KURULTAI_NEW_BORN", seventeen().to_string()),
        (
            "KURULTAI_NEW_OF_AGE",
            seventeen()
                .with_year(seventeen().year() + 18)
                .unwrap()
                .to_string(),
        ),
    ]
}

#[tokio::test]
async fn residents_know_where_they_stand_before_and_after_voting() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let env = stage(&app, "nigde").await;
    run_in_browser(&app, "standing.test.mjs", env).await;
}
