//! Proposals: officials' submissions and reviews, what the public sees, texts in the caller's
//! language, filters and sorting, and the freeze when voting opens.

use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app};
use crate::support::{approve, city, move_to, new_budget, new_cycle, propose};

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn officials_propose_and_review_and_the_public_sees_approved_ones() {
    let app = spawn_app().await;
    let (_, official) = city(&app, "kayseri").await;
    let cycle = new_cycle(&app, "kayseri", &official).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 100_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap();

    let draft = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&official),
            &json!({"titles": {"en": "x"}, "descriptions": {"en": "y"}, "cost_minor": 5}),
        )
        .await;
    assert_eq!(
        problem(draft).await["code"],
        "cycle_not_accepting_proposals"
    );
    assert_eq!(
        move_to(&app, &cycle, &official, "submission")
            .await
            .status(),
        200
    );

    let bad = app
        .post(
            &format!("/api/v1/budgets/{budget}/proposals"),
            Some(&official),
            &json!({"titles": {"fr": "Parc"}, "descriptions": {"en": "y"}, "cost_minor": 100_001,
                    "location": {"lat": 91.0, "lon": 0.0}}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let codes: Vec<String> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    for code in [
        "missing_default_language",
        "language_not_enabled",
        "cost_above_budget",
        "invalid_location",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }

    let park = propose(&app, budget, &official, "Park", 60_000, "Green").await;
    let bench = propose(&app, budget, &official, "Benches", 10_000, "green").await;
    let lamp = propose(&app, budget, &official, "Lamps", 30_000, "light").await;
    approve(&app, &park, &official).await;
    approve(&app, &lamp, &official).await;
    let reject = app
        .post(
            &format!("/api/v1/proposals/{bench}/review"),
            Some(&official),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(
        problem(reject).await["errors"][0]["code"],
        "required",
        "a rejection needs a reason"
    );
    let reject = app
        .post(
            &format!("/api/v1/proposals/{bench}/review"),
            Some(&official),
            &json!({"decision": "reject", "reason": "Already planned"}),
        )
        .await;
    assert_eq!(reject.status(), 200);

    let public: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals?sort=cost"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(titles(&public), ["Lamps", "Park"]);
    assert_eq!(public["total"], 2);
    assert_eq!(
        app.get(&format!("/api/v1/proposals/{bench}"), None)
            .await
            .status(),
        404
    );
    let peek = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals?status=rejected"),
            None,
        )
        .await;
    assert_eq!(peek.status(), 403);

    let staff: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals?status=rejected"),
            Some(&official),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(titles(&staff), ["Benches"]);
    assert_eq!(staff["items"][0]["status_reason"], "Already planned");
    let green: Value = app
        .get(
            &format!("/api/v1/cycles/{cycle}/proposals?category=GREEN&sort=-cost"),
            Some(&official),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        titles(&green),
        ["Park", "Benches"],
        "categories compare without case"
    );
    let found: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals?q=about%20lam"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(titles(&found), ["Lamps"]);
    let paged: Value = app
        .get(
            &format!("/api/v1/budgets/{budget}/proposals?sort=title&limit=1&page=2"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(titles(&paged), ["Park"]);
}

#[tokio::test]
async fn texts_come_in_the_callers_language_with_the_default_as_fallback() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "almaty", "KZ").await;
    let settings = app
        .patch(
            "/api/v1/municipalities/almaty/settings",
            Some(&admin),
            &json!({"languages": ["kk", "ru", "en"], "default_language": "en"}),
        )
        .await;
    assert_eq!(settings.status(), 200, "{}", settings.text().await.unwrap());
    let official = app.staff(&admin, "almaty", "official").await;
    let cycle = new_cycle(&app, "almaty", &official).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap();
    assert_eq!(
        move_to(&app, &cycle, &official, "submission")
            .await
            .status(),
        200
    );
    let response = app
        .post(&format!("/api/v1/budgets/{budget}/proposals"), Some(&official),
            &json!({"titles": {"en": "Playground", "kk": "Ойын алаңы"}, "descriptions": {"en": "Swings"}, "cost_minor": 500}))
        .await;
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    approve(&app, &id, &official).await;

    let kk: Value = app
        .get(&format!("/api/v1/proposals/{id}?lang=kk"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kk["title"], "Ойын алаңы");
    assert_eq!(
        kk["description"], "Swings",
        "no Kazakh description: the default language"
    );
    let ru: Value = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/proposals/{id}"),
            None,
        )
        .header("Accept-Language", "ru-KZ, kk;q=0.5")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ru["title"], "Playground",
        "no Russian title: the default language"
    );
}

#[tokio::test]
async fn opening_voting_freezes_rules_and_ballot() {
    let app = spawn_app().await;
    let (admin, official) = city(&app, "trabzon").await;
    let cycle = new_cycle(&app, "trabzon", &official).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "All"}, "amount_minor": 1_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap();
    let other = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "Other"}, "amount_minor": 1_000}),
    )
    .await;
    let other = other["id"].as_str().unwrap();
    move_to(&app, &cycle, &official, "submission").await;
    let a = propose(&app, budget, &official, "A", 500, "x").await;
    let b = propose(&app, budget, &official, "B", 500, "x").await;
    approve(&app, &a, &official).await;
    move_to(&app, &cycle, &official, "review").await;

    let refused = move_to(&app, &cycle, &official, "voting").await;
    assert_eq!(refused.status(), 409);
    let body = problem(refused).await;
    assert_eq!(body["code"], "budget_without_proposals");
    assert!(body["detail"].as_str().unwrap().contains(other));
    let c = propose(&app, other, &official, "C", 100, "x").await;
    approve(&app, &c, &official).await;

    assert_eq!(
        move_to(&app, &cycle, &official, "voting").await.status(),
        200
    );
    let frozen: Value = app
        .get(&format!("/api/v1/budgets/{budget}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(frozen["frozen_at"].is_string());
    let a_view: Value = app
        .get(&format!("/api/v1/proposals/{a}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a_view["on_ballot"], true);
    let b_view: Value = app
        .get(&format!("/api/v1/proposals/{b}"), Some(&official))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        b_view["on_ballot"], false,
        "not approved in time: not on the ballot"
    );

    let change = app
        .patch(
            &format!("/api/v1/budgets/{budget}"),
            Some(&official),
            &json!({"amount_minor": 2_000}),
        )
        .await;
    assert_eq!(problem(change).await["code"], "budget_frozen");
    let approve_late = app
        .post(
            &format!("/api/v1/proposals/{b}/review"),
            Some(&official),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        problem(approve_late).await["code"],
        "cycle_not_accepting_proposals"
    );
    let add = app
        .post(
            &format!("/api/v1/cycles/{cycle}/budgets"),
            Some(&official),
            &json!({"names": {"en": "Late"}, "amount_minor": 5}),
        )
        .await;
    assert_eq!(problem(add).await["code"], "budget_frozen");

    // Settings a running vote depends on are refused; others are not.
    let settings = "/api/v1/municipalities/trabzon/settings";
    let revote = app
        .patch(
            settings,
            Some(&admin),
            &json!({"revote_policy": "final", "min_voting_age": 16}),
        )
        .await;
    let body = problem(revote).await;
    assert_eq!(body["code"], "cycle_in_voting");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("min_voting_age, revote_policy"));
    let limit = app
        .patch(
            settings,
            Some(&admin),
            &json!({"max_proposals_per_resident": 2}),
        )
        .await;
    assert_eq!(limit.status(), 200);
    assert_eq!(
        limit.json::<Value>().await.unwrap()["max_proposals_per_resident"],
        2
    );
}
