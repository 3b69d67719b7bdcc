//! Proposals: officials' submissions and reviews, what the public sees, texts in the caller's
//! language, filters and sorting, and the freeze when voting opens.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::support::{
    Budget, Municipality, MunicipalityBuilder, Proposal, ProposalBuilder, ProposalPage, Role,
};

#[tokio::test]
async fn officials_propose_and_review_and_the_public_sees_approved_ones() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kayseri"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let anyone = app.anonymous();
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 100_000}),
        )
        .await;
    let proposals = format!("/api/v1/budgets/{}/proposals", budget.id);

    let draft = official
        .post(
            &proposals,
            &json!({"titles": {"en": "x"}, "descriptions": {"en": "y"}, "cost_minor": 5}),
        )
        .await;
    assert_eq!(draft.problem().code, "cycle_not_accepting_proposals");
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);

    let bad = official
        .post(
            &proposals,
            &json!({"titles": {"fr": "Parc"}, "descriptions": {"en": "y"}, "cost_minor": 100_001,
                    "location": {"lat": 91.0, "lon": 0.0}}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let codes: Vec<String> = bad.problem().errors().into_iter().map(|e| e.code).collect();
    for code in [
        "missing_default_language",
        "language_not_enabled",
        "cost_above_budget",
        "invalid_location",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }

    // A point on the map is stored and shown back as it was sent.
    let placed: Proposal = official
        .post(
            &proposals,
            &json!({"titles": {"en": "Fountain"}, "descriptions": {"en": "y"}, "cost_minor": 5,
                    "location": {"lat": 43.2389, "lon": -76.8897}}),
        )
        .await
        .created();
    let shown = official
        .get(&format!("/api/v1/proposals/{}", placed.id))
        .await;
    assert_eq!(
        shown.json()["location"],
        json!({"lat": 43.2389, "lon": -76.8897})
    );

    let park = official
        .propose(
            &budget,
            ProposalBuilder::new("Park").cost(60_000).category("Green"),
        )
        .await;
    let bench = official
        .propose(
            &budget,
            ProposalBuilder::new("Benches")
                .cost(10_000)
                .category("green"),
        )
        .await;
    let lamp = official
        .propose(
            &budget,
            ProposalBuilder::new("Lamps").cost(30_000).category("light"),
        )
        .await;
    official.approve(&park).await;
    official.approve(&lamp).await;
    let reject = official
        .review(&bench, &json!({"decision": "reject"}))
        .await;
    assert_eq!(
        reject.problem().errors()[0].code,
        "required",
        "a rejection needs a reason"
    );
    let reject = official
        .review(
            &bench,
            &json!({"decision": "reject", "reason": "Already planned"}),
        )
        .await;
    assert_eq!(reject.status, 200);

    let public: ProposalPage = anyone.get(&format!("{proposals}?sort=cost")).await.ok();
    assert_eq!(public.titles(), ["Lamps", "Park"]);
    assert_eq!(public.total, 2);
    assert_eq!(
        anyone
            .get(&format!("/api/v1/proposals/{}", bench.id))
            .await
            .status,
        404
    );
    let peek = anyone.get(&format!("{proposals}?status=rejected")).await;
    assert_eq!(peek.status, 403);

    let staff: ProposalPage = official
        .get(&format!("{proposals}?status=rejected"))
        .await
        .ok();
    assert_eq!(staff.titles(), ["Benches"]);
    assert_eq!(
        staff.items[0].status_reason.as_deref(),
        Some("Already planned")
    );
    let green: ProposalPage = official
        .get(&format!(
            "/api/v1/cycles/{}/proposals?category=GREEN&sort=-cost",
            cycle.id
        ))
        .await
        .ok();
    assert_eq!(
        green.titles(),
        ["Park", "Benches"],
        "categories compare without case"
    );
    let found: ProposalPage = anyone.get(&format!("{proposals}?q=about%20lam")).await.ok();
    assert_eq!(found.titles(), ["Lamps"]);
    let paged: ProposalPage = anyone
        .get(&format!("{proposals}?sort=title&limit=1&page=2"))
        .await
        .ok();
    assert_eq!(paged.titles(), ["Park"]);
}

#[tokio::test]
async fn texts_come_in_the_callers_language_with_the_default_as_fallback() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::new("almaty", "KZ"))
        .await;
    city.admin
        .update_settings(
            &city,
            &json!({"languages": ["kk", "ru", "en"], "default_language": "en"}),
        )
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        )
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    let proposal: Proposal = official
        .post(&format!("/api/v1/budgets/{}/proposals", budget.id),
            &json!({"titles": {"en": "Playground", "kk": "Ойын алаңы"}, "descriptions": {"en": "Swings"}, "cost_minor": 500}))
        .await
        .created();
    official.approve(&proposal).await;

    let kk: Proposal = app
        .anonymous()
        .get(&format!("/api/v1/proposals/{}?lang=kk", proposal.id))
        .await
        .ok();
    assert_eq!(kk.title, "Ойын алаңы");
    assert_eq!(
        kk.description, "Swings",
        "no Kazakh description: the default language"
    );
    let ru: Proposal = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/proposals/{}", proposal.id),
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
        ru.title, "Playground",
        "no Russian title: the default language"
    );
}

#[tokio::test]
async fn opening_voting_freezes_rules_and_ballot() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("trabzon"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let anyone = app.anonymous();
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        )
        .await;
    let other = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Other"}, "amount_minor": 1_000}),
        )
        .await;
    official.move_cycle(&cycle, "submission").await;
    let a = official
        .propose(&budget, ProposalBuilder::new("A").cost(500))
        .await;
    let b = official
        .propose(&budget, ProposalBuilder::new("B").cost(500))
        .await;
    official.approve(&a).await;
    official.move_cycle(&cycle, "review").await;

    let refused = official.move_cycle(&cycle, "voting").await;
    assert_eq!(refused.status, 409);
    let body = refused.problem();
    assert_eq!(body.code, "budget_without_proposals");
    assert!(body.detail().contains(&other.id));
    let c = official
        .propose(&other, ProposalBuilder::new("C").cost(100))
        .await;
    official.approve(&c).await;

    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);
    let frozen: Budget = anyone
        .get(&format!("/api/v1/budgets/{}", budget.id))
        .await
        .ok();
    assert!(frozen.frozen_at.is_some());
    let a_view: Proposal = anyone
        .get(&format!("/api/v1/proposals/{}", a.id))
        .await
        .ok();
    assert!(a_view.on_ballot);
    let b_view: Proposal = official
        .get(&format!("/api/v1/proposals/{}", b.id))
        .await
        .ok();
    assert!(!b_view.on_ballot, "not approved in time: not on the ballot");

    let change = official
        .patch(
            &format!("/api/v1/budgets/{}", budget.id),
            &json!({"amount_minor": 2_000}),
        )
        .await;
    assert_eq!(change.problem().code, "budget_frozen");
    let approve_late = official.review(&b, &json!({"decision": "approve"})).await;
    assert_eq!(approve_late.problem().code, "cycle_not_accepting_proposals");
    let add = official
        .post(
            &format!("/api/v1/cycles/{}/budgets", cycle.id),
            &json!({"names": {"en": "Late"}, "amount_minor": 5}),
        )
        .await;
    assert_eq!(add.problem().code, "budget_frozen");

    // Settings a running vote depends on are refused; others are not.
    let settings = "/api/v1/municipalities/trabzon/settings";
    let revote = city
        .admin
        .patch(
            settings,
            &json!({"revote_policy": "final", "min_voting_age": 16}),
        )
        .await;
    let body = revote.problem();
    assert_eq!(body.code, "cycle_in_voting");
    assert!(body.detail().contains("min_voting_age, revote_policy"));
    let limit = city
        .admin
        .patch(settings, &json!({"max_proposals_per_resident": 2}))
        .await;
    let limited: Municipality = limit.ok();
    assert_eq!(limited.max_proposals_per_resident, Some(2));
}

#[tokio::test]
async fn a_municipality_lists_its_categories_and_proposals_must_use_them() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("konya"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 100_000}),
        )
        .await;
    official.advance(&cycle, "submission").await;
    // No list yet: free text, as before lists existed.
    let old = official
        .propose(&budget, ProposalBuilder::new("Old").category("Anything"))
        .await;

    let settings = "/api/v1/municipalities/konya/settings";
    let bad = city
        .admin
        .patch(
            settings,
            &json!({"proposal_categories": [
                {"key": "Parks", "names": {"en": "Parks"}},
                {"key": "roads", "names": {"xx-invalid-tag-!": "Roads"}},
                {"key": "roads", "names": {"en": "Roads"}},
            ]}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let codes: Vec<String> = bad.problem().errors().into_iter().map(|e| e.code).collect();
    for code in [
        "invalid_category_key",
        "duplicate_category",
        "missing_default_language",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }
    let set = city
        .admin
        .patch(
            settings,
            &json!({"proposal_categories": [
                {"key": "parks", "names": {"en": " Parks "}},
                {"key": "roads", "names": {"en": "Roads"}},
            ]}),
        )
        .await;
    assert_eq!(set.status, 200);
    let public = app.anonymous().get("/api/v1/municipalities/konya").await;
    assert_eq!(
        public.json()["proposal_categories"],
        json!([{"key": "parks", "names": {"en": "Parks"}},
               {"key": "roads", "names": {"en": "Roads"}}])
    );

    let unknown = official
        .post(
            &format!("/api/v1/budgets/{}/proposals", budget.id),
            &ProposalBuilder::new("Swings")
                .category("playgrounds")
                .into(),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.problem().errors()[0].code, "unknown_category");
    let listed = official
        .propose(&budget, ProposalBuilder::new("Trees").category("parks"))
        .await;
    let shown: Proposal = official
        .get(&format!("/api/v1/proposals/{}", listed.id))
        .await
        .ok();
    assert_eq!(shown.category.as_deref(), Some("parks"));
    // An old free-text category stays; only a new one must come from the list.
    let kept = official
        .patch(
            &format!("/api/v1/proposals/{}", old.id),
            &json!({"cost_minor": 2_000}),
        )
        .await;
    assert_eq!(kept.json()["category"], "anything");
}

#[tokio::test]
async fn officials_edit_during_review_and_revisit_decisions_until_voting_all_logged() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("sivas"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 100_000}),
        )
        .await;
    official.advance(&cycle, "submission").await;
    let park = official
        .propose(&budget, ProposalBuilder::new("Park").cost(5_000))
        .await;
    official.approve(&park).await;
    official.advance(&cycle, "review").await;

    let edited = official
        .patch(
            &format!("/api/v1/proposals/{}", park.id),
            &json!({"cost_minor": 7_500, "titles": {"en": "Bigger park"}}),
        )
        .await;
    assert_eq!(edited.status, 200);
    assert_eq!(edited.json()["cost_minor"], 7_500);
    let updates = crate::support::audit_details(&app, "proposal.updated").await;
    let changed = &updates.last().unwrap()["changed"];
    assert_eq!(changed["cost_minor"], json!({"from": 5_000, "to": 7_500}));
    assert_eq!(changed["titles"]["to"], json!({"en": "Bigger park"}));
    assert!(changed.get("descriptions").is_none(), "{changed}");

    let rejected = official
        .review(
            &park,
            &json!({"decision": "reject", "reason": "Land is not ours"}),
        )
        .await;
    assert_eq!(rejected.status, 200);
    assert_eq!(rejected.json()["status"], "rejected");
    let reviews = crate::support::audit_details(&app, "proposal.reviewed").await;
    assert_eq!(
        reviews.last().unwrap()["previous"],
        json!({"status": "approved", "reason": null})
    );
    official.approve(&park).await;
    let reviews = crate::support::audit_details(&app, "proposal.reviewed").await;
    assert_eq!(
        reviews.last().unwrap()["previous"],
        json!({"status": "rejected", "reason": "Land is not ours"})
    );

    official.advance(&cycle, "voting").await;
    let late = official
        .review(&park, &json!({"decision": "reject", "reason": "Late"}))
        .await;
    assert_eq!(late.status, 409);
    assert_eq!(late.problem().code, "cycle_not_accepting_proposals");
    let late_edit = official
        .patch(
            &format!("/api/v1/proposals/{}", park.id),
            &json!({"cost_minor": 1}),
        )
        .await;
    assert_eq!(late_edit.problem().code, "cycle_not_accepting_proposals");
}

#[tokio::test]
async fn a_proposal_may_be_written_in_any_one_of_the_citys_languages() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("izmit"))
        .await;
    city.admin
        .update_settings(&city, &json!({"languages": ["en", "tr"]}))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let cycle = official.create_cycle(&city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
        )
        .await;
    official.advance(&cycle, "submission").await;
    let path = format!("/api/v1/budgets/{}/proposals", budget.id);
    let turkish: Proposal = official
        .post(
            &path,
            &json!({"titles": {"tr": "Park"}, "descriptions": {"tr": "Ağaçlar"}, "cost_minor": 500}),
        )
        .await
        .created();
    let shown: Proposal = official
        .get(&format!("/api/v1/proposals/{}?lang=en", turkish.id))
        .await
        .ok();
    assert_eq!(shown.title, "Park", "no English title: the one there is");
    let nothing = official
        .post(
            &path,
            &json!({"titles": {"tr": "  "}, "descriptions": {"fr": "x"}, "cost_minor": 500}),
        )
        .await;
    let codes: Vec<String> = nothing
        .problem()
        .errors()
        .into_iter()
        .map(|e| e.code)
        .collect();
    assert!(
        codes.iter().any(|c| c == "missing_default_language"),
        "{codes:?}"
    );
}
