//! The web client in a real browser (see browser.rs for how these run): signing in through a
//! municipality's identity provider — a real OpenID provider (`support::oidc`) — and recovering
//! a password by the link a real SMTP server (`support::smtp`) received.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::browser::{browser_available, open_city, run_in_browser};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::support::oidc::{person, OidcProvider, CLIENT_ID, CLIENT_SECRET};
use crate::support::smtp::{smtp_on, SmtpServer};
use crate::support::{tckn, BudgetBuilder, City, ResidentBuilder};

/// A city speaking English and Turkish where typed registrations wait for review, provider
/// sign-in is offered, and a budget in voting counts only residents the provider verified.
async fn city_with_provider(app: &TestApp, slug: &str, provider: &OidcProvider) -> City {
    let (city, official) = open_city(app, slug).await;
    city.admin
        .update_settings(
            &city,
            &json!({"names": {"en": format!("City of {slug}"), "tr": format!("{slug} Belediyesi")},
                    "languages": ["en", "tr"], "registration_policy": "review",
                    "verification_methods": ["review", "provider"]}),
        )
        .await;
    let configured = city
        .admin
        .put(
            &format!("/api/v1/municipalities/{slug}/identity-provider"),
            &json!({
                "issuer_url": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "national_id_claim": "national_id", "birth_date_claim": "birthdate",
                "name_claim": "name", "scopes": ["profile"],
                "button_labels": {"en": "Sign in with e-Devlet", "tr": "e-Devlet ile giriş"},
            }),
        )
        .await;
    assert_eq!(configured.status, 200, "{}", configured.text());
    let mut budget = BudgetBuilder::approval(1).build();
    budget["names"] = json!({"en": "Parks"});
    budget["accepted_verifications"] = json!(["provider"]);
    app.open_voting(&city, &official, budget, &[100]).await;
    city
}

#[tokio::test]
async fn browser_identity_residents_sign_in_through_the_state_provider_and_link_their_account() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let Some(provider) = OidcProvider::start(&app).await else {
        return;
    };
    let slug = "bursa";
    let city = city_with_provider(&app, slug, &provider).await;
    // Two people new here, and one who registered by typing the ID (awaiting review).
    provider
        .add_account("ayse", person(&tckn(4242), "Ayşe Yılmaz", "1984-02-29"))
        .await;
    provider
        .add_account("emre", person(&tckn(4343), "Emre Kaya", "1990-07-01"))
        .await;
    let typed = ResidentBuilder::adult(44);
    let typed_email = typed.email(slug);
    app.register_resident(&city, typed).await;
    provider
        .add_account("typist", person(&tckn(44), "Resident 44", "1980-01-01"))
        .await;
    run_in_browser(
        &app,
        "identity.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_OIDC_ISSUER", provider.issuer.clone()),
            ("KURULTAI_TYPED_EMAIL", typed_email),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_PART", "provider".to_string()),
        ],
    )
    .await;
}

/// Copies the decoded body of every message the SMTP server received into `dir` as
/// `<n>.txt`, while the browser script runs and reads them; stops when `stop` is set.
fn mirror_mail(
    smtp: Arc<SmtpServer>,
    dir: &Path,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            for (n, mail) in smtp.messages().iter().enumerate() {
                let file = dir.join(format!("{n}.txt"));
                if !file.exists() {
                    let partial = dir.join(format!("{n}.part"));
                    std::fs::write(&partial, &mail.body).unwrap();
                    std::fs::rename(&partial, &file).unwrap();
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

#[tokio::test]
async fn browser_identity_residents_and_the_platform_admin_recover_a_password_by_mail() {
    if !browser_available() {
        return;
    }
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = spawn_app_with(smtp_on(smtp.port)).await;
    let slug = "mersin";
    let (city, _official) = open_city(&app, slug).await;
    let resident = ResidentBuilder::adult(51);
    let resident_email = resident.email(slug);
    app.register_resident(&city, resident).await;
    // The platform admin exists once a municipality was created.
    app.platform_admin_token().await;

    let mail = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mirror = mirror_mail(Arc::new(smtp), mail.path(), stop.clone());
    run_in_browser(
        &app,
        "identity.test.mjs",
        vec![
            ("KURULTAI_SLUG", slug.to_string()),
            ("KURULTAI_RESIDENT_EMAIL", resident_email),
            (
                "KURULTAI_PLATFORM_EMAIL",
                crate::helpers::PLATFORM_EMAIL.to_string(),
            ),
            ("KURULTAI_PASSWORD", PASSWORD.to_string()),
            ("KURULTAI_MAIL_DIR", mail.path().display().to_string()),
            ("KURULTAI_PART", "recovery".to_string()),
        ],
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    mirror.join().unwrap();
}
