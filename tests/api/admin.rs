use reqwest::Method;
use serde_json::{json, Value};

use kurultai::error::ApiError;

use crate::helpers::{spawn_app, PASSWORD};
use crate::support::{
    Account, City, CreatedMunicipality, District, Municipality, MunicipalityBuilder, Role,
};

async fn city(app: &crate::helpers::TestApp, slug: &str, country: &str) -> City {
    app.create_municipality(MunicipalityBuilder::new(slug, country))
        .await
}

#[tokio::test]
async fn a_new_municipality_takes_its_countrys_defaults() {
    let app = spawn_app().await;
    let platform = app.platform_admin().await;
    let response = platform
        .post(
            "/api/v1/municipalities",
            &json!({
                "slug": "almaty",
                "country": "KZ",
                "names": {"kk": "Алматы", "ru": "Алматы"},
                "admin": {"email": "Admin@Almaty.example", "display_name": "Aigerim"}
            }),
        )
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(response.json()["admin"]["status"], "invited");
    let body: CreatedMunicipality = response.created();
    let m = &body.municipality;
    assert_eq!(m.currency, "KZT");
    assert_eq!(m.time_zone, "Asia/Almaty");
    assert_eq!(m.national_id_scheme, "kz_iin");
    assert_eq!(m.default_language, "kk");
    assert_eq!(body.admin.role, "municipality_admin");
    assert_eq!(body.admin.email.as_deref(), Some("admin@almaty.example"));

    // The first admin, once they accept the invitation, logs in and reads the settings; the
    // public sees public fields.
    app.accept_invitation("admin@almaty.example").await;
    let admin = app
        .logged_in(Some("almaty"), "admin@almaty.example", PASSWORD)
        .await;
    let settings: Municipality = admin
        .get("/api/v1/municipalities/almaty/settings")
        .await
        .json_as();
    assert_eq!(settings.slug, "almaty");
    let anyone = app.anonymous();
    let request = anyone
        .request(Method::GET, "/api/v1/municipalities/almaty")
        .header("Accept-Language", "ru");
    // Whether `id` is there at all is under test: the public view stays JSON.
    let public: Value = anyone.exchange(request).await.json();
    assert_eq!(public["name"], "Алматы");
    assert!(public.get("id").is_none());
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    let platform = app.platform_admin().await;
    city(&app, "baku", "AZ").await;
    let again = platform
        .post(
            "/api/v1/municipalities",
            &json!({"slug": "baku", "country": "AZ", "names": {"az": "Bakı"},
                    "admin": {"email": "x@baku.example", "display_name": "X"}}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.problem().code, "slug_taken");
}

#[tokio::test]
async fn bad_settings_name_every_bad_field() {
    let app = spawn_app().await;
    let admin = city(&app, "bishkek", "KG").await.admin;
    let response = admin
        .patch(
            "/api/v1/municipalities/bishkek/settings",
            &json!({
                "currency": "XYZ",
                "time_zone": "Asia/Nowhere",
                "languages": ["ky", "klingon123"],
                "min_voting_age": 3,
                "registration_policy": "lottery"
            }),
        )
        .await;
    assert_eq!(response.status, 422);
    let body = response.problem();
    assert_eq!(body.code, "validation_failed");
    let fields = body.fields();
    for field in [
        "currency",
        "time_zone",
        "languages[1]",
        "min_voting_age",
        "registration_policy",
    ] {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} missing in {fields:?}"
        );
    }

    // A default language that is not enabled.
    let response = admin
        .patch(
            "/api/v1/municipalities/bishkek/settings",
            &json!({"languages": ["en"], "default_language": "ru"}),
        )
        .await;
    assert!(response
        .problem()
        .errors()
        .iter()
        .any(|e| e.field == "default_language" && e.code == "default_language_not_enabled"));

    // Nothing was written by the refused requests.
    let settings: Municipality = admin
        .get("/api/v1/municipalities/bishkek/settings")
        .await
        .json_as();
    assert_eq!(settings.currency, "KGS");
}

#[tokio::test]
async fn settings_change_and_stay_changed() {
    let app = spawn_app().await;
    let admin = city(&app, "tashkent", "UZ").await.admin;
    let response = admin
        .patch(
            "/api/v1/municipalities/tashkent/settings",
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
    response.expect_status(200);
    let settings: Municipality = admin
        .get("/api/v1/municipalities/tashkent/settings")
        .await
        .json_as();
    assert_eq!(settings.min_voting_age, 16);
    assert_eq!(settings.registration_policy, "roll");
    assert_eq!(settings.revote_policy, "final");
    assert_eq!(settings.time_zone, "Asia/Samarkand");
    assert_eq!(settings.languages, ["en", "uz-Latn", "ru"]);
}

#[tokio::test]
async fn districts_need_a_name_in_the_default_language() {
    let app = spawn_app().await;
    let admin = city(&app, "izmir", "TR").await.admin;
    let missing = admin
        .post(
            "/api/v1/municipalities/izmir/districts",
            &json!({"names": {"tr": "Konak"}}),
        )
        .await;
    assert_eq!(missing.status, 422);
    let body = missing.problem();
    let codes: Vec<String> = body.errors().into_iter().map(|e| e.code).collect();
    assert!(
        codes.iter().any(|c| c == "missing_default_language"),
        "{body:?}"
    );

    let created = admin
        .post(
            "/api/v1/municipalities/izmir/districts",
            &json!({"names": {"en": "Konak"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let district: District = created.created();
    let path = format!("/api/v1/municipalities/izmir/districts/{}", district.id);

    let renamed = admin
        .patch(&path, &json!({"names": {"en": "Konak Centre"}}))
        .await;
    assert_eq!(renamed.status, 200);
    let list: Vec<District> = app
        .anonymous()
        .get("/api/v1/municipalities/izmir/districts")
        .await
        .json_as();
    assert_eq!(list[0].name, "Konak Centre");

    // The default language cannot move to one the district has no name in.
    let response = admin
        .patch(
            "/api/v1/municipalities/izmir/settings",
            &json!({"languages": ["en", "tr"], "default_language": "tr", "names": {"tr": "İzmir"}}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.problem().errors()[0].code,
        "district_missing_default_language"
    );

    let deleted = admin.delete(&path).await;
    assert_eq!(deleted.status, 204);
    let list: Vec<District> = app
        .anonymous()
        .get("/api/v1/municipalities/izmir/districts")
        .await
        .json_as();
    assert!(list.is_empty());
}

#[tokio::test]
async fn staff_are_created_listed_and_disabled() {
    let app = spawn_app().await;
    let city = city(&app, "pecs", "HU").await;
    let admin = &city.admin;
    let official = app.staff_login(&city, Role::Official).await;
    app.staff_login(&city, Role::Auditor).await;

    let staff: Vec<Account> = admin
        .get("/api/v1/municipalities/pecs/staff")
        .await
        .json_as();
    let roles: Vec<&str> = staff.iter().map(|a| a.role.as_str()).collect();
    assert_eq!(roles, ["municipality_admin", "official", "auditor"]);
    let official_id = &staff[1].id;

    // Same e-mail twice in one municipality: conflict.
    let dup = admin
        .post(
            "/api/v1/municipalities/pecs/staff",
            &json!({"email": "official@pecs.example", "display_name": "Again", "role": "auditor"}),
        )
        .await;
    assert_eq!(dup.status, 409);

    // Staff cannot be given the resident or platform role.
    let bad_role = admin
        .post(
            "/api/v1/municipalities/pecs/staff",
            &json!({"email": "p@pecs.example", "display_name": "P", "role": "platform_admin"}),
        )
        .await;
    assert_eq!(bad_role.problem().errors()[0].code, "invalid_role");

    let disabled = admin
        .delete(&format!("/api/v1/municipalities/pecs/staff/{official_id}"))
        .await;
    assert_eq!(disabled.status, 204);
    // Its session ends at once and it cannot log in again.
    assert_eq!(official.get("/api/v1/me").await.status, 401);
    let login = app
        .attempt_login(Some("pecs"), "official@pecs.example", PASSWORD)
        .await;
    assert_eq!(login.status, 401);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_disabled_or_demoted() {
    let app = spawn_app().await;
    let admin = city(&app, "ashgabat", "TM").await.admin;
    let staff: Vec<Account> = admin
        .get("/api/v1/municipalities/ashgabat/staff")
        .await
        .json_as();
    let response = admin
        .patch(
            &format!("/api/v1/municipalities/ashgabat/staff/{}", staff[0].id),
            &json!({"role": "official"}),
        )
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(response.problem().code, "last_admin");
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
            kurultai::db::audit::page(conn, &m.id, 0, 100, &Default::default())
                .map_err(ApiError::from)
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    // Each staff account is invited, and its holder's acceptance is an entry of its own.
    assert_eq!(
        actions,
        [
            "municipality.created",
            "staff.invitation_accepted",
            "district.created",
            "staff.created",
            "staff.invitation_accepted"
        ]
    );
    let first_break = |rows: &[kurultai::db::audit::AuditRow]| {
        kurultai::domain::audit_chain::first_break(rows, &rows[0].chain_key).map(|b| b.seq)
    };
    assert_eq!(first_break(&rows), None);
    let mut tampered = rows.clone();
    // The district's entry (an acceptance's details may already be `{}`).
    tampered[2].details = "{}".into();
    assert_eq!(first_break(&tampered), Some(3));
}

/// The served countries' defaults are one public read, built from `domain::country`: what
/// the admin pages start their pickers from, and what a new municipality gets.
#[tokio::test]
async fn the_served_countries_and_their_defaults_are_public() {
    let app = spawn_app().await;
    let reply = app.anonymous().get("/api/v1/countries").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let items = body["items"].as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["TR", "KZ", "KG", "UZ", "AZ", "TM", "HU"]);
    let kz = &items[1];
    assert_eq!(kz["currency"], "KZT");
    assert_eq!(kz["time_zone"], "Asia/Almaty");
    assert_eq!(kz["languages"], serde_json::json!(["kk", "ru"]));
    assert_eq!(kz["default_language"], "kk");
    assert_eq!(kz["national_id_scheme"], "kz_iin");
    for country in items {
        let code = country["code"].as_str().unwrap();
        let defaults = kurultai::domain::Country::parse(code)
            .unwrap()
            .defaults()
            .unwrap();
        assert_eq!(country["currency"], defaults.currency.code(), "{code}");
        assert_eq!(country["time_zone"], defaults.time_zone.name(), "{code}");
        assert_eq!(
            country["languages"][0], country["default_language"],
            "{code}"
        );
    }
}
