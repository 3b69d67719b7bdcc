//! What officials need to run a cycle from the web client: deleting a budget before voting,
//! and the residents and proposal lists searched, filtered and paged past their first page.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::{spawn_app, TestApp};
use crate::support::{
    AuditPage, BudgetBuilder, City, MunicipalityBuilder, ProposalBuilder, ProposalPage,
    ResidentBuilder, ResidentPage, Role, Session,
};

async fn town(app: &TestApp, slug: &str) -> (City, Session) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).registration("review"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    (city, official)
}

#[tokio::test]
async fn a_budget_is_deleted_before_voting_unless_it_holds_proposals() {
    let app = spawn_app().await;
    let (city, official) = town(&app, "rize").await;
    let cycle = official.create_cycle(&city).await;
    let spare = official
        .create_budget(&cycle, BudgetBuilder::approval(1).name("Spare"))
        .await;
    let kept = official
        .create_budget(&cycle, BudgetBuilder::approval(1).name("Kept"))
        .await;
    let path = |b: &crate::support::Budget| format!("/api/v1/budgets/{}", b.id);

    // Only an official of this municipality may delete.
    let (_, stranger) = town(&app, "ordu").await;
    assert_eq!(stranger.delete(&path(&spare)).await.status, 404);
    let auditor = app.staff_login(&city, Role::Auditor).await;
    assert_eq!(auditor.delete(&path(&spare)).await.status, 403);
    assert_eq!(app.anonymous().delete(&path(&spare)).await.status, 401);

    // A draft's empty budget goes, and the audit log says who removed it.
    assert_eq!(official.delete(&path(&spare)).await.status, 204);
    assert_eq!(official.get(&path(&spare)).await.status, 404);
    assert_eq!(official.delete(&path(&spare)).await.status, 404);
    let log: AuditPage = city
        .admin
        .get("/api/v1/municipalities/rize/audit-log")
        .await
        .json_as();
    let deleted: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action == "budget.deleted")
        .collect();
    assert_eq!(deleted.len(), 1, "{:?}", log.entries);
    assert_eq!(deleted[0].actor_role, "official");
    assert!(log.chain_intact);

    // One holding a resident's proposal stays, and says why.
    official.advance(&cycle, "submission").await;
    let proposal = official
        .propose(&kept, ProposalBuilder::new("Benches").cost(1_000))
        .await;
    let refused = official.delete(&path(&kept)).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.problem().code, "budget_has_proposals");

    // Once voting opens no budget changes.
    official.approve(&proposal).await;
    official.advance(&cycle, "review").await;
    official.advance(&cycle, "voting").await;
    let frozen = official.delete(&path(&kept)).await;
    assert_eq!(frozen.status, 409);
    assert_eq!(frozen.problem().code, "budget_frozen");
    let budgets = official
        .get(&format!("/api/v1/cycles/{}/budgets", cycle.id))
        .await;
    assert_eq!(budgets.json_as::<Vec<serde_json::Value>>().len(), 1);
}

/// Every page of `query` (`limit` each), followed by its cursor to the end.
async fn every_page(official: &Session, slug: &str, query: &str, limit: u32) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page: ResidentPage = official
            .get(&format!(
                "/api/v1/municipalities/{slug}/residents?limit={limit}{query}{after}"
            ))
            .await
            .json_as();
        pages.push(page.items.iter().map(|r| r.full_name.clone()).collect());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 100, "the cursor never ends");
    }
}

#[tokio::test]
async fn the_residents_list_pages_past_100_with_a_search_and_a_district() {
    let app = spawn_app().await;
    let (city, official) = town(&app, "sinop").await;
    let harbour = city.admin.add_district(&city, "Harbour").await;
    let hill = city.admin.add_district(&city, "Hill").await;
    // 130 registrations, all pending: every third in the harbour district.
    for n in 1..=130u64 {
        let resident = ResidentBuilder::adult(n);
        let resident = resident.district(if n % 3 == 0 { &harbour } else { &hill });
        let path = "/api/v1/municipalities/sinop/residents";
        app.anonymous()
            .post(path, &resident.body("sinop"))
            .await
            .expect_status(201);
    }

    // All 130 over pages of 100: none dropped at the boundary, none repeated.
    let pages = every_page(&official, "sinop", "&status=pending", 100).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [100, 30]);
    let names: Vec<String> = pages.concat();
    let expected: Vec<String> = (1..=130).map(|n| format!("Resident {n}")).collect();
    assert_eq!(names, expected);

    // Every searched word, in any case: Resident 12, 112 and 120–129, each once over pages of
    // 5 (a search reads on past the rows it skips).
    let pages = every_page(&official, "sinop", "&q=RESIDENT%2012", 5).await;
    let found: Vec<String> = pages.concat();
    assert_eq!(found.len(), 12, "{found:?}");
    assert_eq!(found.iter().collect::<HashSet<_>>().len(), 12);
    assert!(found.iter().all(|n| n.contains("12")));

    // The district filter, with the search: 3, 6, …; with "12", Resident 12 and 120, 123, 126, 129.
    let district = format!("&district={}", harbour.id);
    let pages = every_page(&official, "sinop", &district, 10).await;
    assert_eq!(pages.concat().len(), 43);
    let both = format!("{district}&q=12");
    let pages = every_page(&official, "sinop", &both, 2).await;
    assert_eq!(
        pages.concat(),
        [
            "Resident 12",
            "Resident 120",
            "Resident 123",
            "Resident 126",
            "Resident 129"
        ]
    );

    // No match is an empty page, a bad district a 400.
    let none = every_page(&official, "sinop", "&q=nobody", 10).await;
    assert_eq!(none, [Vec::<String>::new()]);
    let bad = official
        .get("/api/v1/municipalities/sinop/residents?district=not-a-uuid")
        .await;
    assert_eq!(bad.status, 400);
}

/// Every page of a cycle's proposal list for `query`, `limit` each, as titles.
async fn proposal_pages(official: &Session, cycle: &str, query: &str, limit: u32) -> Vec<String> {
    let mut titles = Vec::new();
    for page in 1.. {
        let got: ProposalPage = official
            .get(&format!(
                "/api/v1/cycles/{cycle}/proposals?limit={limit}&page={page}{query}"
            ))
            .await
            .json_as();
        if got.items.is_empty() {
            assert_eq!(
                titles.len() as i64,
                got.total,
                "the total counts every page"
            );
            return titles;
        }
        titles.extend(got.titles().into_iter().map(str::to_string));
    }
    unreachable!()
}

#[tokio::test]
async fn the_staff_proposal_list_pages_past_100_with_a_search_and_filters() {
    let app = spawn_app().await;
    let (city, official) = town(&app, "bartin").await;
    let north = city.admin.add_district(&city, "North").await;
    let cycle = official.create_cycle(&city).await;
    let everywhere = official
        .create_budget(&cycle, BudgetBuilder::approval(3).name("City"))
        .await;
    let district = official
        .create_budget(
            &cycle,
            BudgetBuilder::approval(3).name("North").district(&north),
        )
        .await;
    official.advance(&cycle, "submission").await;
    // 105 proposals, every fifth in the north's budget, every seventh rejected.
    for n in 1..=105u32 {
        let budget = if n % 5 == 0 { &district } else { &everywhere };
        let proposal = official
            .propose(
                budget,
                ProposalBuilder::new(&format!("Project {n:03}")).cost(100),
            )
            .await;
        if n % 7 == 0 {
            official
                .review(&proposal, &json!({"decision": "reject", "reason": "no"}))
                .await
                .expect_status(200);
        }
    }

    // In submission order, over a boundary at 100: each once, none missing.
    let all = proposal_pages(&official, &cycle.id, "&sort=submitted", 100).await;
    let expected: Vec<String> = (1..=105).map(|n| format!("Project {n:03}")).collect();
    assert_eq!(all, expected);
    // By title over pages of 8.
    assert_eq!(
        proposal_pages(&official, &cycle.id, "&sort=title", 8).await,
        expected
    );

    // Filters and the search, combined, still page whole.
    let rejected = proposal_pages(&official, &cycle.id, "&status=rejected&sort=submitted", 4).await;
    let sevens: Vec<String> = (1..=105)
        .filter(|n| n % 7 == 0)
        .map(|n| format!("Project {n:03}"))
        .collect();
    assert_eq!(rejected, sevens);
    let query = format!("&district={}&q=PROJECT%2010&sort=submitted", north.id);
    let north_tens = proposal_pages(&official, &cycle.id, &query, 1).await;
    assert_eq!(north_tens, ["Project 010", "Project 100", "Project 105"]);
}

#[tokio::test]
async fn a_cycles_names_and_dates_are_audited_as_changed() {
    let app = spawn_app().await;
    let (city, official) = town(&app, "bolu").await;
    let cycle = official.create_cycle(&city).await;
    let body = json!({"names": {"en": "Spring"},
                      "submission_opens_at": "2027-03-01T09:00",
                      "voting_opens_at": "2027-04-01T09:00",
                      "voting_closes_at": "2027-04-30T20:00"});
    let path = format!("/api/v1/cycles/{}", cycle.id);
    official.patch(&path, &body).await.expect_status(200);
    // A clear is recorded too.
    let clear = json!({"submission_opens_at": null});
    official.patch(&path, &clear).await.expect_status(200);

    let log: AuditPage = city
        .admin
        .get("/api/v1/municipalities/bolu/audit-log")
        .await
        .json_as();
    let updates: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action == "cycle.updated")
        .collect();
    assert_eq!(updates.len(), 2, "{:?}", log.entries);
    let first = &updates[0].details;
    assert_eq!(first["names"]["en"], "Spring");
    // Istanbul is UTC+3.
    assert_eq!(first["submission_opens_at"], "2027-03-01T06:00:00+00:00");
    assert_eq!(first["voting_opens_at"], "2027-04-01T06:00:00+00:00");
    assert_eq!(first["voting_closes_at"], "2027-04-30T17:00:00+00:00");
    assert_eq!(updates[1].details["submission_opens_at"], json!(null));
    assert_eq!(
        updates[1].details["voting_opens_at"],
        "2027-04-01T06:00:00+00:00"
    );
    assert!(log.chain_intact);
}
