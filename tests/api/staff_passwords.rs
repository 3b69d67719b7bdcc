//! No one sets another's staff password: `POST …/staff` and `POST /municipalities` take no
//! `password` (refused like any unknown field, with nothing created), every staff account and
//! every first admin is created `invited`, and it logs in only once its holder has accepted
//! the e-mailed invitation (read from the `file` transport's directory, as `TestApp` does).

use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};
use crate::support::{audit_actions, MunicipalityBuilder};

#[tokio::test]
async fn a_staff_body_with_a_password_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("pw-staff"))
        .await;
    let email = "official@pw-staff.example";
    let refused = city
        .admin
        .post(
            "/api/v1/municipalities/pw-staff/staff",
            &json!({"email": email, "display_name": "O", "role": "official", "password": PASSWORD}),
        )
        .await;
    refused.expect_status(422);
    assert_eq!(refused.problem().code, "unknown_field");
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );

    let staff = city
        .admin
        .get("/api/v1/municipalities/pw-staff/staff")
        .await;
    let emails: Vec<_> = staff
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect();
    assert!(!emails.contains(&email.to_string()), "{emails:?}");
    assert_eq!(audit_actions(&app, "staff.created").await, 0);
    app.attempt_login(Some("pw-staff"), email, PASSWORD)
        .await
        .expect_status(401);
}

#[tokio::test]
async fn a_first_admin_with_a_password_is_refused_and_no_municipality_is_created() {
    let app = spawn_app().await;
    let platform = app.platform_admin().await;
    let refused = platform
        .post(
            "/api/v1/municipalities",
            &json!({"slug": "pw-city", "country": "TR", "names": {"tr": "Ankara"},
                    "admin": {"email": "a@pw-city.example", "display_name": "A",
                              "password": PASSWORD}}),
        )
        .await;
    refused.expect_status(422);
    assert_eq!(refused.problem().code, "unknown_field");
    platform
        .get("/api/v1/municipalities/pw-city")
        .await
        .expect_status(404);
    assert_eq!(audit_actions(&app, "municipality.created").await, 0);
    app.attempt_login(Some("pw-city"), "a@pw-city.example", PASSWORD)
        .await
        .expect_status(401);
}

#[tokio::test]
async fn staff_and_first_admins_are_invited_and_log_in_only_after_accepting() {
    let app = spawn_app().await;
    let platform = app.platform_admin().await;
    let admin_email = "first@pw-invited.example";
    let created = platform
        .post(
            "/api/v1/municipalities",
            &json!({"slug": "pw-invited", "country": "TR", "names": {"tr": "Ankara"},
                    "admin": {"email": admin_email, "display_name": "First"}}),
        )
        .await;
    created.expect_status(201);
    assert_eq!(created.json()["admin"]["status"], "invited");
    app.attempt_login(Some("pw-invited"), admin_email, PASSWORD)
        .await
        .expect_status(401);
    app.accept_invitation(admin_email).await;
    let admin = app
        .logged_in(Some("pw-invited"), admin_email, PASSWORD)
        .await;
    assert_eq!(admin.get("/api/v1/me").await.json()["status"], "active");

    for role in ["official", "auditor", "municipality_admin"] {
        let email = format!("{role}@pw-invited.example");
        let created = admin
            .post(
                "/api/v1/municipalities/pw-invited/staff",
                &json!({"email": email, "display_name": role, "role": role}),
            )
            .await;
        created.expect_status(201);
        assert_eq!(created.json()["status"], "invited");
        app.attempt_login(Some("pw-invited"), &email, PASSWORD)
            .await
            .expect_status(401);
        app.accept_invitation(&email).await;
        let session = app.logged_in(Some("pw-invited"), &email, PASSWORD).await;
        assert_eq!(session.get("/api/v1/me").await.json()["role"], role);
    }
    assert_eq!(audit_actions(&app, "staff.invitation_accepted").await, 4);
}
