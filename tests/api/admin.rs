use reqwest::Method;
use serde_json::{json, Value};

use kurultai::error::ApiError;

use crate::helpers::{problem, spawn_app, PASSWORD};

#[tokio::test]
async fn a_new_municipality_takes_its_countrys_defaults() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let response = app
        .post(
            "/api/v1/municipalities",
            Some(&platform),
            &json!({
                "slug": "almaty",
                "country": "KZ",
                "names": {"kk": "Алматы", "ru": "Алматы"},
                "admin": {"email": "Admin@Almaty.example", "display_name": "Aigerim", "password": PASSWORD}
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let m = &body["municipality"];
    assert_eq!(m["currency"], "KZT");
    assert_eq!(m["time_zone"], "Asia/Almaty");
    assert_eq!(m["national_id_scheme"], "kz_iin");
    assert_eq!(m["default_language"], "kk");
    assert_eq!(body["admin"]["role"], "municipality_admin");
    assert_eq!(body["admin"]["email"], "admin@almaty.example");

    // The first admin can log in and read the settings; the public sees public fields.
    let admin = app
        .login(Some("almaty"), "admin@almaty.example", PASSWORD)
        .await;
    let settings: Value = app
        .get("/api/v1/municipalities/almaty/settings", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["slug"], "almaty");
    let public: Value = app
        .request(Method::GET, "/api/v1/municipalities/almaty", None)
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["name"], "Алматы");
    assert!(public.get("id").is_none());
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    app.municipality(&platform, "baku", "AZ").await;
    let again = app
        .post(
            "/api/v1/municipalities",
            Some(&platform),
            &json!({"slug": "baku", "country": "AZ", "names": {"az": "Bakı"},
                    "admin": {"email": "x@baku.example", "display_name": "X", "password": PASSWORD}}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(problem(again).await["code"], "slug_taken");
}

#[tokio::test]
async fn bad_settings_name_every_bad_field() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "bishkek", "KG").await;
    let response = app
        .patch(
            "/api/v1/municipalities/bishkek/settings",
            Some(&admin),
            &json!({
                "currency": "XYZ",
                "time_zone": "Asia/Nowhere",
                "languages": ["ky", "klingon123"],
                "min_voting_age": 3,
                "registration_policy": "lottery"
            }),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    assert_eq!(body["code"], "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "currency",
        "time_zone",
        "languages[1]",
        "min_voting_age",
        "registration_policy",
    ] {
        assert!(fields.contains(&field), "{field} missing in {fields:?}");
    }

    // A default language that is not enabled.
    let response = app
        .patch(
            "/api/v1/municipalities/bishkek/settings",
            Some(&admin),
            &json!({"languages": ["en"], "default_language": "ru"}),
        )
        .await;
    let body = problem(response).await;
    assert!(body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "default_language" && e["code"] == "default_language_not_enabled"));

    // Nothing was written by the refused requests.
    let settings: Value = app
        .get("/api/v1/municipalities/bishkek/settings", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["currency"], "KGS");
}

#[tokio::test]
async fn settings_change_and_stay_changed() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "tashkent", "UZ").await;
    let response = app
        .patch(
            "/api/v1/municipalities/tashkent/settings",
            Some(&admin),
            &json!({
                "languages": ["en", "uz-Latn", "ru"],
                "names": {"en": "Tashkent", "uz-Latn": "Toshkent"},
                "min_voting_age": 16,
                "registration_policy": "roll",
                "revote_policy": "final",
                "time_zone": "Asia/Samarkand",
                "currency": "UZS"
            }),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let settings: Value = app
        .get("/api/v1/municipalities/tashkent/settings", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["min_voting_age"], 16);
    assert_eq!(settings["registration_policy"], "roll");
    assert_eq!(settings["revote_policy"], "final");
    assert_eq!(settings["time_zone"], "Asia/Samarkand");
    assert_eq!(settings["languages"], json!(["en", "uz-Latn", "ru"]));
}

#[tokio::test]
async fn districts_need_a_name_in_the_default_language() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "izmir", "TR").await;
    let missing = app
        .post(
            "/api/v1/municipalities/izmir/districts",
            Some(&admin),
            &json!({"names": {"tr": "Konak"}}),
        )
        .await;
    assert_eq!(missing.status(), 422);
    let body = problem(missing).await;
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"missing_default_language"), "{body}");

    let created = app
        .post(
            "/api/v1/municipalities/izmir/districts",
            Some(&admin),
            &json!({"names": {"en": "Konak"}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let district: Value = created.json().await.unwrap();
    let id = district["id"].as_str().unwrap();

    let renamed = app
        .patch(
            &format!("/api/v1/municipalities/izmir/districts/{id}"),
            Some(&admin),
            &json!({"names": {"en": "Konak Centre"}}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let list: Value = app
        .get("/api/v1/municipalities/izmir/districts", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["name"], "Konak Centre");

    // The default language cannot move to one the district has no name in.
    let response = app
        .patch(
            "/api/v1/municipalities/izmir/settings",
            Some(&admin),
            &json!({"languages": ["en", "tr"], "default_language": "tr", "names": {"tr": "İzmir"}}),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        problem(response).await["errors"][0]["code"],
        "district_missing_default_language"
    );

    let deleted = app
        .request(
            Method::DELETE,
            &format!("/api/v1/municipalities/izmir/districts/{id}"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let list: Value = app
        .get("/api/v1/municipalities/izmir/districts", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn staff_are_created_listed_and_disabled() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "pecs", "HU").await;
    let official = app.staff(&admin, "pecs", "official").await;
    app.staff(&admin, "pecs", "auditor").await;

    let staff: Value = app
        .get("/api/v1/municipalities/pecs/staff", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let roles: Vec<&str> = staff
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["municipality_admin", "official", "auditor"]);
    let official_id = staff[1]["id"].as_str().unwrap();

    // Same e-mail twice in one municipality: conflict.
    let dup = app
        .post(
            "/api/v1/municipalities/pecs/staff",
            Some(&admin),
            &json!({"email": "official@pecs.example", "display_name": "Again", "role": "auditor", "password": PASSWORD}),
        )
        .await;
    assert_eq!(dup.status(), 409);

    // Staff cannot be given the resident or platform role.
    let bad_role = app
        .post(
            "/api/v1/municipalities/pecs/staff",
            Some(&admin),
            &json!({"email": "p@pecs.example", "display_name": "P", "role": "platform_admin", "password": PASSWORD}),
        )
        .await;
    assert_eq!(problem(bad_role).await["errors"][0]["code"], "invalid_role");

    let disabled = app
        .request(
            Method::DELETE,
            &format!("/api/v1/municipalities/pecs/staff/{official_id}"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 204);
    // Its session ends at once and it cannot log in again.
    assert_eq!(app.get("/api/v1/me", Some(&official)).await.status(), 401);
    let login = app
        .login_response(Some("pecs"), "official@pecs.example", PASSWORD)
        .await;
    assert_eq!(login.status(), 401);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_disabled_or_demoted() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "ashgabat", "TM").await;
    let staff: Value = app
        .get("/api/v1/municipalities/ashgabat/staff", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let id = staff[0]["id"].as_str().unwrap();
    let response = app
        .patch(
            &format!("/api/v1/municipalities/ashgabat/staff/{id}"),
            Some(&admin),
            &json!({"role": "official"}),
        )
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(problem(response).await["code"], "last_admin");
}

#[tokio::test]
async fn admin_actions_are_recorded_in_a_hash_chain() {
    let app = spawn_app().await;
    let platform = app.platform_admin_token().await;
    let admin = app.municipality(&platform, "turkistan", "KZ").await;
    app.post(
        "/api/v1/municipalities/turkistan/districts",
        Some(&admin),
        &json!({"names": {"en": "Centre"}}),
    )
    .await;
    app.staff(&admin, "turkistan", "official").await;
    let rows = app
        .db
        .read(|conn| {
            let m = kurultai::db::municipalities::by_slug(conn, "turkistan")?;
            kurultai::db::audit::page(conn, &m.id, 0, 100).map_err(ApiError::from)
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["municipality.created", "district.created", "staff.created"]
    );
    assert_eq!(kurultai::db::audit::first_broken_link(&rows), None);
    let mut tampered = rows.clone();
    tampered[1].details = "{}".into();
    assert_eq!(kurultai::db::audit::first_broken_link(&tampered), Some(2));
}
