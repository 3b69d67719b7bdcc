//! The outbox: e-mail is queued by the request that causes it, inside that request's
//! transaction, so a message exists if and only if the change it reports committed; a worker
//! (`mail::worker`) sends it afterwards, never inside a request.
//!
//! Subject and body are stored sealed (`auth::sealing`, context `outbox:<id>`): a recovery
//! link is a key to an account until it is used, and someone who reads the database must not
//! find it there. Once a message is sent (or given up) its sealed content is erased; what stays
//! for an operator is the recipient, kind, language, times, attempts and the last error, and
//! that too is forgotten after `mail.keep_hours`.
//!
//! Several instances share one outbox: a worker takes a lease on a message before it sends it
//! (`db::outbox::claim`, a conditional update only one worker wins), so under normal operation
//! no message goes out twice. A worker that dies mid-send leaves a lease that runs out, and the
//! message is tried again: at least once, not exactly once, as SMTP itself is.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::auth::sealing::Sealer;
use crate::db::outbox::{self as rows, OutboxRow};
use crate::db::{Db, DbConn};
use crate::domain::mail::{Letter, MailKind, OutboxStatus};
use crate::service::{now, Error, Result};

/// What every instance's requests and its worker share: the worker's wake-up call and the
/// counters `/metrics` shows.
#[derive(Default)]
pub struct Outbox {
    wake: tokio::sync::Notify,
    queued: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
}

/// Messages queued, sent and failed by this process since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
}

impl Outbox {
    /// Called once the transaction that queued `n` messages committed: counts them and wakes
    /// the worker (a wake-up with no worker waiting is kept for its next look).
    pub fn committed(&self, n: u64) {
        if n > 0 {
            self.queued.fetch_add(n, Ordering::Relaxed);
            self.wake.notify_one();
        }
    }

    /// Resolves when a message was queued in this process since the last wake-up.
    pub async fn woken(&self) {
        self.wake.notified().await
    }

    pub fn counts(&self) -> Counts {
        Counts {
            queued: self.queued.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// What a service that queues e-mail needs beside the database.
pub struct Mailing {
    pub sealer: std::sync::Arc<Sealer>,
    pub outbox: std::sync::Arc<Outbox>,
    /// The service's address, the base of every link (`settings.public_url`, no trailing `/`).
    pub public_url: String,
}

/// The sealed part of a message.
#[derive(Serialize, Deserialize)]
struct Content {
    subject: String,
    body: String,
}

fn context(id: &str) -> String {
    format!("outbox:{id}")
}

/// Queues `letter` to `recipient` on the caller's connection, inside the caller's transaction.
/// After it commits, call [`Outbox::committed`].
pub fn queue(
    conn: &mut DbConn,
    sealer: &Sealer,
    kind: MailKind,
    recipient: &str,
    letter: &Letter,
) -> Result<()> {
    let id = uuid::Uuid::now_v7().to_string();
    let content = serde_json::to_vec(&Content {
        subject: letter.subject.clone(),
        body: letter.body.clone(),
    })
    .map_err(Error::internal)?;
    let at = now();
    rows::insert(
        conn,
        &OutboxRow {
            sealed: Some(sealer.seal(&content, &context(&id))),
            id,
            kind,
            recipient: recipient.to_string(),
            language: letter.language.to_string(),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at: at,
            claimed_until: None,
            last_error: None,
            created_at: at,
            finished_at: None,
        },
    )?;
    Ok(())
}

/// A message a worker holds the lease of, opened.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub kind: MailKind,
    pub recipient: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// How the worker retries and for how long it holds a message.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub base: Duration,
    /// Longer than one attempt can take (its timeout), so a lease never runs out mid-send.
    pub lease: Duration,
}

impl RetryPolicy {
    /// The pause after the `attempts`-th failure: `base`, doubling, at most a day.
    pub fn pause_after(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
        (self.base * 2i32.pow(doublings)).min(Duration::days(1))
    }
}

/// Takes the lease of up to `limit` due messages and opens them. A message that does not open
/// (sealed under another server secret) can never be sent: it is marked failed at once.
pub async fn claim_due(
    db: &Db,
    outbox: &Outbox,
    sealer: std::sync::Arc<Sealer>,
    policy: RetryPolicy,
    limit: i64,
) -> Result<Vec<Claimed>> {
    let (claimed, unopenable) = db
        .write(move |conn| {
            let at = now();
            let mut claimed = Vec::new();
            let mut unopenable = 0;
            for row in rows::due(conn, at, limit)? {
                if !rows::claim(conn, &row.id, at, at + policy.lease)? {
                    continue;
                }
                let content = row
                    .sealed
                    .as_deref()
                    .and_then(|s| sealer.open(s, &context(&row.id)).ok())
                    .and_then(|bytes| serde_json::from_slice::<Content>(&bytes).ok());
                let Some(content) = content else {
                    tracing::error!(message = %row.id, kind = %row.kind,
                    "a queued message does not open (sealed under another secret?); given up");
                    let error = Some("the sealed content does not open");
                    rows::finish(conn, &row.id, OutboxStatus::Failed, row.attempts, error, at)?;
                    unopenable += 1;
                    continue;
                };
                claimed.push(Claimed {
                    id: row.id,
                    kind: row.kind,
                    recipient: row.recipient,
                    language: row.language,
                    subject: content.subject,
                    body: content.body,
                    attempts: row.attempts,
                });
            }
            Ok::<_, Error>((claimed, unopenable))
        })
        .await?;
    outbox.failed.fetch_add(unopenable, Ordering::Relaxed);
    Ok(claimed)
}

/// Records that `message` went out: its content is erased.
pub async fn sent(db: &Db, outbox: &Outbox, message: &Claimed) -> Result<()> {
    let (id, attempts) = (message.id.clone(), message.attempts + 1);
    db.write(move |conn| {
        rows::finish(conn, &id, OutboxStatus::Sent, attempts, None, now()).map_err(Error::from)
    })
    .await?;
    outbox.sent.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Records a failed attempt: tried again after a growing pause, or, after the last attempt,
/// marked failed (its content erased) and logged without it.
pub async fn failed(
    db: &Db,
    outbox: &Outbox,
    policy: RetryPolicy,
    message: &Claimed,
    error: String,
) -> Result<()> {
    let (id, attempts) = (message.id.clone(), message.attempts + 1);
    let given_up = attempts >= policy.max_attempts;
    let stored_error = error.clone();
    db.write(move |conn| {
        let at = now();
        if given_up {
            rows::finish(
                conn,
                &id,
                OutboxStatus::Failed,
                attempts,
                Some(&stored_error),
                at,
            )?;
        } else {
            let next = at + policy.pause_after(attempts);
            rows::retry_at(conn, &id, attempts, &stored_error, next)?;
        }
        Ok::<(), Error>(())
    })
    .await?;
    if given_up {
        outbox.failed.fetch_add(1, Ordering::Relaxed);
        tracing::error!(message = %message.id, kind = %message.kind, attempts, %error,
            "an e-mail could not be delivered; given up");
    } else {
        tracing::warn!(message = %message.id, kind = %message.kind, attempts, %error,
            "an e-mail could not be delivered; it will be tried again");
    }
    Ok(())
}

/// Forgets finished messages older than `keep`.
pub async fn forget_finished(db: &Db, keep: Duration) -> Result<usize> {
    db.write(move |conn| rows::forget_finished(conn, now() - keep).map_err(Error::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_the_base_up_to_a_day() {
        let policy = RetryPolicy {
            max_attempts: 30,
            base: Duration::seconds(30),
            lease: Duration::seconds(60),
        };
        assert_eq!(policy.pause_after(1), Duration::seconds(30));
        assert_eq!(policy.pause_after(2), Duration::seconds(60));
        assert_eq!(policy.pause_after(4), Duration::seconds(240));
        assert_eq!(policy.pause_after(29), Duration::days(1));
    }
}
