//! The web client in a real browser: languages (see browser.rs for how these run).
//!
//! The formatters are checked in Chromium for each of the nine languages, with the browser's
//! own locale data and with the client's fallback patterns; the platform admin creates a
//! municipality from its page, and that municipality's first admin logs in.

use crate::browser::{browser_available, run_in_browser};
use crate::helpers::{PASSWORD, PLATFORM_EMAIL};
use crate::support::MunicipalityBuilder;

#[tokio::test]
async fn browser_languages_format_translate_and_let_the_platform_admin_in() {
    if !browser_available() {
        return;
    }
    // The first admin is invited: the link arrives through a real SMTP server.
    let Some((app, smtp)) = crate::browser::app_with_mail().await else {
        return;
    };
    // A Kazakh city with the country's defaults (kk and ru, KZT, Asia/Almaty); creating it
    // also creates the platform admin the browser logs in as.
    app.create_municipality(MunicipalityBuilder::new("almaty", "KZ"))
        .await;
    let env = vec![
        ("KURULTAI_SLUG", "almaty".to_string()),
        ("KURULTAI_PLATFORM_EMAIL", PLATFORM_EMAIL.to_string()),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        crate::browser::maildir_env(&smtp),
    ];
    run_in_browser(&app, "languages.test.mjs", env).await;
}
