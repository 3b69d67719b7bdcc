//! Every protected endpoint, called by each role of municipality A against municipality B's
//! resources: never a read or a write across municipalities (404), 401 without a token, 403
//! for a role of B's own that may not act.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{
    Account, City, Cycle, District, MunicipalityBuilder, Proposal, ProposalBuilder,
    ResidentBuilder, Role, Session,
};

struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn call(method: Method, path: String, body: Option<Value>) -> Call {
    Call { method, path, body }
}

/// Every admin-module endpoint aimed at municipality `slug`, with ids of its own resources.
fn admin_calls(slug: &str, district: &str, staff: &str) -> Vec<Call> {
    let m = format!("/api/v1/municipalities/{slug}");
    vec![
        call(Method::GET, format!("{m}/settings"), None),
        call(
            Method::PATCH,
            format!("{m}/settings"),
            Some(json!({"min_voting_age": 16})),
        ),
        call(
            Method::POST,
            format!("{m}/districts"),
            Some(json!({"names": {"en": "Intruder"}})),
        ),
        call(
            Method::PATCH,
            format!("{m}/districts/{district}"),
            Some(json!({"names": {"en": "Renamed"}})),
        ),
        call(Method::DELETE, format!("{m}/districts/{district}"), None),
        call(Method::GET, format!("{m}/staff"), None),
        call(
            Method::POST,
            format!("{m}/staff"),
            Some(json!({"email": "mole@x.example", "display_name": "Mole", "role": "official"})),
        ),
        call(
            Method::PATCH,
            format!("{m}/staff/{staff}"),
            Some(json!({"status": "disabled"})),
        ),
        call(Method::DELETE, format!("{m}/staff/{staff}"), None),
    ]
}

async fn send(who: &Session, c: &Call) -> reqwest::StatusCode {
    who.send(c.method.clone(), &c.path, c.body.as_ref())
        .await
        .status
}

fn new_municipality() -> Value {
    json!({"slug": "city-c", "country": "TR", "names": {"tr": "C"},
           "admin": {"email": "a@c.example", "display_name": "A"}})
}

struct Tenant {
    admin: Session,
    official: Session,
    auditor: Session,
    resident: Session,
    district: String,
    staff_id: String,
}

async fn tenant(app: &TestApp, slug: &str) -> Tenant {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let resident = app.session(&resident_token(app, slug).await);
    let district: District = city
        .admin
        .post(
            &format!("/api/v1/municipalities/{slug}/districts"),
            &json!({"names": {"en": "Centre"}}),
        )
        .await
        .json_as();
    let staff: Vec<Account> = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/staff"))
        .await
        .json_as();
    Tenant {
        admin: city.admin,
        official,
        auditor,
        resident,
        district: district.id,
        staff_id: staff[1].id.clone(),
    }
}

/// Residents register through their own endpoint in a later step; here one is inserted
/// directly so that the resident role is walked too.
async fn resident_token(app: &TestApp, slug: &str) -> String {
    let slug_owned = slug.to_string();
    let email = format!("resident@{slug}.example");
    let hash = kurultai::service::accounts::hash_new_password("password", PASSWORD.into(), &email)
        .await
        .unwrap();
    let email_owned = email.clone();
    app.db
        .write(move |conn| {
            let m = kurultai::db::municipalities::by_slug(conn, &slug_owned)?;
            kurultai::service::accounts::insert(
                conn,
                kurultai::service::accounts::NewAccount {
                    municipality_id: Some(m.id),
                    role: kurultai::domain::Role::Resident,
                    email: email_owned,
                    display_name: "Resident".into(),
                    password_hash: hash,
                    status: kurultai::domain::AccountStatus::Active,
                },
            )
        })
        .await
        .unwrap();
    app.login(Some(slug), &email, PASSWORD).await
}

#[tokio::test]
async fn no_role_of_one_municipality_reaches_another() {
    let app = spawn_app().await;
    let a = tenant(&app, "city-a").await;
    let b = tenant(&app, "city-b").await;

    // Compared whole before and after: these stay JSON.
    let settings_before: Value = b
        .admin
        .get("/api/v1/municipalities/city-b/settings")
        .await
        .json_as();
    let staff_before: Value = b
        .admin
        .get("/api/v1/municipalities/city-b/staff")
        .await
        .json_as();

    let roles = [
        ("municipality_admin", &a.admin),
        ("official", &a.official),
        ("auditor", &a.auditor),
        ("resident", &a.resident),
    ];
    for (role, who) in roles {
        // B's resources through B's paths.
        for c in admin_calls("city-b", &b.district, &b.staff_id) {
            let status = send(who, &c).await;
            assert_eq!(status, 404, "{role}: {} {}", c.method, c.path);
        }
        // B's ids smuggled under A's own slug.
        let smuggled = admin_calls("city-a", &b.district, &b.staff_id)
            .into_iter()
            .filter(|c| c.path.contains(&b.district) || c.path.contains(&b.staff_id));
        for c in smuggled {
            let status = send(who, &c).await;
            let expected = if role == "municipality_admin" {
                404
            } else {
                403
            };
            assert_eq!(status, expected, "{role}: {} {}", c.method, c.path);
        }
        // Creating municipalities is for platform admins only.
        let create = call(
            Method::POST,
            "/api/v1/municipalities".into(),
            Some(new_municipality()),
        );
        assert_eq!(
            send(who, &create).await,
            403,
            "{role} creating a municipality"
        );
    }

    // B is exactly as it was.
    let settings_after: Value = b
        .admin
        .get("/api/v1/municipalities/city-b/settings")
        .await
        .json_as();
    let staff_after: Value = b
        .admin
        .get("/api/v1/municipalities/city-b/staff")
        .await
        .json_as();
    assert_eq!(settings_before, settings_after);
    assert_eq!(staff_before, staff_after);
    let districts: Vec<District> = app
        .anonymous()
        .get("/api/v1/municipalities/city-b/districts")
        .await
        .json_as();
    assert_eq!(districts.len(), 1);
    assert_eq!(districts[0].name, "Centre");
}

#[tokio::test]
async fn roles_without_admin_rights_get_403_in_their_own_municipality() {
    let app = spawn_app().await;
    let a = tenant(&app, "city-a").await;
    for (role, who) in [
        ("official", &a.official),
        ("auditor", &a.auditor),
        ("resident", &a.resident),
    ] {
        for c in admin_calls("city-a", &a.district, &a.staff_id) {
            let status = send(who, &c).await;
            assert_eq!(status, 403, "{role}: {} {}", c.method, c.path);
        }
    }
}

#[tokio::test]
async fn every_protected_endpoint_needs_a_token() {
    let app = spawn_app().await;
    let a = tenant(&app, "city-a").await;
    let mut calls = admin_calls("city-a", &a.district, &a.staff_id);
    calls.push(call(Method::GET, "/api/v1/me".into(), None));
    calls.push(call(Method::POST, "/api/v1/auth/logout".into(), None));
    calls.push(call(
        Method::POST,
        "/api/v1/municipalities".into(),
        Some(new_municipality()),
    ));
    for c in calls {
        assert_eq!(
            send(&app.anonymous(), &c).await,
            401,
            "{} {}",
            c.method,
            c.path
        );
    }
}

/// The voting core, aimed at municipality B's cycle, budget and proposal by every role of A:
/// never a read of B's draft or a write of anything of B's (404).
#[tokio::test]
async fn no_role_of_one_municipality_touches_another_municipalitys_cycles() {
    let app = spawn_app().await;
    let city_a = app
        .create_municipality(
            MunicipalityBuilder::turkish("a-city").open_registration("until_close"),
        )
        .await;
    let official_a = app.staff_login(&city_a, Role::Official).await;
    let auditor_a = app.staff_login(&city_a, Role::Auditor).await;
    let resident_a = app
        .register_resident(&city_a, ResidentBuilder::adult(81))
        .await;
    let city_b = app
        .create_municipality(MunicipalityBuilder::turkish("b-city"))
        .await;
    let official_b = app.staff_login(&city_b, Role::Official).await;

    // B's draft cycle (invisible to outsiders) and a second cycle in submission.
    let (draft, cycle, budget, proposal) = draft_and_proposal(&city_b, &official_b, "B").await;
    let calls = voting_calls(&draft, &cycle, &budget, &proposal);
    for (role, who) in [
        ("admin", &city_a.admin),
        ("official", &official_a),
        ("auditor", &auditor_a),
        ("resident", &resident_a.session),
    ] {
        for c in &calls {
            let status = send(who, c).await;
            assert_eq!(status, 404, "{role} of A: {} {}", c.method, c.path);
        }
    }
    // Nothing of B's changed.
    let view: Cycle = app
        .anonymous()
        .get(&format!("/api/v1/cycles/{cycle}"))
        .await
        .json_as();
    assert_eq!(view.status, "submission");
    let p: Proposal = official_b
        .get(&format!("/api/v1/proposals/{proposal}"))
        .await
        .json_as();
    assert_eq!(p.status, "submitted");
    assert_eq!(p.cost_minor, 100);
}

/// A draft cycle, and a second cycle in submission with a budget and a proposal costing 100
/// named after `name`: their ids.
async fn draft_and_proposal(
    city: &City,
    official: &Session,
    name: &str,
) -> (String, String, String, String) {
    let draft = official.create_cycle(city).await;
    let cycle = official.create_cycle(city).await;
    let budget = official
        .create_budget(
            &cycle,
            json!({"names": {"en": name}, "amount_minor": 1_000}),
        )
        .await;
    let moved = official.move_cycle(&cycle, "submission").await;
    assert_eq!(moved.status, 200);
    let proposal = official
        .propose(
            &budget,
            ProposalBuilder::new(&format!("{name}'s")).cost(100),
        )
        .await;
    (draft.id, cycle.id, budget.id, proposal.id)
}

/// Every voting-core and export endpoint aimed at one cycle, budget and proposal (and a draft
/// cycle): writes, and reads that outsiders may not make.
fn voting_calls(draft: &str, cycle: &str, budget: &str, proposal: &str) -> Vec<Call> {
    let to = |s: &str| json!({ "to": s });
    vec![
        call(Method::GET, format!("/api/v1/cycles/{draft}"), None),
        call(
            Method::PATCH,
            format!("/api/v1/cycles/{draft}"),
            Some(json!({"names": {"en": "Mine"}})),
        ),
        call(
            Method::POST,
            format!("/api/v1/cycles/{cycle}/transition"),
            Some(to("cancelled")),
        ),
        call(
            Method::POST,
            format!("/api/v1/cycles/{cycle}/budgets"),
            Some(json!({"names": {"en": "x"}, "amount_minor": 5})),
        ),
        call(
            Method::PATCH,
            format!("/api/v1/budgets/{budget}"),
            Some(json!({"amount_minor": 5})),
        ),
        call(Method::GET, format!("/api/v1/proposals/{proposal}"), None),
        call(
            Method::PATCH,
            format!("/api/v1/proposals/{proposal}"),
            Some(json!({"cost_minor": 5})),
        ),
        call(
            Method::POST,
            format!("/api/v1/proposals/{proposal}/review"),
            Some(json!({"decision": "approve"})),
        ),
        call(
            Method::POST,
            format!("/api/v1/proposals/{proposal}/withdraw"),
            None,
        ),
        call(
            Method::POST,
            format!("/api/v1/budgets/{budget}/proposals"),
            Some(json!({"titles": {"en": "x"}, "descriptions": {"en": "y"}, "cost_minor": 5})),
        ),
        call(
            Method::PUT,
            format!("/api/v1/budgets/{budget}/ballot"),
            Some(json!({"selections": []})),
        ),
        call(
            Method::POST,
            format!("/api/v1/budgets/{budget}/paper-ballots"),
            Some(json!({"polling_station": "x", "ballots": [{"selections": []}]})),
        ),
        call(
            Method::POST,
            format!("/api/v1/budgets/{budget}/tally"),
            None,
        ),
        call(
            Method::GET,
            format!("/api/v1/budgets/{budget}/results"),
            None,
        ),
        call(
            Method::GET,
            format!("/api/v1/budgets/{budget}/results.csv"),
            None,
        ),
        call(
            Method::GET,
            format!("/api/v1/budgets/{budget}/export.pb"),
            None,
        ),
        call(Method::GET, format!("/api/v1/cycles/{cycle}/export"), None),
        call(Method::GET, format!("/api/v1/cycles/{cycle}/stats"), None),
        call(
            Method::GET,
            format!("/api/v1/cycles/{cycle}/stats.csv"),
            None,
        ),
    ]
}

/// An auditor reads everything of their municipality and changes nothing: every write of the
/// voting core answers 403 and leaves the cycle, budget and proposal as they were.
#[tokio::test]
async fn an_auditor_is_read_only_in_their_own_municipality() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("c-city"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let (draft, cycle, budget, proposal) = draft_and_proposal(&city, &official, "C").await;
    // Compared whole before and after: these stay JSON.
    let before = |path: String| {
        let official = official.clone();
        async move { official.get(&path).await.json_as::<Value>() }
    };
    let snapshot = [
        before(format!("/api/v1/cycles/{draft}")).await,
        before(format!("/api/v1/cycles/{cycle}")).await,
        before(format!("/api/v1/budgets/{budget}")).await,
        before(format!("/api/v1/proposals/{proposal}")).await,
    ];
    for c in voting_calls(&draft, &cycle, &budget, &proposal) {
        let status = send(&auditor, &c).await;
        if c.method == Method::GET {
            assert_ne!(status, 403, "auditors read: {} {}", c.method, c.path);
        } else {
            assert_eq!(status, 403, "auditors never write: {} {}", c.method, c.path);
        }
    }
    let after = [
        before(format!("/api/v1/cycles/{draft}")).await,
        before(format!("/api/v1/cycles/{cycle}")).await,
        before(format!("/api/v1/budgets/{budget}")).await,
        before(format!("/api/v1/proposals/{proposal}")).await,
    ];
    assert_eq!(snapshot, after, "nothing changed");
}
