//! The outbox's recovery messages as stored, for the tests that look at what is queued, sealed,
//! retried or given up: the staff invitations a set-up sends are left out.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use kurultai::db::outbox::OutboxRow;
use kurultai::db::schema::mail_outbox;

use crate::helpers::TestApp;

/// Every recovery message in the outbox, as stored: the staff's invitations, sent as a test sets
/// its city up (`TestApp::staff`), are not what these tests look at.
pub async fn rows(app: &TestApp) -> Vec<OutboxRow> {
    let rows = app
        .db
        .read(|conn| {
            mail_outbox::table
                .select(OutboxRow::as_select())
                .load(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap();
    rows.into_iter()
        .filter(|r| r.kind == kurultai::domain::mail::MailKind::PasswordRecovery)
        .collect()
}

/// Waits until `check` holds for the outbox (at most `within`).
pub async fn rows_until(app: &TestApp, within: Duration, check: impl Fn(&[OutboxRow]) -> bool) {
    let deadline = Instant::now() + within;
    loop {
        let queued = rows(app).await;
        if check(&queued) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox never got there: {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
