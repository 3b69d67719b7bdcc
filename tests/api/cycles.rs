//! Budget cycles and budgets: who may create and see them, the checked lifecycle, the rules
//! validated against each other, and what voting freezes.

use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app};
use crate::support::{audit_actions, city, move_to, new_budget, new_cycle};

#[tokio::test]
async fn drafts_are_for_staff_and_officials_create_them() {
    let app = spawn_app().await;
    let (admin, official) = city(&app, "ankara").await;
    let auditor = app.staff(&admin, "ankara", "auditor").await;

    // Only officials start cycles.
    let refused = app
        .post(
            "/api/v1/municipalities/ankara/cycles",
            Some(&auditor),
            &json!({"names": {"en": "x"}}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let missing = app
        .post(
            "/api/v1/municipalities/ankara/cycles",
            Some(&official),
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), 422);
    assert_eq!(problem(missing).await["errors"][0]["field"], "names");

    let cycle = new_cycle(&app, "ankara", &official).await;
    let public: Value = app
        .get("/api/v1/municipalities/ankara/cycles", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public.as_array().unwrap().len(), 0, "drafts are not public");
    assert_eq!(
        app.get(&format!("/api/v1/cycles/{cycle}"), None)
            .await
            .status(),
        404
    );
    let staff: Value = app
        .get("/api/v1/municipalities/ankara/cycles", Some(&auditor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff[0]["id"], cycle.as_str());
    assert_eq!(staff[0]["status"], "draft");

    assert_eq!(
        move_to(&app, &cycle, &official, "submission")
            .await
            .status(),
        200
    );
    let public: Value = app
        .get(&format!("/api/v1/cycles/{cycle}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["status"], "submission");
}

/// `?include=budgets` gives each cycle its budgets exactly as `GET /cycles/{id}/budgets` does
/// (a city's page then needs one request); drafts and their budgets stay with the staff.
#[tokio::test]
async fn cycles_come_with_their_budgets_when_asked() {
    let app = spawn_app().await;
    let (_, official) = city(&app, "bursa").await;
    let open = new_cycle(&app, "bursa", &official).await;
    let draft = new_cycle(&app, "bursa", &official).await;
    for name in ["Parks", "Schools"] {
        new_budget(
            &app,
            &open,
            &official,
            json!({"names": {"en": name}, "amount_minor": 1_000_000, "ballot": {"type": "approval"},
                   "rule": {"kind": "greedy"}}),
        )
        .await;
    }
    new_budget(
        &app,
        &draft,
        &official,
        json!({"names": {"en": "Secret"}, "amount_minor": 5_000, "ballot": {"type": "approval"},
               "rule": {"kind": "greedy"}}),
    )
    .await;
    assert_eq!(
        move_to(&app, &open, &official, "submission").await.status(),
        200
    );

    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move {
            let response = app.get(&path, token.as_deref()).await;
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let plain = get("/api/v1/municipalities/bursa/cycles".into(), None).await;
    assert!(
        plain[0].get("budgets").is_none(),
        "only when asked: {plain}"
    );
    let public = get(
        "/api/v1/municipalities/bursa/cycles?include=budgets".into(),
        None,
    )
    .await;
    assert_eq!(public.as_array().unwrap().len(), 1, "no draft: {public}");
    let separately = get(format!("/api/v1/cycles/{open}/budgets"), None).await;
    assert_eq!(public[0]["budgets"], separately);
    assert_eq!(separately.as_array().unwrap().len(), 2);

    let staff = get(
        "/api/v1/municipalities/bursa/cycles?include=budgets".into(),
        Some(official.clone()),
    )
    .await;
    let draft_view = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == draft.as_str())
        .expect("staff see the draft");
    assert_eq!(draft_view["budgets"][0]["names"]["en"], "Secret");

    let bad = app
        .get(
            "/api/v1/municipalities/bursa/cycles?include=proposals",
            None,
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(problem(bad).await["code"], "invalid_query");
}

#[tokio::test]
async fn scheduled_times_are_read_in_the_municipality_zone() {
    let app = spawn_app().await;
    let (_, official) = city(&app, "izmir").await;
    let cycle = new_cycle(&app, "izmir", &official).await;
    // Europe/Istanbul is UTC+3 all year.
    let response = app
        .patch(
            &format!("/api/v1/cycles/{cycle}"),
            Some(&official),
            &json!({"voting_opens_at": "2027-05-01T09:00", "voting_closes_at": "2027-05-31T20:00"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["voting_closes_at"], "2027-05-31T17:00:00Z");
    assert_eq!(body["voting_closes_local"], "2027-05-31T20:00:00");
    assert_eq!(body["time_zone"], "Europe/Istanbul");

    let bad = app
        .patch(
            &format!("/api/v1/cycles/{cycle}"),
            Some(&official),
            &json!({"voting_closes_at": "2027-04-01T09:00", "submission_opens_at": "soon"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let fields: Vec<String> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["submission_opens_at", "voting_closes_at"]);
}

#[tokio::test]
async fn the_lifecycle_is_checked_and_audited() {
    let app = spawn_app().await;
    let (_, official) = city(&app, "bursa").await;
    let cycle = new_cycle(&app, "bursa", &official).await;

    let skip = move_to(&app, &cycle, &official, "voting").await;
    assert_eq!(skip.status(), 409);
    assert_eq!(problem(skip).await["code"], "invalid_transition");
    let unknown = move_to(&app, &cycle, &official, "finished").await;
    assert_eq!(unknown.status(), 422);

    assert_eq!(
        move_to(&app, &cycle, &official, "submission")
            .await
            .status(),
        200
    );
    assert_eq!(
        move_to(&app, &cycle, &official, "review").await.status(),
        200
    );
    let empty = move_to(&app, &cycle, &official, "voting").await;
    assert_eq!(empty.status(), 409);
    assert_eq!(problem(empty).await["code"], "no_budgets");

    // A draft can no longer be edited once it moved on.
    let edit = app
        .patch(
            &format!("/api/v1/cycles/{cycle}"),
            Some(&official),
            &json!({"names": {"en": "y"}}),
        )
        .await;
    assert_eq!(edit.status(), 409);
    assert_eq!(problem(edit).await["code"], "cycle_not_draft");

    assert_eq!(
        move_to(&app, &cycle, &official, "cancelled").await.status(),
        200
    );
    let again = move_to(&app, &cycle, &official, "submission").await;
    assert_eq!(problem(again).await["code"], "invalid_transition");

    let moves = audit_actions(&app, "cycle.transition").await;
    assert_eq!(moves, 3, "every move is audited");
}

#[tokio::test]
async fn budget_rules_are_validated_together() {
    let app = spawn_app().await;
    let (_, official) = city(&app, "konya").await;
    let cycle = new_cycle(&app, "konya", &official).await;

    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "City-wide"}, "amount_minor": 50_000_000,
               "ballot": {"type": "knapsack"}, "rule": {"kind": "equal_shares", "completion": "add1_greedy"}}),
    )
    .await;
    assert_eq!(
        budget["ballot"]["max_spend_minor"], 50_000_000,
        "the cap defaults to the amount"
    );
    assert_eq!(budget["rule"]["tie_break"], "pabutools");
    assert_eq!(budget["currency"], "TRY");
    assert_eq!(budget["district_id"], Value::Null);

    let bad = app
        .post(
            &format!("/api/v1/cycles/{cycle}/budgets"),
            Some(&official),
            &json!({"names": {"en": "x"}, "amount_minor": 0, "district_id": "00000000-0000-0000-0000-000000000000",
                    "ballot": {"type": "cumulative"}, "rule": {"kind": "phragmen", "completion": "add1"}}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let codes: Vec<(String, String)> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().into(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [
        ("district_id", "unknown_district"),
        ("amount_minor", "out_of_range"),
        ("ballot.max_points", "required"),
        ("rule.completion", "not_applicable"),
    ] {
        assert!(
            codes
                .iter()
                .any(|(f, c)| f == expected.0 && c == expected.1),
            "{expected:?} in {codes:?}"
        );
    }

    let seeded = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "Seeded"}, "amount_minor": 1000,
               "rule": {"kind": "equal_shares", "tie_break": "equalshares"}}),
    )
    .await;
    assert!(
        seeded["rule"]["seed"].is_u64(),
        "the seed is drawn and published before counting"
    );

    let id = budget["id"].as_str().unwrap();
    let patched = app
        .patch(
            &format!("/api/v1/budgets/{id}"),
            Some(&official),
            &json!({"rule": {"kind": "phragmen"}}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    // Changing the ballot type re-checks the stored rule: Phragmén needs approval ballots.
    let patched = app
        .patch(
            &format!("/api/v1/budgets/{id}"),
            Some(&official),
            &json!({"ballot": {"type": "cumulative", "max_points": 10}}),
        )
        .await;
    assert_eq!(patched.status(), 422);
    assert_eq!(
        problem(patched).await["errors"][0]["code"],
        "phragmen_needs_approval"
    );
}
