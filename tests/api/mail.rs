//! E-mail through a real SMTP server (aiosmtpd, `support::smtp`), and password recovery by the
//! link it carries. Tests that need the server skip when aiosmtpd is missing, unless
//! `KURULTAI_SMTP_TESTS=require`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp, PASSWORD};
use crate::support::inbox::Mail;
use crate::support::recovery_outbox;
use crate::support::smtp::{smtp_on, HungServer, SmtpServer};
use crate::support::{tckn, MunicipalityBuilder, Role};

const NEW_PASSWORD: &str = "a brand new passphrase for the city";
const ARRIVES: Duration = Duration::from_secs(15);

async fn app_mailing_to(port: u16) -> TestApp {
    spawn_app_with(smtp_on(port)).await
}

/// Registers resident `n` in `slug` with `language`, returning their e-mail and refresh token.
async fn resident(app: &TestApp, slug: &str, n: u64, language: &str) -> (String, String) {
    let email = format!("resident{n}@{slug}.example");
    app.anonymous()
        .post(
            &format!("/api/v1/municipalities/{slug}/residents"),
            &json!({"national_id": tckn(n), "full_name": format!("Resident {n}"),
                    "birth_date": "1980-01-01", "email": email, "password": PASSWORD,
                    "language": language}),
        )
        .await
        .expect_status(201);
    let tokens = app.attempt_login(Some(slug), &email, PASSWORD).await.json();
    (email, tokens["refresh_token"].as_str().unwrap().to_string())
}

async fn ask(app: &TestApp, municipality: Option<&str>, email: &str) -> crate::support::Reply {
    app.anonymous()
        .post(
            "/api/v1/auth/password-recovery",
            &json!({"municipality": municipality, "email": email}),
        )
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> crate::support::Reply {
    app.anonymous()
        .post(
            "/api/v1/auth/password-reset",
            &json!({"token": token, "new_password": password}),
        )
        .await
}

/// A Turkish city whose default language is Turkish, English enabled too, named in both.
fn speaking_turkish(slug: &str) -> MunicipalityBuilder {
    MunicipalityBuilder::turkish(slug)
        .setting(
            "names",
            json!({"en": "City of Ankara", "tr": "Ankara Belediyesi"}),
        )
        .setting("languages", json!(["tr", "en"]))
        .setting("default_language", "tr")
}

fn link_path(mail: &Mail) -> String {
    let at = mail.body.find("http").expect("a link");
    mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_recovery_link_arrives_in_the_residents_language_works_once_and_ends_every_session() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(speaking_turkish("mail-one").open_registration("final"))
        .await;
    let (email, refresh_token) = resident(&app, &city.slug, 1, "en").await;

    let started = Instant::now();
    let answer = ask(&app, Some(&city.slug), &email.to_uppercase()).await;
    answer.expect_status(202);
    assert_eq!(answer.json(), json!({"status": "accepted"}));
    assert!(started.elapsed() < Duration::from_secs(2));

    let mail = smtp.wait_for_link(&email, "reset-password", ARRIVES).await;
    assert_eq!(mail.header("To"), Some(email.as_str()));
    assert!(mail.header("From").unwrap().contains("pb@kurultai.example"));
    assert_eq!(mail.header("Content-Language"), Some("en"));
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert!(mail
        .header("Content-Type")
        .unwrap()
        .starts_with("text/plain; charset=utf-8"));
    let subject = mail.header("Subject").unwrap();
    assert_eq!(subject, "City of Ankara: reset your password");
    assert!(mail.body.contains("within 30 minutes"), "{}", mail.body);
    let link = link_path(&mail);
    assert!(
        link.starts_with(&format!(
            "{}/#/m/mail-one/reset-password?token=",
            app.address
        )),
        "{link}"
    );

    // The link works once; the account's sessions end with it.
    let token = mail.token();
    reset(&app, &token, NEW_PASSWORD).await.expect_status(204);
    app.anonymous()
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": refresh_token}),
        )
        .await
        .expect_status(401);
    app.attempt_login(Some(&city.slug), &email, PASSWORD)
        .await
        .expect_status(401);
    app.attempt_login(Some(&city.slug), &email, NEW_PASSWORD)
        .await
        .expect_status(200);
    let again = reset(&app, &token, "yet another passphrase entirely").await;
    again.expect_status(403);
    assert_eq!(again.problem().code, "invalid_code");
    for made_up in ["A".repeat(43), "not-a-token".into(), String::new()] {
        let refused = reset(&app, &made_up, "yet another passphrase entirely").await;
        refused.expect_status(403);
        assert_eq!(refused.problem().code, "invalid_code");
    }
    // A resident's reset is theirs, not a staff action.
    assert_eq!(
        crate::support::audit_actions(&app, "account.password_reset_by_link").await,
        0
    );

    // The outbox keeps who and when, never the content, once sent.
    recovery_outbox::rows_until(&app, ARRIVES, |rows| {
        rows.len() == 1 && rows[0].finished_at.is_some()
    })
    .await;
    let row = &recovery_outbox::rows(&app).await[0];
    assert_eq!(row.sealed, None);
    assert_eq!(row.status.as_str(), "sent");
    assert_eq!((row.recipient.as_str(), row.attempts), (email.as_str(), 1));
    // Two messages: the first admin's invitation, then the recovery link.
    let metrics = app.anonymous().get("/metrics").await.text();
    assert!(metrics.contains("kurultai_mail_messages_total{outcome=\"sent\"} 2"));
    assert!(metrics.contains("kurultai_mail_messages_total{outcome=\"queued\"} 2"));
}

#[tokio::test]
async fn staff_get_the_municipalitys_language_and_their_reset_is_audited() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(speaking_turkish("mail-staff"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let email = "official@mail-staff.example";
    ask(&app, Some(&city.slug), email).await.expect_status(202);
    let mail = smtp.wait_for_link(email, "reset-password", ARRIVES).await;
    assert_eq!(mail.header("Content-Language"), Some("tr"));
    assert_eq!(
        mail.header("Subject"),
        Some("Ankara Belediyesi: şifrenizi sıfırlayın")
    );
    assert!(mail.body.contains("dakika"), "{}", mail.body);

    // The policy still holds on a reset.
    let weak = reset(&app, &mail.token(), "short").await;
    weak.expect_status(422);
    reset(&app, &mail.token(), NEW_PASSWORD)
        .await
        .expect_status(204);
    official.get("/api/v1/me").await.expect_status(401);
    assert_eq!(
        crate::support::audit_actions(&app, "account.password_reset_by_link").await,
        1
    );
}

#[tokio::test]
async fn the_platform_admin_recovers_without_a_municipality() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    app.platform_admin().await;
    ask(&app, None, crate::helpers::PLATFORM_EMAIL)
        .await
        .expect_status(202);
    let mail = smtp.wait_for(1, ARRIVES).await.remove(0);
    assert!(link_path(&mail).starts_with(&format!("{}/#/reset-password?token=", app.address)));
    reset(&app, &mail.token(), NEW_PASSWORD)
        .await
        .expect_status(204);
    app.attempt_login(None, crate::helpers::PLATFORM_EMAIL, NEW_PASSWORD)
        .await
        .expect_status(200);
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    // A configured lifetime of one second (`recovery.link_lifetime_secs`), not a hand-edited row.
    let app = spawn_app_with(|s| {
        smtp_on(smtp.port)(s);
        s.recovery.link_lifetime_secs = 1;
    })
    .await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-late").open_registration("final"))
        .await;
    let (email, _) = resident(&app, &city.slug, 2, "en").await;
    ask(&app, Some(&city.slug), &email).await.expect_status(202);
    let mail = smtp.wait_for_link(&email, "reset-password", ARRIVES).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let late = reset(&app, &mail.token(), NEW_PASSWORD).await;
    late.expect_status(403);
    assert_eq!(late.problem().code, "invalid_code");
    app.attempt_login(Some(&city.slug), &email, PASSWORD)
        .await
        .expect_status(200);
}

#[tokio::test]
async fn unknown_and_other_municipalities_addresses_get_the_same_answer_and_no_mail() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let here = app
        .create_municipality(MunicipalityBuilder::turkish("mail-here").open_registration("final"))
        .await;
    let there = app
        .create_municipality(MunicipalityBuilder::turkish("mail-there").open_registration("final"))
        .await;
    let (theirs, _) = resident(&app, &there.slug, 3, "en").await;
    let (mine, _) = resident(&app, &here.slug, 4, "en").await;

    let known = ask(&app, Some(&here.slug), &mine).await;
    let mut answers = vec![
        ask(&app, Some(&here.slug), "nobody@mail-here.example").await,
        ask(&app, Some(&here.slug), &theirs).await,
        ask(&app, Some("no-such-city"), &mine).await,
        ask(&app, None, &mine).await,
    ];
    answers.push(known);
    for answer in &answers {
        answer.expect_status(202);
        assert_eq!(answer.json(), answers[0].json());
        assert_eq!(
            answer.header("content-type"),
            answers[0].header("content-type")
        );
    }
    // Only the one registered here got mail, and only one recovery message was ever queued
    // (the rest are the two first admins' invitations).
    smtp.wait_for_link(&mine, "reset-password", ARRIVES).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let recoveries: Vec<Mail> = smtp
        .messages()
        .into_iter()
        .filter(|m| !m.body.contains("/invitation?token="))
        .collect();
    assert_eq!(recoveries.len(), 1);
    assert_eq!(recoveries[0].header("To"), Some(mine.as_str()));
    assert_eq!(recovery_outbox::rows(&app).await.len(), 1);
}

#[tokio::test]
async fn recovery_is_throttled_per_address_and_per_client() {
    // Mail goes to files (development's default): the first admin reads the invitation there.
    let app = spawn_app_with(|s| {
        s.recovery.per_email_burst = 2;
        s.recovery.per_email_per_hour = 1;
        s.recovery.per_ip_burst = 4;
        s.recovery.per_ip_per_hour = 1;
    })
    .await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-slow"))
        .await;
    for _ in 0..2 {
        ask(&app, Some(&city.slug), "someone@mail-slow.example")
            .await
            .expect_status(202);
    }
    let per_address = ask(&app, Some(&city.slug), "someone@mail-slow.example").await;
    per_address.expect_status(429);
    assert!(per_address.header("retry-after").is_some());
    // Another address from the same client has its own bucket, until the client's runs out.
    ask(&app, Some(&city.slug), "other@mail-slow.example")
        .await
        .expect_status(202);
    let per_client = ask(&app, Some(&city.slug), "third@mail-slow.example").await;
    per_client.expect_status(429);
    assert_eq!(per_client.problem().code, "rate_limited");
}

#[tokio::test]
async fn mail_queued_while_the_server_is_down_arrives_once_it_is_up() {
    let Some(mut smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-down").open_registration("final"))
        .await;
    let (email, _) = resident(&app, &city.slug, 5, "en").await;
    // Up while the first admin's invitation goes out, down from here on.
    smtp.stop();
    ask(&app, Some(&city.slug), &email).await.expect_status(202);
    // At least one attempt failed, and the message waits for its next one.
    recovery_outbox::rows_until(&app, ARRIVES, |rows| {
        rows.len() == 1 && rows[0].attempts >= 1 && rows[0].last_error.is_some()
    })
    .await;
    assert_eq!(
        recovery_outbox::rows(&app).await[0].status.as_str(),
        "queued"
    );
    smtp.resume();
    let mail = smtp.wait_for_link(&email, "reset-password", ARRIVES).await;
    assert_eq!(mail.header("To"), Some(email.as_str()));
    reset(&app, &mail.token(), NEW_PASSWORD)
        .await
        .expect_status(204);
}

#[tokio::test]
async fn a_hung_mail_server_delays_neither_the_request_nor_a_ballot() {
    let Some(mut smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-hung").open_registration("final"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let voting = app
        .open_voting(
            &city,
            &official,
            crate::support::BudgetBuilder::approval(1),
            &[100],
        )
        .await;
    let voter = app
        .register_resident(&city, crate::support::ResidentBuilder::adult(6))
        .await;
    // The staff's invitations went through; from now on the server on that port never answers.
    smtp.stop();
    let _hung = HungServer::on(smtp.port);

    let started = Instant::now();
    ask(&app, Some(&city.slug), &voter.email)
        .await
        .expect_status(202);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The worker is now stuck on the silent server; a ballot goes through at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    voter
        .cast(
            &voting.budget,
            crate::support::approvals(&voting.proposal_ids()),
        )
        .await
        .expect_status(201);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The attempt is cut by its timeout and recorded; the message waits for another try.
    recovery_outbox::rows_until(&app, ARRIVES, |rows| {
        rows.len() == 1
            && rows[0].last_error.as_deref().is_some_and(|e| {
                e.contains("2 s") || e.contains("timed out") || e.contains("timeout")
            })
    })
    .await;
}

#[tokio::test]
async fn mail_queued_in_a_transaction_that_rolls_back_is_never_sent() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    // Queued exactly as a service queues it, in a transaction that then fails.
    let sealer = kurultai::auth::sealing::Sealer::new(&[7u8; 32]);
    let outcome: Result<(), kurultai::service::Error> = app
        .db
        .write(move |conn| {
            let letter = kurultai::domain::mail::render(
                kurultai::domain::mail::MailKind::PasswordRecovery,
                "en",
                &[
                    ("municipality", "X"),
                    ("link", "http://x/#/?token=t"),
                    ("minutes", "1"),
                ],
            );
            kurultai::service::outbox::queue(
                conn,
                &sealer,
                kurultai::domain::mail::MailKind::PasswordRecovery,
                "someone@example.org",
                &letter,
            )?;
            Err(kurultai::service::Error::NotFound)
        })
        .await;
    assert!(outcome.is_err());
    assert!(recovery_outbox::rows(&app).await.is_empty());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn the_outbox_never_holds_a_link_in_clear_and_forgets_the_body_once_sent() {
    let Some(mut smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-seal").open_registration("final"))
        .await;
    let (email, _) = resident(&app, &city.slug, 7, "en").await;
    // Down while the recovery message waits, so the queued row can be read before it is sent.
    smtp.stop();
    ask(&app, Some(&city.slug), &email).await.expect_status(202);
    recovery_outbox::rows_until(&app, ARRIVES, |rows| rows.len() == 1).await;
    let queued = recovery_outbox::rows(&app).await.remove(0);
    smtp.resume();
    let mail = smtp.wait_for_link(&email, "reset-password", ARRIVES).await;
    let token = mail.token();
    let stored = format!("{queued:?}");
    assert!(
        !stored.contains(&token),
        "the link is in the outbox in clear"
    );
    assert!(
        !stored.contains("token="),
        "the link is in the outbox in clear"
    );
    assert!(queued
        .sealed
        .as_deref()
        .is_some_and(|s| s.starts_with("v1.")));
    recovery_outbox::rows_until(&app, ARRIVES, |rows| rows[0].finished_at.is_some()).await;
    let sent = recovery_outbox::rows(&app).await.remove(0);
    assert_eq!(sent.sealed, None);
    // Nothing in the whole row carries the message, and the one-time code is only a hash.
    assert!(!format!("{sent:?}").contains(&token));
    reset(&app, &token, NEW_PASSWORD).await.expect_status(204);
}

async fn accept(app: &TestApp, token: &str, password: &str) -> crate::support::Reply {
    app.anonymous()
        .post(
            "/api/v1/auth/invitation",
            &json!({"token": token, "password": password}),
        )
        .await
}

#[tokio::test]
async fn an_invited_official_sets_their_own_password_through_the_e_mailed_link() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(speaking_turkish("mail-invite"))
        .await;
    let email = "new.colleague@mail-invite.example";
    let created = city
        .admin
        .post(
            "/api/v1/municipalities/mail-invite/staff",
            &json!({"email": email, "display_name": "New Colleague", "role": "official"}),
        )
        .await;
    created.expect_status(201);
    assert_eq!(created.json()["status"], "invited");
    // No one knows a password yet: not the admin, not the invitee.
    app.attempt_login(Some(&city.slug), email, PASSWORD)
        .await
        .expect_status(401);

    let mail = smtp.wait_for_link(email, "invitation", ARRIVES).await;
    assert_eq!(mail.header("To"), Some(email));
    assert_eq!(mail.header("Content-Language"), Some("tr"));
    assert_eq!(
        mail.header("Subject"),
        Some("Ankara Belediyesi: katılımcı bütçeye davet edildiniz")
    );
    assert!(mail.body.contains("7 gün"), "{}", mail.body);
    assert!(link_path(&mail).starts_with(&format!(
        "{}/#/m/mail-invite/invitation?token=",
        app.address
    )));
    let token = mail.token();
    // A recovery link is not an invitation, and the policy holds.
    reset(&app, &token, NEW_PASSWORD).await.expect_status(403);
    accept(&app, &token, "short").await.expect_status(422);
    accept(&app, &token, NEW_PASSWORD).await.expect_status(204);
    let again = accept(&app, &token, NEW_PASSWORD).await;
    again.expect_status(403);
    assert_eq!(again.problem().code, "invalid_code");
    let official = app.logged_in(Some(&city.slug), email, NEW_PASSWORD).await;
    assert_eq!(official.get("/api/v1/me").await.json()["status"], "active");
    // The first admin's (accepted as the test set the city up) and this official's.
    assert_eq!(
        crate::support::audit_actions(&app, "staff.invitation_accepted").await,
        2
    );
    let created = crate::support::audit_details(&app, "staff.created").await;
    assert_eq!(created.last().unwrap()["invited"], true);
}

#[tokio::test]
async fn an_invitation_to_an_account_disabled_meanwhile_opens_nothing() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("mail-revoked"))
        .await;
    let created = city
        .admin
        .post(
            "/api/v1/municipalities/mail-revoked/staff",
            &json!({"email": "gone@mail-revoked.example", "display_name": "Gone", "role": "auditor"}),
        )
        .await;
    let id = created.json()["id"].as_str().unwrap().to_string();
    let mail = smtp
        .wait_for_link("gone@mail-revoked.example", "invitation", ARRIVES)
        .await;
    assert_eq!(mail.header("Content-Language"), Some("en"));
    city.admin
        .delete(&format!("/api/v1/municipalities/mail-revoked/staff/{id}"))
        .await
        .expect_status(204);
    let refused = accept(&app, &mail.token(), NEW_PASSWORD).await;
    refused.expect_status(403);
    assert_eq!(refused.problem().code, "invalid_code");
    app.attempt_login(Some(&city.slug), "gone@mail-revoked.example", NEW_PASSWORD)
        .await
        .expect_status(401);
}

#[tokio::test]
async fn a_municipalitys_first_admin_created_without_a_password_is_invited_by_e_mail() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_mailing_to(smtp.port).await;
    let platform = app.platform_admin_token().await;
    let email = "first.admin@mail-first.example";
    let response = app
        .post(
            "/api/v1/municipalities",
            Some(&platform),
            &json!({"slug": "mail-first", "country": "TR", "names": {"tr": "Ankara"},
                    "admin": {"email": email, "display_name": "First Admin"}}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: serde_json::Value = response.json().await.unwrap();
    assert_eq!(created["admin"]["status"], "invited");
    // The platform admin set no password, so there is none to log in with yet.
    app.attempt_login(Some("mail-first"), email, PASSWORD)
        .await
        .expect_status(401);

    let mail = smtp.wait_for(1, ARRIVES).await.remove(0);
    assert_eq!(mail.header("To"), Some(email));
    assert!(
        link_path(&mail).starts_with(&format!("{}/#/m/mail-first/invitation?token=", app.address))
    );
    accept(&app, &mail.token(), NEW_PASSWORD)
        .await
        .expect_status(204);
    let admin = app.logged_in(Some("mail-first"), email, NEW_PASSWORD).await;
    assert_eq!(
        admin.get("/api/v1/me").await.json()["role"],
        "municipality_admin"
    );
    let audited = crate::support::audit_details(&app, "municipality.created").await;
    assert_eq!(audited.last().unwrap()["invited"], true);
}
