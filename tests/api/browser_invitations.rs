//! Staff invitations in a real browser (see browser.rs for how these run), with the mail going
//! through a real SMTP server (aiosmtpd): an admin invites an official from the staff page, the
//! official opens the e-mailed link, sets a password and logs in; the used link is refused.

use crate::browser::{browser_available, run_in_browser};
use crate::helpers::{spawn_app_with, TestApp, PASSWORD};
use crate::mail::smtp_on;
use crate::support::smtp::SmtpServer;
use crate::support::MunicipalityBuilder;

/// An app whose mail reaches a real SMTP server, and that server; `None` when aiosmtpd is
/// missing and the mail tests may skip (`KURULTAI_SMTP_TESTS=require` makes that fail).
pub(crate) async fn app_with_mail() -> Option<(TestApp, SmtpServer)> {
    let smtp = SmtpServer::start()?;
    let app = spawn_app_with(smtp_on(smtp.port)).await;
    Some((app, smtp))
}

/// The environment that lets a node script read the mail (tests/browser/mail.mjs).
pub(crate) fn maildir_env(smtp: &SmtpServer) -> (&'static str, String) {
    ("KURULTAI_MAILDIR", smtp.maildir().display().to_string())
}

#[tokio::test]
async fn browser_invitations_an_invited_official_sets_a_password_from_the_mailed_link() {
    if !browser_available() {
        return;
    }
    let Some((app, smtp)) = app_with_mail().await else {
        return;
    };
    let slug = "kayseri-invites";
    app.create_municipality(MunicipalityBuilder::turkish(slug))
        .await;
    let env = vec![
        ("KURULTAI_SLUG", slug.to_string()),
        ("KURULTAI_ADMIN", format!("admin@{slug}.example")),
        ("KURULTAI_PASSWORD", PASSWORD.to_string()),
        maildir_env(&smtp),
    ];
    run_in_browser(&app, "invitations.test.mjs", env).await;

    // What the pages did is what is stored: the official is active and the acceptance audited.
    assert_eq!(
        crate::support::audit_actions(&app, "staff.invitation_accepted").await,
        1
    );
}
