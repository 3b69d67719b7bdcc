//! Casting ballots: one counted ballot per voter per budget, only while voting is open, checked
//! against the budget's frozen rules, answered with a receipt.
//!
//! # Why it holds under concurrency and with several instances
//! * **One ballot per voter.** `ballots` has `UNIQUE (budget_id, voter_key)`. Two requests of
//!   one voter that both find no ballot both insert; the database lets one commit and fails the
//!   other, whose transaction is then retried from the start and finds the ballot.
//! * **No ballot after the close.** Each ballot's transaction reads its cycle with a shared row
//!   lock (PostgreSQL; SQLite has a single writer) and checks the status and the scheduled
//!   close inside that transaction. A close (`UPDATE cycles … WHERE status = 'voting'`) waits
//!   for ballots holding the lock, and a ballot that starts after the close committed sees it.
//! * **Anonymity.** `voter_key` is HMAC-SHA256 under the server's pepper of the cycle's ballot
//!   key, the budget and the resident's national-ID hash: without the pepper the table does not
//!   say whose ballot a row is; once the cycle is published its ballot key is destroyed and not
//!   even the pepper links a ballot to anyone. Since the key is the person's, not the account's,
//!   a deleted account leaves its ballots counted, and registering again cannot vote twice.
//!
//! # Nothing stored pairs a ballot with its voter
//! A reader of the whole database (without the pepper) must not connect a ballot's content or
//! receipt to an account, resident, session, login or request (`tests/api/linkability.rs`):
//! * ballots and receipts store the UTC day, not the instant ([`stored_day`]): an instant would
//!   match the voter's login. The reply still tells the voter the exact instant;
//! * the voter's district and age band are counted in `participation`, apart from the ballot
//!   and at the first ballot only (a replacement would otherwise move a counter at the
//!   replacement's instant);
//! * an `Idempotency-Key`'s stored reply is keyed by a keyed hash of the voter's key and the
//!   client's key, never the account, is sealed (ChaCha20-Poly1305) under a key derived from the
//!   pepper and the cycle's ballot key, expires after a few hours (`ballot_idempotency_hours`)
//!   and goes when voting closes, whichever comes first;
//! * ids are random (uuid v4, random receipt codes), so their order says nothing of time.
//!
//! # Where each job lives
//! `cast` (casting or replacing a voter's ballot), `idempotency` (a retry's sealed first
//! reply), `rules` (a ballot checked against the budget's frozen rules), `frozen` (the cache of
//! frozen ballots), `paper` (polling stations' batches), `reads` (a voter's own ballot, the
//! turnout) and `standing` (whether the caller may vote, and why not, before the ballot).
//! What they share is here: the voter's key, the stored day, the participation
//! counter.

mod cast;
mod frozen;
mod idempotency;
mod paper;
mod reads;
mod rules;
mod standing;

pub use cast::{cast, Cast, CastReply, CastRequest, MAX_IDEMPOTENCY_KEY};
pub use frozen::FrozenBallots;
pub use paper::{enter_paper, PaperBatch, PaperReply, MAX_PAPER_BATCH};
pub use reads::{own, turnout, OwnBallot, Turnout};
pub use rules::{ballot_election, check, election_builder, Checked};
pub use standing::{standing, Standing};

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::db::ballots::{self as rows, Participation};
use crate::domain::ids::{BudgetId, DistrictId};
use crate::domain::Pepper;
pub use crate::service::selections::Selection;
use crate::service::Error;

fn unprocessable(code: &'static str, detail: impl Into<String>) -> Error {
    Error::rule(code, detail)
}

/// The key under which a person's ballot in a budget is stored.
fn voter_key(
    pepper: &Pepper,
    ballot_key: &str,
    budget_id: &BudgetId,
    national_id_hash: &str,
) -> String {
    pepper.mac(&[
        b"ballot:",
        ballot_key.as_bytes(),
        b":",
        budget_id.as_bytes(),
        b":",
        national_id_hash.as_bytes(),
    ])
}

/// What is stored of a time on a ballot or receipt: its UTC day (midnight). Shared by every
/// ballot of the day, it pairs none with a login; being a floor, it is never after the
/// instant, so a counted ballot's stored time stays before the close.
pub fn stored_day(at: NaiveDateTime) -> NaiveDateTime {
    at.date().and_time(chrono::NaiveTime::MIN)
}

/// A participation counter's increment, in a random shard.
fn participation(
    budget_id: &BudgetId,
    channel: &str,
    district_id: Option<DistrictId>,
    age_band: Option<String>,
    day: &str,
    ballots: i64,
) -> Participation {
    Participation {
        budget_id: budget_id.clone(),
        channel: channel.to_string(),
        district_id: district_id.unwrap_or_else(|| String::new().into()),
        age_band: age_band.unwrap_or_default(),
        day: day.to_string(),
        shard: (rand::rngs::OsRng.next_u32() % rows::SHARDS as u32) as i32,
        ballots,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn stored_times_are_days_and_never_later() {
        let cast = at("2026-12-05 23:59:59.999999");
        assert_eq!(stored_day(cast), at("2026-12-05 00:00:00"));
        assert!(stored_day(cast) <= cast);
    }
}
