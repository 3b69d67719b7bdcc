//! `POST /municipalities/{slug}/staff/{id}/invitation`: an admin resends an invited staff
//! member's invitation. The new link arrives through a real SMTP server (aiosmtpd,
//! `support::smtp`) and the earlier one stops working. Tests that need the server skip when
//! aiosmtpd is missing, unless `KURULTAI_SMTP_TESTS=require`.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::support::smtp::{smtp_on, Mail, SmtpServer};
use crate::support::{audit_actions, audit_details, MunicipalityBuilder, Reply, Role, Session};

const NEW_PASSWORD: &str = "a brand new passphrase for the city";
const ARRIVES: Duration = Duration::from_secs(15);

/// Invites `email` as an official of `slug` (no password: the body works whoever sets
/// passwords), returning the account's id.
async fn invite(admin: &Session, slug: &str, email: &str) -> String {
    let created = admin
        .post(
            &format!("/api/v1/municipalities/{slug}/staff"),
            &json!({"email": email, "display_name": "Invitee", "role": "official"}),
        )
        .await;
    created.expect_status(201);
    assert_eq!(created.json()["status"], "invited");
    created.json()["id"].as_str().unwrap().to_string()
}

async fn resend(admin: &Session, slug: &str, id: &str) -> Reply {
    admin
        .post(
            &format!("/api/v1/municipalities/{slug}/staff/{id}/invitation"),
            &json!({}),
        )
        .await
}

async fn accept(app: &TestApp, token: &str) -> Reply {
    app.anonymous()
        .post(
            "/api/v1/auth/invitation",
            &json!({"token": token, "password": NEW_PASSWORD}),
        )
        .await
}

/// Waits until `n` messages to `to` arrived (other mail, such as an admin's own invitation,
/// may arrive too), and returns them, oldest first.
async fn mail_to(smtp: &SmtpServer, to: &str, n: usize) -> Vec<Mail> {
    let deadline = Instant::now() + ARRIVES;
    loop {
        let mail: Vec<Mail> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.header("To") == Some(to))
            .collect();
        if mail.len() >= n {
            return mail;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} messages to {to}",
            mail.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every audit entry's and outbox row's stored text, to search for what must not be there.
async fn stored_text(app: &TestApp) -> String {
    app.db
        .read(|conn| {
            use kurultai::db::schema::{audit_log, mail_outbox};
            let audit: Vec<String> = audit_log::table.select(audit_log::details).load(conn)?;
            let outbox = mail_outbox::table
                .select(kurultai::db::outbox::OutboxRow::as_select())
                .load(conn)?;
            Ok::<_, kurultai::db::DbError>(format!("{audit:?}{outbox:?}"))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resent_invitation_brings_a_new_link_and_the_first_one_stops_working() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = spawn_app_with(smtp_on(smtp.port)).await;
    let city = app
        .create_municipality(
            MunicipalityBuilder::turkish("resend-mail")
                .setting(
                    "names",
                    json!({"en": "City of Ankara", "tr": "Ankara Belediyesi"}),
                )
                .setting("languages", json!(["tr", "en"]))
                .setting("default_language", "tr"),
        )
        .await;
    let email = "late.colleague@resend-mail.example";
    let id = invite(&city.admin, &city.slug, email).await;
    let first = mail_to(&smtp, email, 1).await.remove(0);

    let resent = resend(&city.admin, &city.slug, &id).await;
    resent.expect_status(202);
    assert_eq!(resent.json()["status"], "accepted");
    let second = mail_to(&smtp, email, 2).await.remove(1);
    // The same letter as the first, in the municipality's language, with another link.
    for name in ["Subject", "Content-Language"] {
        assert_eq!(second.header(name), first.header(name), "{name}");
    }
    assert_eq!(second.header("Content-Language"), Some("tr"));
    assert!(second.body.contains("7 gün"), "{}", second.body);
    assert!(second.body.contains(&format!(
        "{}/#/m/resend-mail/invitation?token=",
        app.address
    )));
    let (old, new) = (first.token(), second.token());
    assert_ne!(old, new);

    // Neither the audit log nor the outbox holds either link.
    outbox_sent(&app).await;
    let stored = stored_text(&app).await;
    for token in [&old, &new] {
        assert!(
            !stored.contains(token.as_str()),
            "a link is stored in clear"
        );
    }
    assert!(!stored.contains("token="), "a link is stored in clear");
    let audited = audit_details(&app, "staff.invitation_resent").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["email"], email);

    let refused = accept(&app, &old).await;
    refused.expect_status(403);
    assert_eq!(refused.problem().code, "invalid_code");
    accept(&app, &new).await.expect_status(204);
    app.logged_in(Some(&city.slug), email, NEW_PASSWORD).await;

    // Accepted: there is nothing left to resend.
    let done = resend(&city.admin, &city.slug, &id).await;
    done.expect_status(409);
    assert_eq!(done.problem().code, "not_invited");
    assert_eq!(audit_actions(&app, "staff.invitation_resent").await, 1);
}

/// Waits until the outbox has sent everything it holds (so its rows are final).
async fn outbox_sent(app: &TestApp) {
    let deadline = Instant::now() + ARRIVES;
    loop {
        let pending = app
            .db
            .read(|conn| {
                use kurultai::db::schema::mail_outbox;
                mail_outbox::table
                    .filter(mail_outbox::finished_at.is_null())
                    .count()
                    .get_result::<i64>(conn)
                    .map_err(kurultai::db::DbError::from)
            })
            .await
            .unwrap();
        if pending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{pending} messages never left");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn only_this_municipalitys_admin_resends_and_only_to_an_invited_account() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("resend-here"))
        .await;
    let other = app
        .create_municipality(MunicipalityBuilder::turkish("resend-there"))
        .await;
    let id = invite(&city.admin, &city.slug, "invitee@resend-here.example").await;

    // Another municipality's admin finds neither this municipality nor its account.
    resend(&other.admin, &city.slug, &id)
        .await
        .expect_status(404);
    let theirs = resend(&other.admin, &other.slug, &id).await;
    theirs.expect_status(404);
    assert_eq!(theirs.problem().code, "not_found");
    // An official of the same city is not an admin; nobody at all is not logged in.
    let official = app.staff_login(&city, Role::Official).await;
    resend(&official, &city.slug, &id).await.expect_status(403);
    resend(&app.anonymous(), &city.slug, &id)
        .await
        .expect_status(401);
    // An unknown account, and something that is no id.
    let unknown = uuid::Uuid::new_v4().to_string();
    resend(&city.admin, &city.slug, &unknown)
        .await
        .expect_status(404);
    let malformed = resend(&city.admin, &city.slug, "not-an-id").await;
    assert!(malformed.status.is_client_error(), "{}", malformed.status);

    // An active account (the admin) and a disabled invitee are not invited.
    let me = city.admin.get("/api/v1/me").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let active = resend(&city.admin, &city.slug, &me).await;
    active.expect_status(409);
    assert_eq!(active.problem().code, "not_invited");
    let gone = invite(&city.admin, &city.slug, "gone@resend-here.example").await;
    city.admin
        .delete(&format!(
            "/api/v1/municipalities/{}/staff/{gone}",
            city.slug
        ))
        .await
        .expect_status(204);
    let disabled = resend(&city.admin, &city.slug, &gone).await;
    disabled.expect_status(409);
    assert_eq!(disabled.problem().code, "not_invited");
    assert_eq!(audit_actions(&app, "staff.invitation_resent").await, 0);

    // Each resend e-mails the address: a few in a row, then the admin waits.
    for _ in 0..3 {
        resend(&city.admin, &city.slug, &id)
            .await
            .expect_status(202);
    }
    let flooded = resend(&city.admin, &city.slug, &id).await;
    flooded.expect_status(429);
    assert!(flooded.headers.contains_key("retry-after"));
    assert_eq!(audit_actions(&app, "staff.invitation_resent").await, 3);
}
