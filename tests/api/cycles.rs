//! Budget cycles and budgets: who may create and see them, the checked lifecycle, the rules
//! validated against each other, and what voting freezes.

use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::support::{audit_actions, Budget, Cycle, MunicipalityBuilder, Role};

#[tokio::test]
async fn drafts_are_for_staff_and_officials_create_them() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("ankara"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let anyone = app.anonymous();

    // Only officials start cycles.
    let refused = auditor
        .post(
            "/api/v1/municipalities/ankara/cycles",
            &json!({"names": {"en": "x"}}),
        )
        .await;
    assert_eq!(refused.status, 403);
    let missing = official
        .post("/api/v1/municipalities/ankara/cycles", &json!({}))
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.problem().errors()[0].field, "names");

    let cycle = official.create_cycle(&city).await;
    let public: Vec<Cycle> = anyone
        .get("/api/v1/municipalities/ankara/cycles")
        .await
        .ok();
    assert_eq!(public.len(), 0, "drafts are not public");
    assert_eq!(
        anyone
            .get(&format!("/api/v1/cycles/{}", cycle.id))
            .await
            .status,
        404
    );
    let staff: Vec<Cycle> = auditor
        .get("/api/v1/municipalities/ankara/cycles")
        .await
        .ok();
    assert_eq!(staff[0].id, cycle.id);
    assert_eq!(staff[0].status, "draft");

    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    let public: Cycle = anyone
        .get(&format!("/api/v1/cycles/{}", cycle.id))
        .await
        .ok();
    assert_eq!(public.status, "submission");
}

/// `?include=budgets` gives each cycle its budgets exactly as `GET /cycles/{id}/budgets` does
/// (a city's page then needs one request); drafts and their budgets stay with the staff.
#[tokio::test]
async fn cycles_come_with_their_budgets_when_asked() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("bursa"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let open = official.create_cycle(&city).await;
    let draft = official.create_cycle(&city).await;
    for name in ["Parks", "Schools"] {
        official
            .create_budget(
                &open,
                json!({"names": {"en": name}, "amount_minor": 1_000_000, "ballot": {"type": "approval"},
                       "rule": {"kind": "greedy"}}),
            )
            .await;
    }
    official
        .create_budget(
            &draft,
            json!({"names": {"en": "Secret"}, "amount_minor": 5_000, "ballot": {"type": "approval"},
                   "rule": {"kind": "greedy"}}),
        )
        .await;
    assert_eq!(official.move_cycle(&open, "submission").await.status, 200);

    // The shapes themselves are under test here (a member present or not), so these stay JSON.
    let plain: Value = app
        .anonymous()
        .get("/api/v1/municipalities/bursa/cycles")
        .await
        .ok();
    assert!(
        plain[0].get("budgets").is_none(),
        "only when asked: {plain}"
    );
    let public: Value = app
        .anonymous()
        .get("/api/v1/municipalities/bursa/cycles?include=budgets")
        .await
        .ok();
    assert_eq!(public.as_array().unwrap().len(), 1, "no draft: {public}");
    let separately: Value = app
        .anonymous()
        .get(&format!("/api/v1/cycles/{}/budgets", open.id))
        .await
        .ok();
    assert_eq!(public[0]["budgets"], separately);
    assert_eq!(separately.as_array().unwrap().len(), 2);

    let staff: Value = official
        .get("/api/v1/municipalities/bursa/cycles?include=budgets")
        .await
        .ok();
    let draft_view = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == draft.id.as_str())
        .expect("staff see the draft");
    assert_eq!(draft_view["budgets"][0]["names"]["en"], "Secret");

    let bad = app
        .anonymous()
        .get("/api/v1/municipalities/bursa/cycles?include=proposals")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.problem().code, "invalid_query");
}

#[tokio::test]
async fn scheduled_times_are_read_in_the_municipality_zone() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("izmir"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;
    let path = format!("/api/v1/cycles/{}", cycle.id);
    // Europe/Istanbul is UTC+3 all year.
    let response = official
        .patch(
            &path,
            &json!({"voting_opens_at": "2027-05-01T09:00", "voting_closes_at": "2027-05-31T20:00"}),
        )
        .await;
    assert_eq!(response.status, 200);
    let body: Cycle = response.ok();
    assert_eq!(
        body.voting_closes_at.as_deref(),
        Some("2027-05-31T17:00:00Z")
    );
    assert_eq!(
        body.voting_closes_local.as_deref(),
        Some("2027-05-31T20:00:00")
    );
    assert_eq!(body.time_zone, "Europe/Istanbul");

    let bad = official
        .patch(
            &path,
            &json!({"voting_closes_at": "2027-04-01T09:00", "submission_opens_at": "soon"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.problem().fields(),
        ["submission_opens_at", "voting_closes_at"]
    );
}

#[tokio::test]
async fn the_lifecycle_is_checked_and_audited() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("bursa"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;

    let skip = official.move_cycle(&cycle, "voting").await;
    assert_eq!(skip.status, 409);
    assert_eq!(skip.problem().code, "invalid_transition");
    let unknown = official.move_cycle(&cycle, "finished").await;
    assert_eq!(unknown.status, 422);

    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    let empty = official.move_cycle(&cycle, "voting").await;
    assert_eq!(empty.status, 409);
    assert_eq!(empty.problem().code, "no_budgets");

    // A draft can no longer be edited once it moved on.
    let edit = official
        .patch(
            &format!("/api/v1/cycles/{}", cycle.id),
            &json!({"names": {"en": "y"}}),
        )
        .await;
    assert_eq!(edit.status, 409);
    assert_eq!(edit.problem().code, "cycle_not_draft");

    assert_eq!(official.move_cycle(&cycle, "cancelled").await.status, 200);
    let again = official.move_cycle(&cycle, "submission").await;
    assert_eq!(again.problem().code, "invalid_transition");

    let moves = audit_actions(&app, "cycle.transition").await;
    assert_eq!(moves, 3, "every move is audited");
}

#[tokio::test]
async fn budget_rules_are_validated_together() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("konya"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;

    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "City-wide"}, "amount_minor": 50_000_000,
                   "ballot": {"type": "knapsack"}, "rule": {"kind": "equal_shares", "completion": "add1_greedy"}}),
        )
        .await;
    assert_eq!(
        budget.ballot["max_spend_minor"], 50_000_000,
        "the cap defaults to the amount"
    );
    assert_eq!(budget.rule["tie_break"], "pabutools");
    assert_eq!(budget.currency, "TRY");
    assert_eq!(budget.district_id, None);

    let bad = official
        .post(
            &format!("/api/v1/cycles/{}/budgets", cycle.id),
            &json!({"names": {"en": "x"}, "amount_minor": 0, "district_id": "00000000-0000-0000-0000-000000000000",
                    "ballot": {"type": "cumulative"}, "rule": {"kind": "phragmen", "completion": "add1"}}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let codes: Vec<(String, String)> = bad
        .problem()
        .errors()
        .into_iter()
        .map(|e| (e.field, e.code))
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

    let seeded: Budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Seeded"}, "amount_minor": 1000,
                   "rule": {"kind": "equal_shares", "tie_break": "equalshares"}}),
        )
        .await;
    assert!(
        seeded.rule["seed"].is_u64(),
        "the seed is drawn and published before counting"
    );

    let path = format!("/api/v1/budgets/{}", budget.id);
    let patched = official
        .patch(&path, &json!({"rule": {"kind": "phragmen"}}))
        .await;
    assert_eq!(patched.status, 200);
    // Changing the ballot type re-checks the stored rule: Phragmén needs approval ballots.
    let patched = official
        .patch(
            &path,
            &json!({"ballot": {"type": "cumulative", "max_points": 10}}),
        )
        .await;
    assert_eq!(patched.status, 422);
    assert_eq!(
        patched.problem().errors()[0].code,
        "phragmen_needs_approval"
    );
}
