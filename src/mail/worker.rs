//! The outbox's worker: runs beside the server (`startup::Application::run_until_stopped`),
//! wakes when this process queues a message and on a tick (for messages other instances
//! queued, and retries that came due), and sends what is due, one message at a time, each
//! attempt cut by a timeout so a hung mail server only delays mail, never a request.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::sealing::Sealer;
use crate::config::MailSettings;
use crate::db::Db;
use crate::mail::Transport;
use crate::service::outbox::{self, Outbox, RetryPolicy};

/// Messages claimed at once: a small batch, so a lease never covers many sends.
const BATCH: i64 = 10;
/// Finished messages are forgotten about this often.
const FORGET_EVERY: Duration = Duration::from_secs(600);

pub struct Worker {
    pub db: Db,
    pub outbox: Arc<Outbox>,
    pub sealer: Arc<Sealer>,
    pub transport: Transport,
    pub settings: MailSettings,
}

impl Worker {
    fn policy(&self) -> RetryPolicy {
        let timeout = self.attempt_timeout();
        RetryPolicy {
            max_attempts: i32::try_from(self.settings.max_attempts.max(1)).unwrap_or(i32::MAX),
            base: chrono::Duration::seconds(
                i64::try_from(self.settings.retry_base_secs.max(1)).unwrap_or(i64::MAX),
            ),
            lease: chrono::Duration::from_std(timeout * 2 + Duration::from_secs(30))
                .unwrap_or(chrono::Duration::minutes(5)),
        }
    }

    /// The bound on one whole attempt: connecting, the conversation and the data.
    fn attempt_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.send_timeout_secs.max(1))
    }

    pub async fn run(self) {
        let poll = Duration::from_millis(self.settings.poll_ms.max(10));
        let keep = chrono::Duration::hours(i64::from(self.settings.keep_hours));
        let mut last_forget = std::time::Instant::now() - FORGET_EVERY;
        loop {
            self.drain().await;
            if last_forget.elapsed() >= FORGET_EVERY {
                last_forget = std::time::Instant::now();
                match outbox::forget_finished(&self.db, keep).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(messages = n, "forgot finished e-mail"),
                    Err(err) => tracing::warn!(error = %err, "forgetting finished e-mail failed"),
                }
            }
            let woken = Box::pin(self.outbox.woken());
            let tick = Box::pin(actix_web::rt::time::sleep(poll));
            futures_util::future::select(woken, tick).await;
        }
    }

    /// Sends every due message, a batch at a time, until none is left.
    async fn drain(&self) {
        let policy = self.policy();
        loop {
            let batch =
                outbox::claim_due(&self.db, &self.outbox, self.sealer.clone(), policy, BATCH).await;
            let batch = match batch {
                Ok(batch) if batch.is_empty() => return,
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(error = %err, "reading the outbox failed");
                    return;
                }
            };
            for message in &batch {
                let attempt = self.transport.send(
                    &message.recipient,
                    &message.language,
                    &message.subject,
                    &message.body,
                );
                let outcome =
                    match actix_web::rt::time::timeout(self.attempt_timeout(), attempt).await {
                        Ok(outcome) => outcome,
                        Err(_) => Err(format!(
                            "no answer from the mail server within {} s",
                            self.attempt_timeout().as_secs()
                        )),
                    };
                let recorded = match outcome {
                    Ok(()) => outbox::sent(&self.db, &self.outbox, message).await,
                    Err(error) => {
                        outbox::failed(&self.db, &self.outbox, policy, message, error).await
                    }
                };
                if let Err(err) = recorded {
                    // The lease runs out and the message is tried again: sent twice at worst.
                    tracing::warn!(error = %err, message = %message.id,
                        "recording an e-mail's attempt failed");
                }
            }
        }
    }
}
