//! The `email_code` verification method (issue 19): a resident asks for a code sent to their
//! account's address and enters it, against a real SMTP server (aiosmtpd, `support::smtp`).
//! Skipped when aiosmtpd is missing, unless `KURULTAI_SMTP_TESTS=require`.

use std::time::Duration;

use diesel::prelude::*;
use kurultai::db::one_time_codes::CodeRow;
use kurultai::db::outbox::OutboxRow;
use kurultai::db::schema::{mail_outbox, one_time_codes};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::support::smtp::{smtp_on, Mail, SmtpServer};
use crate::support::{
    approvals, BudgetBuilder, City, MunicipalityBuilder, Reply, ResidentBuilder, Role, Session,
};

const ARRIVES: Duration = Duration::from_secs(15);
const SEND: &str = "/api/v1/me/verification/email-code";
const CONFIRM: &str = "/api/v1/me/verification/email-code/confirm";

/// A Turkish city under `review` offering `methods`, speaking English and Russian.
async fn city(app: &TestApp, slug: &str, methods: &[&str]) -> City {
    let builder = MunicipalityBuilder::turkish(slug)
        .registration("review")
        .setting("verification_methods", json!(methods))
        .setting("languages", json!(["en", "ru"]))
        .setting(
            "names",
            json!({"en": "City of Kazan", "ru": "Город Казань"}),
        )
        .setting("default_language", "en");
    app.create_municipality(builder).await
}

/// A real SMTP server, an app mailing to it (its settings then `tune`d) and a city offering
/// `methods`; `None` when aiosmtpd is missing and the test may skip.
async fn mailing_city(
    slug: &str,
    methods: &[&str],
    tune: impl FnOnce(&mut kurultai::config::Settings),
) -> Option<(SmtpServer, TestApp, City)> {
    let smtp = SmtpServer::start()?;
    let app = spawn_app_with(|s| {
        smtp_on(smtp.port)(s);
        tune(s);
    })
    .await;
    let city = city(&app, slug, methods).await;
    Some((smtp, app, city))
}

async fn send(who: &Session) -> Reply {
    who.post(SEND, &json!({})).await
}

async fn confirm(who: &Session, code: &str) -> Reply {
    who.post(CONFIRM, &json!({"code": code})).await
}

async fn profile(who: &Session) -> Value {
    who.get("/api/v1/me/profile").await.ok()
}

async fn patch_profile(who: &Session, body: Value) -> Value {
    who.patch("/api/v1/me/profile", &body).await.ok()
}

/// The typed code in a mail's body (`7XK2M-Q4TZ9`).
fn code_in(mail: &Mail) -> String {
    mail.body
        .split_whitespace()
        .find(|w| {
            w.len() == 11
                && w.as_bytes()[5] == b'-'
                && w.chars()
                    .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase())
        })
        .unwrap_or_else(|| panic!("no code in {}", mail.body))
        .to_string()
}

/// The messages that arrived for residents: the set-up's staff invitations go to the same
/// server and are not what these tests count.
fn resident_mail(smtp: &SmtpServer) -> Vec<Mail> {
    smtp.messages()
        .into_iter()
        .filter(|m| !m.body.contains("/invitation?token="))
        .collect()
}

/// Waits until `n` messages arrived for residents, and returns them.
async fn resident_mail_arrived(smtp: &SmtpServer, n: usize) -> Vec<Mail> {
    let deadline = std::time::Instant::now() + ARRIVES;
    loop {
        let arrived = resident_mail(smtp);
        if arrived.len() >= n {
            return arrived;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {n} messages arrived",
            arrived.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next message to arrive after those in `seen` (the Maildir's order is not arrival's),
/// added to them.
async fn next_mail(smtp: &SmtpServer, seen: &mut Vec<String>) -> Mail {
    let arrived = resident_mail_arrived(smtp, seen.len() + 1).await;
    let mail = arrived
        .into_iter()
        .find(|m| !seen.contains(&m.raw))
        .expect("a new message");
    seen.push(mail.raw.clone());
    mail
}

fn assert_refused(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.problem().code, code);
}

/// Every row of `one_time_codes` and of the outbox, as stored, in one text.
async fn stored_codes_and_mail(app: &TestApp) -> String {
    app.db
        .read(|conn| {
            let codes: Vec<CodeRow> = one_time_codes::table
                .select(CodeRow::as_select())
                .load(conn)?;
            let mail: Vec<OutboxRow> = mail_outbox::table
                .select(OutboxRow::as_select())
                .load(conn)?;
            Ok::<_, kurultai::db::DbError>(format!("{codes:?} {mail:?}"))
        })
        .await
        .unwrap()
}

/// Makes every live e-mail code expired, as time would.
async fn expire_codes(app: &TestApp) {
    app.db
        .write(|conn| {
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
            diesel::update(
                one_time_codes::table.filter(one_time_codes::purpose.eq("email_verification")),
            )
            .set(one_time_codes::expires_at.eq(past))
            .execute(conn)
            .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn the_code_arrives_in_the_residents_language_and_lets_them_vote_where_only_email_counts() {
    let Some((smtp, app, city)) = mailing_city("kazan", &["review", "email_code"], |_| {}).await
    else {
        return;
    };
    let official = app.staff_login(&city, Role::Official).await;
    let ayse = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    let veli = app
        .register_resident(&city, ResidentBuilder::adult(2))
        .await;
    patch_profile(&ayse, json!({"language": "ru"})).await;

    let mut budget = BudgetBuilder::approval(1).build();
    budget["accepted_verifications"] = json!(["email_code"]);
    let voting = app.open_voting(&city, &official, budget, &[100]).await;
    let eligibility = format!("/api/v1/budgets/{}/eligibility", voting.budget.id);
    // Not before: pending, nothing recorded.
    let standing: Value = ayse.get(&eligibility).await.ok();
    assert_eq!(standing["can_vote"], false);
    let early = ayse
        .cast(&voting.budget, approvals(&voting.proposal_ids()))
        .await;
    assert_eq!(early.status, 403, "{}", early.text());

    let sent = send(&ayse).await;
    sent.expect_status(202);
    let sent: Value = sent.json();
    assert_eq!(sent["sent_to"], json!(ayse.email));
    assert!(sent["expires_at"].is_string());
    assert_eq!(sent.as_object().unwrap().len(), 2, "no code in the answer");

    let mail = resident_mail_arrived(&smtp, 1).await.remove(0);
    assert_eq!(mail.header("To"), Some(ayse.email.as_str()));
    assert_eq!(mail.header("Content-Language"), Some("ru"));
    assert_eq!(
        mail.header("Subject"),
        Some("Город Казань: код для подтверждения почты")
    );
    assert!(mail.body.contains("30 минут"), "{}", mail.body);
    assert!(
        mail.body
            .contains(&format!("{}/#/m/kazan/account", app.address)),
        "{}",
        mail.body
    );
    let code = code_in(&mail);
    // Neither the outbox nor the codes' table holds the code in clear.
    let stored = stored_codes_and_mail(&app).await;
    for part in code.split('-') {
        assert!(!stored.contains(part), "the code is stored in clear");
    }

    // Another resident's, a wrong one: the same refusal, and the code lives on.
    assert_refused(&confirm(&veli, &code).await, 403, "invalid_code");
    assert_refused(&confirm(&ayse, "00000-00000").await, 403, "invalid_code");
    assert_eq!(profile(&ayse).await["status"], "pending");
    let confirmed = confirm(&ayse, &code.to_lowercase().replace('-', " ")).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    let confirmed: Value = confirmed.json();
    assert_eq!(confirmed["status"], "verified");
    assert_eq!(confirmed["verified_by"], json!(["email_code"]));
    // Used once: never again.
    assert_refused(&confirm(&ayse, &code).await, 403, "invalid_code");

    let standing: Value = ayse.get(&eligibility).await.ok();
    assert_eq!(standing["can_vote"], true, "{standing}");
    let cast = ayse
        .cast(&voting.budget, approvals(&voting.proposal_ids()))
        .await;
    assert_eq!(cast.status, 201, "{}", cast.text());
    // A resident's own act, like a letter code: no staff audit entry.
    assert_eq!(
        crate::support::audit_actions(&app, "resident.verified").await,
        0
    );
}

#[tokio::test]
async fn an_expired_or_replaced_code_is_refused_and_a_rejection_stands() {
    let Some((smtp, app, city)) =
        mailing_city("kazan-late", &["review", "email_code"], |_| {}).await
    else {
        return;
    };
    let official = app.staff_login(&city, Role::Official).await;
    let resident = app
        .register_resident(&city, ResidentBuilder::adult(3))
        .await;

    let mut seen = Vec::new();
    send(&resident).await.expect_status(202);
    let first = code_in(&next_mail(&smtp, &mut seen).await);
    expire_codes(&app).await;
    assert_refused(&confirm(&resident, &first).await, 403, "invalid_code");

    // A new code replaces the one before.
    send(&resident).await.expect_status(202);
    let second = code_in(&next_mail(&smtp, &mut seen).await);
    send(&resident).await.expect_status(202);
    let third = code_in(&next_mail(&smtp, &mut seen).await);
    assert_refused(&confirm(&resident, &second).await, 403, "invalid_code");

    // A rejected registration stays rejected: the method is recorded, nothing more.
    let id = profile(&resident).await["id"].as_str().unwrap().to_string();
    official
        .post(
            &format!("/api/v1/municipalities/kazan-late/residents/{id}/reject"),
            &json!({"reason": "Not a resident"}),
        )
        .await
        .expect_status(200);
    let confirmed: Value = confirm(&resident, &third).await.ok();
    assert_eq!(confirmed["status"], "rejected");
    assert_eq!(confirmed["verified_by"], json!(["email_code"]));
}

#[tokio::test]
async fn not_offered_and_no_address_are_refused_with_their_codes() {
    let Some((smtp, app, city)) =
        mailing_city("kazan-no", &["review", "letter_code"], |_| {}).await
    else {
        return;
    };
    let resident = app
        .register_resident(&city, ResidentBuilder::adult(4))
        .await;
    assert_refused(
        &send(&resident).await,
        409,
        "verification_method_not_offered",
    );
    assert_refused(
        &confirm(&resident, "00000-00000").await,
        409,
        "verification_method_not_offered",
    );

    let offered = self::city(&app, "kazan-yes", &["review", "email_code"]).await;
    let without = app
        .register_resident(&offered, ResidentBuilder::adult(5))
        .await;
    patch_profile(&without, json!({"email": null})).await;
    assert_refused(&send(&without).await, 409, "email_missing");
    // Staff are not residents.
    let official = app.staff_login(&offered, Role::Official).await;
    assert_eq!(send(&official).await.status, 403);
    assert!(resident_mail(&smtp).is_empty());
}

#[tokio::test]
async fn sends_and_attempts_are_throttled_per_account() {
    let tune = |s: &mut kurultai::config::Settings| {
        s.code_limits.email_sends_per_hour = 1;
        s.code_limits.email_sends_burst = 2;
        s.code_limits.per_person_per_hour = 1;
        s.code_limits.per_person_burst = 2;
    };
    let Some((smtp, app, city)) = mailing_city("kazan-slow", &["review", "email_code"], tune).await
    else {
        return;
    };
    let flooder = app
        .register_resident(&city, ResidentBuilder::adult(6))
        .await;
    let other = app
        .register_resident(&city, ResidentBuilder::adult(7))
        .await;
    let mut seen = Vec::new();
    send(&flooder).await.expect_status(202);
    next_mail(&smtp, &mut seen).await;
    send(&flooder).await.expect_status(202);
    let code = code_in(&next_mail(&smtp, &mut seen).await);
    let refused = send(&flooder).await;
    assert_eq!(refused.status, 429, "{}", refused.text());
    assert!(refused.header("retry-after").is_some());

    for _ in 0..2 {
        assert_refused(&confirm(&flooder, "00000-00000").await, 403, "invalid_code");
    }
    // Refused before the code is looked at, even the right one.
    let refused = confirm(&flooder, &code).await;
    assert_eq!(refused.status, 429, "{}", refused.text());
    assert!(refused.header("retry-after").is_some());
    // Another account's sends and attempts are its own.
    send(&other).await.expect_status(202);
    assert_refused(&confirm(&other, "00000-00000").await, 403, "invalid_code");
    // The refused send mailed nothing.
    next_mail(&smtp, &mut seen).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(resident_mail(&smtp).len(), 3);
}

#[tokio::test]
async fn a_new_address_drops_the_old_ones_code_and_what_it_proved() {
    let Some((smtp, app, city)) =
        mailing_city("kazan-move", &["review", "email_code"], |_| {}).await
    else {
        return;
    };
    let resident = app
        .register_resident(&city, ResidentBuilder::adult(8))
        .await;

    // A code read at the old address does not prove the new one.
    let mut seen = Vec::new();
    send(&resident).await.expect_status(202);
    let old = code_in(&next_mail(&smtp, &mut seen).await);
    patch_profile(&resident, json!({"email": "moved@kazan.example"})).await;
    assert_refused(&confirm(&resident, &old).await, 403, "invalid_code");

    let sent: Value = send(&resident).await.json();
    assert_eq!(sent["sent_to"], "moved@kazan.example");
    let mail = next_mail(&smtp, &mut seen).await;
    assert_eq!(mail.header("To"), Some("moved@kazan.example"));
    let confirmed: Value = confirm(&resident, &code_in(&mail)).await.ok();
    assert_eq!(confirmed["verified_by"], json!(["email_code"]));

    // Another change forgets what the method proved (the status stays as decided); the same
    // address again keeps it.
    let same: Value = patch_profile(&resident, json!({"email": "moved@kazan.example"})).await;
    assert_eq!(same["verified_by"], json!(["email_code"]));
    let moved: Value = patch_profile(&resident, json!({"email": "again@kazan.example"})).await;
    assert_eq!(moved["verified_by"], json!([]));
    assert_eq!(profile(&resident).await["verified_by"], json!([]));
}
