//! The e-mail code in the web client, in a real browser (`tests/browser/email_code.test.mjs`),
//! against a real SMTP server: two residents of a city offering `email_code` verify their
//! address on the account page and vote in a budget that counts only e-mail codes.

use serde_json::{json, Value};

use crate::browser::{app_with_mail, browser_available, maildir_env, open_city, run_in_browser};
use crate::helpers::PASSWORD;
use crate::support::ResidentBuilder;

#[tokio::test]
async fn browser_email_code_a_resident_verifies_their_address_and_votes() {
    if !browser_available() {
        return;
    }
    let Some((app, smtp)) = app_with_mail().await else {
        return;
    };
    let slug = "aksaray";
    let (city, official) = open_city(&app, slug).await;
    city.admin
        .update_settings(
            &city,
            &json!({"verification_methods": ["open", "email_code"]}),
        )
        .await;
    let budget_name = "Mail-verified only";
    let voting = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": budget_name}, "amount_minor": 100_000,
                   "ballot": {"type": "approval", "max_selections": 1},
                   "accepted_verifications": ["email_code"]}),
            &[40_000, 50_000],
        )
        .await;
    let mut emails = Vec::new();
    for n in [61, 62] {
        let resident = ResidentBuilder::adult(n);
        emails.push(resident.email(slug));
        app.register_resident(&city, resident).await;
    }

    run_in_browser(
        &app,
        "email_code.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_BUDGET_NAME", budget_name.to_string()),
            ("KURULTAI_PHONE_EMAIL", emails[0].clone()),
            ("KURULTAI_DESKTOP_EMAIL", emails[1].clone()),
            maildir_env(&smtp),
        ],
    )
    .await;

    // What the pages did is what the server holds.
    for email in &emails {
        let resident = app.logged_in(Some(slug), email, PASSWORD).await;
        let profile: Value = resident.get("/api/v1/me/profile").await.ok();
        assert_eq!(profile["verified_by"], json!(["open", "email_code"]));
        let standing: Value = resident
            .get(&format!("/api/v1/budgets/{}/eligibility", voting.budget.id))
            .await
            .ok();
        assert_eq!(standing["can_vote"], true, "{standing}");
    }
}
