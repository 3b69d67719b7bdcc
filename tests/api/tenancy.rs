//! Every protected endpoint, called by each role of municipality A against municipality B's
//! resources: never a read or a write across municipalities (404), 401 without a token, 403
//! for a role of B's own that may not act.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::support::{new_budget, new_cycle, open_city, propose, resident};

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
            Some(
                json!({"email": "mole@x.example", "display_name": "Mole", "role": "official", "password": PASSWORD}),
            ),
        ),
        call(
            Method::PATCH,
            format!("{m}/staff/{staff}"),
            Some(json!({"status": "disabled"})),
        ),
        call(Method::DELETE, format!("{m}/staff/{staff}"), None),
    ]
}

async fn send(app: &TestApp, c: &Call, token: Option<&str>) -> reqwest::StatusCode {
    let mut builder = app.request(c.method.clone(), &c.path, token);
    if let Some(body) = &c.body {
        builder = builder.json(body);
    }
    builder.send().await.unwrap().status()
}

fn new_municipality() -> Value {
    json!({"slug": "city-c", "country": "TR", "names": {"tr": "C"},
           "admin": {"email": "a@c.example", "display_name": "A", "password": PASSWORD}})
}

struct Tenant {
    admin: String,
    official: String,
    auditor: String,
    resident: String,
    district: String,
    staff_id: String,
}

async fn tenant(app: &TestApp, platform: &str, slug: &str) -> Tenant {
    let admin = app.municipality(platform, slug, "TR").await;
    let official = app.staff(&admin, slug, "official").await;
    let auditor = app.staff(&admin, slug, "auditor").await;
    let resident = resident_token(app, slug).await;
    let district: Value = app
        .post(
            &format!("/api/v1/municipalities/{slug}/districts"),
            Some(&admin),
            &json!({"names": {"en": "Centre"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let staff: Value = app
        .get(
            &format!("/api/v1/municipalities/{slug}/staff"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    Tenant {
        admin,
        official,
        auditor,
        resident,
        district: district["id"].as_str().unwrap().to_string(),
        staff_id: staff[1]["id"].as_str().unwrap().to_string(),
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
    let platform = app.platform_admin_token().await;
    let a = tenant(&app, &platform, "city-a").await;
    let b = tenant(&app, &platform, "city-b").await;

    let settings_before: Value = app
        .get("/api/v1/municipalities/city-b/settings", Some(&b.admin))
        .await
        .json()
        .await
        .unwrap();
    let staff_before: Value = app
        .get("/api/v1/municipalities/city-b/staff", Some(&b.admin))
        .await
        .json()
        .await
        .unwrap();

    let roles = [
        ("municipality_admin", &a.admin),
        ("official", &a.official),
        ("auditor", &a.auditor),
        ("resident", &a.resident),
    ];
    for (role, token) in roles {
        // B's resources through B's paths.
        for c in admin_calls("city-b", &b.district, &b.staff_id) {
            let status = send(&app, &c, Some(token)).await;
            assert_eq!(status, 404, "{role}: {} {}", c.method, c.path);
        }
        // B's ids smuggled under A's own slug.
        let smuggled = admin_calls("city-a", &b.district, &b.staff_id)
            .into_iter()
            .filter(|c| c.path.contains(&b.district) || c.path.contains(&b.staff_id));
        for c in smuggled {
            let status = send(&app, &c, Some(token)).await;
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
            send(&app, &create, Some(token)).await,
            403,
            "{role} creating a municipality"
        );
    }

    // B is exactly as it was.
    let settings_after: Value = app
        .get("/api/v1/municipalities/city-b/settings", Some(&b.admin))
        .await
        .json()
        .await
        .unwrap();
    let staff_after: Value = app
        .get("/api/v1/municipalities/city-b/staff", Some(&b.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings_before, settings_after);
    assert_eq!(staff_before, staff_after);
    let districts: Value = app
        .get("/api/v1/municipalities/city-b/districts", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(districts.as_array().unwrap().len(), 1);
    assert_eq!(districts[0]["name"], "Centre");
}

#[tokio::test]
async fn roles_without_admin_rights_get_403_in_their_own_municipality() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let a = tenant(&app, &platform, "city-a").await;
    for (role, token) in [
        ("official", &a.official),
        ("auditor", &a.auditor),
        ("resident", &a.resident),
    ] {
        for c in admin_calls("city-a", &a.district, &a.staff_id) {
            let status = send(&app, &c, Some(token)).await;
            assert_eq!(status, 403, "{role}: {} {}", c.method, c.path);
        }
    }
}

#[tokio::test]
async fn every_protected_endpoint_needs_a_token() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let a = tenant(&app, &platform, "city-a").await;
    let mut calls = admin_calls("city-a", &a.district, &a.staff_id);
    calls.push(call(Method::GET, "/api/v1/me".into(), None));
    calls.push(call(Method::POST, "/api/v1/auth/logout".into(), None));
    calls.push(call(
        Method::POST,
        "/api/v1/municipalities".into(),
        Some(new_municipality()),
    ));
    for c in calls {
        assert_eq!(send(&app, &c, None).await, 401, "{} {}", c.method, c.path);
    }
}

/// The voting core, aimed at municipality B's cycle, budget and proposal by every role of A:
/// never a read of B's draft or a write of anything of B's (404).
#[tokio::test]
async fn no_role_of_one_municipality_touches_another_municipalitys_cycles() {
    let app = spawn_app().await;
    let (admin_a, official_a) = open_city(&app, "a-city", "until_close").await;
    let auditor_a = app.staff(&admin_a, "a-city", "auditor").await;
    let resident_a = resident(&app, "a-city", 81, "1980-01-01", None).await;
    let platform = app
        .login(None, crate::helpers::PLATFORM_EMAIL, PASSWORD)
        .await;
    let admin_b = app.municipality(&platform, "b-city", "TR").await;
    let official_b = app.staff(&admin_b, "b-city", "official").await;

    // B's draft cycle (invisible to outsiders) and a second cycle in submission.
    let draft = new_cycle(&app, "b-city", &official_b).await;
    let cycle = new_cycle(&app, "b-city", &official_b).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official_b,
        json!({"names": {"en": "B"}, "amount_minor": 1_000}),
    )
    .await;
    let budget = budget["id"].as_str().unwrap().to_string();
    let to = |s: &str| json!({ "to": s });
    let moved = app
        .post(
            &format!("/api/v1/cycles/{cycle}/transition"),
            Some(&official_b),
            &to("submission"),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let proposal = propose(&app, &budget, &official_b, "B's", 100, "x").await;

    let calls = voting_calls(&draft, &cycle, &budget, &proposal);
    for (role, token) in [
        ("admin", &admin_a),
        ("official", &official_a),
        ("auditor", &auditor_a),
        ("resident", &resident_a),
    ] {
        for c in &calls {
            let status = send(&app, c, Some(token)).await;
            assert_eq!(status, 404, "{role} of A: {} {}", c.method, c.path);
        }
    }
    // Nothing of B's changed.
    let view: Value = app
        .get(&format!("/api/v1/cycles/{cycle}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status"], "submission");
    let p: Value = app
        .get(&format!("/api/v1/proposals/{proposal}"), Some(&official_b))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["status"], "submitted");
    assert_eq!(p["cost_minor"], 100);
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
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "c-city", "TR").await;
    let official = app.staff(&admin, "c-city", "official").await;
    let auditor = app.staff(&admin, "c-city", "auditor").await;
    let draft = new_cycle(&app, "c-city", &official).await;
    let cycle = new_cycle(&app, "c-city", &official).await;
    let budget = new_budget(
        &app,
        &cycle,
        &official,
        json!({"names": {"en": "C"}, "amount_minor": 1_000}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let moved = app
        .post(
            &format!("/api/v1/cycles/{cycle}/transition"),
            Some(&official),
            &json!({"to": "submission"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let proposal = propose(&app, &budget, &official, "C's", 100, "x").await;
    let before = |path: String| {
        let app = &app;
        let official = official.clone();
        async move {
            app.get(&path, Some(&official))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let snapshot = [
        before(format!("/api/v1/cycles/{draft}")).await,
        before(format!("/api/v1/cycles/{cycle}")).await,
        before(format!("/api/v1/budgets/{budget}")).await,
        before(format!("/api/v1/proposals/{proposal}")).await,
    ];
    for c in voting_calls(&draft, &cycle, &budget, &proposal) {
        let status = send(&app, &c, Some(&auditor)).await;
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
