//! Verification in the web client, in a real browser (`tests/browser/verification.test.mjs`):
//! an admin chooses the city's verification methods and configures its identity provider
//! against the real OpenID provider of `support/oidc.rs`, so the server's discovery check runs.

use serde_json::Value;

use crate::browser::{browser_available, open_city, run_in_browser};
use crate::helpers::{spawn_app, PASSWORD};
use crate::support::oidc::{OidcProvider, CLIENT_ID, CLIENT_SECRET};

#[tokio::test]
async fn an_admin_sets_verification_methods_and_the_identity_provider_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let Some(provider) = OidcProvider::start(&app).await else {
        return;
    };
    let slug = "konya";
    let (city, _official) = open_city(&app, slug).await;
    run_in_browser(
        &app,
        "verification.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_ADMIN", format!("admin@{slug}.example")),
            ("KURULTAI_ISSUER", provider.issuer.clone()),
            ("KURULTAI_CLIENT_ID", CLIENT_ID.to_string()),
            ("KURULTAI_CLIENT_SECRET", CLIENT_SECRET.to_string()),
        ],
    )
    .await;

    // What the page saved is what the server holds.
    let settings: Value = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/settings"))
        .await
        .ok();
    assert_eq!(
        settings["verification_methods"],
        serde_json::json!(["review", "provider", "letter_code"])
    );
    let configured: Value = city
        .admin
        .get(&format!("/api/v1/municipalities/{slug}/identity-provider"))
        .await
        .ok();
    assert_eq!(configured["issuer_url"], provider.issuer.as_str());
    assert_eq!(configured["client_secret_set"], true);
    assert_eq!(configured["birth_date_claim"], "birthdate");
}
