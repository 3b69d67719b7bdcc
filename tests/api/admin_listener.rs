//! With `admin_bind` set, the admin module answers only on its own listener.

use serde_json::json;

use crate::helpers::{spawn_app_with, PASSWORD};

#[tokio::test]
async fn the_admin_module_moves_to_its_own_listener() {
    let app = spawn_app_with(|s| s.admin_bind = Some("127.0.0.1:0".into())).await;
    let admin_address = app.admin_address.clone().expect("an admin listener");
    let platform = app.platform_admin_token().await;
    let body = json!({"slug": "samarkand", "country": "UZ", "names": {"uz-Latn": "Samarqand"},
                      "admin": {"email": "a@samarkand.example", "display_name": "A", "password": PASSWORD}});

    // The public listener does not create municipalities any more…
    let public = app
        .post("/api/v1/municipalities", Some(&platform), &body)
        .await;
    assert_eq!(public.status(), 405);
    let settings = app
        .get("/api/v1/municipalities/samarkand/settings", Some(&platform))
        .await;
    assert_eq!(settings.status(), 404);

    // …the admin listener does, with a token from the public login.
    let created = app
        .client
        .post(format!("{admin_address}/api/v1/municipalities"))
        .bearer_auth(&platform)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    // Public reads stay public.
    assert_eq!(
        app.get("/api/v1/municipalities/samarkand", None)
            .await
            .status(),
        200
    );
}
