//! Rows of `mail_outbox`: e-mail queued by a request, sent later by a worker
//! (`service::outbox`). The sealed subject and body are erased when a message is finished.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::mail_outbox;
use super::DbConn;
use crate::domain::mail::{MailKind, OutboxStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: MailKind,
    pub recipient: String,
    pub language: String,
    pub sealed: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` queued messages whose attempt is due and which no worker holds, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    mail_outbox::table
        .filter(mail_outbox::status.eq(OutboxStatus::Queued.as_str()))
        .filter(mail_outbox::next_attempt_at.le(now))
        .filter(
            mail_outbox::claimed_until
                .is_null()
                .or(mail_outbox::claimed_until.lt(now)),
        )
        .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Takes the lease of one message until `until`, if it is still queued and free: true when
/// this caller got it. The condition is re-checked by the update itself, so of two workers
/// racing (PostgreSQL re-reads a row another transaction just changed) only one gets it.
pub fn claim(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let free = mail_outbox::table
        .filter(mail_outbox::id.eq(id))
        .filter(mail_outbox::status.eq(OutboxStatus::Queued.as_str()))
        .filter(
            mail_outbox::claimed_until
                .is_null()
                .or(mail_outbox::claimed_until.lt(now)),
        );
    let taken = diesel::update(free)
        .set(mail_outbox::claimed_until.eq(Some(until)))
        .execute(conn)?;
    Ok(taken == 1)
}

/// Records a finished message (sent, or failed for good): its sealed content is erased.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    status: OutboxStatus,
    attempts: i32,
    error: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(status.as_str()),
            mail_outbox::sealed.eq(None::<String>),
            mail_outbox::attempts.eq(attempts),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::last_error.eq(error),
            mail_outbox::finished_at.eq(Some(at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt and when to try again; the lease is released.
pub fn retry_at(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    error: &str,
    next: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::attempts.eq(attempts),
            mail_outbox::last_error.eq(Some(error)),
            mail_outbox::next_attempt_at.eq(next),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forgets finished messages older than `before`.
pub fn forget_finished(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        mail_outbox::table
            .filter(mail_outbox::status.ne(OutboxStatus::Queued.as_str()))
            .filter(mail_outbox::finished_at.lt(before)),
    )
    .execute(conn)
}
