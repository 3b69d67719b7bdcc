//! Staff invitations in a real browser (see browser.rs for how these run), with the mail going
//! through a real SMTP server (aiosmtpd): an admin invites an official from the staff page and
//! resends the invitation, the official opens the new e-mailed link, sets a password and logs
//! in; the used link and the replaced first one are refused.

use crate::browser::{app_with_mail, browser_available, maildir_env, run_in_browser};
use crate::helpers::PASSWORD;
use crate::support::MunicipalityBuilder;

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

    // What the pages did is what is stored: the official is active and the acceptance audited
    // (with the first admin's, accepted as the city was set up).
    assert_eq!(
        crate::support::audit_actions(&app, "staff.invitation_accepted").await,
        2
    );
    assert_eq!(
        crate::support::audit_actions(&app, "staff.invitation_resent").await,
        1
    );
}
