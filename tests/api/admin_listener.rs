//! With `admin_bind` set, the admin module answers only on its own listener.

use serde_json::json;

use crate::helpers::spawn_app_with;
use crate::support::CreatedMunicipality;

#[tokio::test]
async fn the_admin_module_moves_to_its_own_listener() {
    let app = spawn_app_with(|s| s.admin_bind = Some("127.0.0.1:0".into())).await;
    let admin_address = app.admin_address.clone().expect("an admin listener");
    let platform = app.platform_admin().await;
    let body = json!({"slug": "samarkand", "country": "UZ", "names": {"uz-Latn": "Samarqand"},
                      "admin": {"email": "a@samarkand.example", "display_name": "A"}});

    // The public listener does not create municipalities any more…
    platform
        .post("/api/v1/municipalities", &body)
        .await
        .expect_status(405);
    platform
        .get("/api/v1/municipalities/samarkand/settings")
        .await
        .expect_status(404);

    // …the admin listener does, with a token from the public login.
    let created: CreatedMunicipality = platform
        .at(&admin_address)
        .post("/api/v1/municipalities", &body)
        .await
        .created();
    assert_eq!(created.municipality.slug, "samarkand");
    // Public reads stay public.
    app.anonymous()
        .get("/api/v1/municipalities/samarkand")
        .await
        .expect_status(200);
}
