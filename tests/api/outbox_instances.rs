//! Two instances share one outbox: each runs a mail worker, and a lease on each message keeps
//! them from sending it twice. Real workers, a real SMTP server, one database.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{spawn_app_with, PASSWORD};
use crate::support::smtp::{smtp_on, SmtpServer};
use crate::support::{tckn, MunicipalityBuilder};

const MESSAGES: usize = 24;

#[tokio::test]
async fn two_instances_send_each_queued_message_exactly_once() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let first = spawn_app_with(|s| {
        smtp_on(smtp.port)(s);
        // One address asks many times here: the per-address throttle is another test's.
        s.recovery.per_email_per_hour = 1_000;
        s.recovery.per_email_burst = 1_000;
        s.recovery.per_ip_per_hour = 1_000;
        s.recovery.per_ip_burst = 1_000;
    })
    .await;
    let second = first.another_instance().await;
    let city = first
        .create_municipality(MunicipalityBuilder::turkish("two-senders").open_registration("final"))
        .await;
    let email = "resident@two-senders.example";
    first
        .anonymous()
        .post(
            "/api/v1/municipalities/two-senders/residents",
            &json!({"national_id": tckn(7), "full_name": "Resident", "birth_date": "1980-01-01",
                    "email": email, "password": PASSWORD}),
        )
        .await
        .expect_status(201);
    let mail_before = smtp.messages().len();
    // Each request queues one message and wakes its own instance's worker; the other one
    // polls every 100 ms: both reach for the same rows.
    for n in 0..MESSAGES {
        let instance = if n % 2 == 0 { &first } else { &second };
        instance
            .anonymous()
            .post(
                "/api/v1/auth/password-recovery",
                &json!({"municipality": city.slug, "email": email}),
            )
            .await
            .expect_status(202);
    }
    let arrived = smtp
        .wait_for(mail_before + MESSAGES, Duration::from_secs(30))
        .await;
    // Time for a duplicate, had there been one, to arrive too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let recovery: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.header("To") == Some(email))
        .collect();
    assert_eq!(recovery.len(), MESSAGES, "{} arrived", arrived.len());
    let tokens: HashSet<String> = recovery.iter().map(|m| m.token()).collect();
    assert_eq!(tokens.len(), MESSAGES, "every link once, none twice");
}
