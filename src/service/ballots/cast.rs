//! Casting or replacing a voter's ballot, once per retry.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::ballots::{self as rows, BallotRow, IdempotentReply, ReceiptRow};
use crate::db::cycles::CycleRow;
use crate::db::{Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::domain::selection::Selections;
use crate::domain::{Pepper, RevotePolicy, Role};
use crate::service::now;
use crate::service::receipts;
use crate::service::residents::{BudgetTerms, Voter};
use crate::service::scope::CycleScope;
use crate::service::UncheckedActor;
use crate::service::{Error, Result};

use super::frozen::FrozenBallots;
use super::idempotency::{expiry, ReplyKey, StoredReply};
use super::rules::{ballot_election, check};
use super::{participation, stored_day, unprocessable, voter_key, Selection};
use crate::domain::ids::{BallotId, BudgetId};

/// What a resident is told when their ballot is accepted.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CastReply {
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    /// Keep it: after the close, `GET /receipts/{receipt}` says whether this ballot is in the
    /// count (never what it contains).
    pub receipt: String,
    pub cast_at: DateTime<Utc>,
    /// Whether an earlier ballot of the caller was replaced.
    pub replaced: bool,
}

fn not_in_voting() -> Error {
    Error::conflict("cycle_not_in_voting", "Voting is not open for this budget.")
}

/// The cycle's ballot key, if voting is open at `at`. `cycle` must have been read under the
/// ballot lock ([`scope::budget_locked`](crate::service::scope::budget_locked)).
pub(super) fn open_ballot_key(cycle: &CycleRow, at: DateTime<Utc>) -> Result<String> {
    let open = cycle.status == CycleStatus::Voting
        && cycle
            .voting_closes_at
            .is_none_or(|close| at.naive_utc() < close);
    match &cycle.ballot_key {
        Some(key) if open => Ok(key.clone()),
        _ => Err(not_in_voting()),
    }
}

/// Everything `cast` needs besides the database.
#[derive(Clone)]
pub struct CastRequest {
    pub budget_id: BudgetId,
    pub selections: Vec<Selection>,
    pub idempotency_key: Option<String>,
    /// How long a stored reply is kept for retries (the `ballot_idempotency_hours` setting).
    pub reply_ttl: TimeDelta,
}

/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// What became of a ballot: the JSON reply, and whether it is new, replaces an earlier ballot
/// or is a retry's copy of the first reply (byte for byte, with the first reply's kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    /// The voter's first ballot in this budget.
    Recorded(String),
    /// The voter's earlier ballot was replaced.
    Replaced(String),
    /// A retry with the same `Idempotency-Key`: the first reply again.
    Replayed(Box<Cast>),
}

impl Cast {
    /// The reply's kind as stored with a retry's copy: the numbers earlier versions stored.
    fn stored_kind(&self) -> u16 {
        match self {
            Self::Recorded(_) => 201,
            Self::Replaced(_) => 200,
            Self::Replayed(first) => first.stored_kind(),
        }
    }

    /// The JSON reply.
    pub fn body(&self) -> &str {
        match self {
            Self::Recorded(body) | Self::Replaced(body) => body,
            Self::Replayed(first) => first.body(),
        }
    }

    pub fn into_body(self) -> String {
        match self {
            Self::Recorded(body) | Self::Replaced(body) => body,
            Self::Replayed(first) => first.into_body(),
        }
    }

    fn from_stored(kind: u16, body: String) -> Result<Self> {
        match kind {
            201 => Ok(Self::Recorded(body)),
            200 => Ok(Self::Replaced(body)),
            other => Err(Error::internal(format!(
                "stored ballot reply of kind {other}"
            ))),
        }
    }
}

/// Casts or replaces the caller's ballot (a retry with the same `Idempotency-Key` gets the
/// first reply again, byte for byte). The caller's session is checked inside the ballot's
/// transaction.
pub async fn cast(
    db: &Db,
    pepper: &Pepper,
    frozen: &FrozenBallots,
    caller: UncheckedActor,
    request: CastRequest,
) -> Result<Cast> {
    if let Some(key) = &request.idempotency_key {
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.is_ascii() {
            return Err(Error::malformed(
                "invalid_idempotency_key",
                format!("an Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY} ASCII characters"),
            ));
        }
    }
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&(&request.budget_id, &request.selections)).map_err(Error::internal)?,
    ));
    let pepper = pepper.clone();
    // A unique violation means a concurrent request of the same voter (or with the same
    // idempotency key) committed first: run again, and this time see what it wrote.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (caller, pepper, frozen) = (caller.clone(), pepper.clone(), frozen.clone());
        let (request, hash) = (request.clone(), request_hash.clone());
        let outcome = db
            .write(move |conn| cast_in(conn, &pepper, &frozen, &caller, request, hash))
            .await;
        match outcome {
            Err(Error::Duplicate) if attempts < 4 => continue,
            other => return other,
        }
    }
}

fn cast_in(
    conn: &mut DbConn,
    pepper: &Pepper,
    frozen: &FrozenBallots,
    caller: &UncheckedActor,
    request: CastRequest,
    request_hash: String,
) -> Result<Cast> {
    let CastRequest {
        budget_id,
        selections,
        idempotency_key,
        reply_ttl,
    } = request;
    let (caller, read) = caller.check_with_budget(conn, &budget_id)?;
    let caller = &caller;
    // A retry is recognised by the voter and the key; there is none without a ballot key.
    let retry = match (&idempotency_key, &read.cycle.ballot_key, &read.resident) {
        (Some(key), Some(ballot_key), Some(resident)) => {
            let voter = voter_key(
                pepper,
                ballot_key,
                &read.budget.id,
                &resident.national_id_hash,
            );
            Some(ReplyKey::new(pepper, ballot_key, &voter, key))
        }
        _ => None,
    };
    if let Some(retry) = &retry {
        if let Some(stored) = rows::stored_reply(conn, &retry.mac, now())? {
            let stored = retry.open(&stored.sealed_reply)?;
            if stored.request_hash != request_hash {
                return Err(unprocessable(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                ));
            }
            let first = Cast::from_stored(stored.status, stored.body)?;
            return Ok(Cast::Replayed(Box::new(first)));
        }
    }
    let (budget, resident) = (read.budget, read.resident);
    let scope = CycleScope::new(read.cycle, read.municipality)?;
    scope.check_read(Some(caller))?;
    if !caller.is(Role::Resident)
        || caller.municipality_id.as_deref() != Some(scope.municipality.id.as_str())
    {
        return Err(
            if caller.municipality_id.as_deref() == Some(scope.municipality.id.as_str()) {
                Error::refused("not_eligible", "Only residents vote.")
            } else {
                Error::not_found()
            },
        );
    }
    // One instant, read while the cycle is locked against a close: checked against the
    // close and stored as the cast time, so no ballot is cast later than a close it passed.
    let at = now().and_utc();
    let ballot_key = open_ballot_key(&scope.cycle, at)?;
    let verified_by = match &resident {
        Some(r) => crate::service::residents::verifications::methods_of(conn, &r.account_id)?,
        None => Vec::new(),
    };
    let resident = crate::service::residents::check_eligible(
        &scope.municipality,
        Voter {
            resident,
            verified_by,
        },
        BudgetTerms {
            district: budget.district_id.as_deref(),
            accepted: &budget.accepted_verifications,
        },
        at,
    )?;
    let spec = budget.ballot_rules.clone();
    let on_ballot = frozen.on_ballot(conn, &budget)?;
    let election = ballot_election(&budget, &on_ballot, &spec, &scope.municipality, Vec::new())?;
    let checked = check(&spec, &election, selections)?;

    let key = voter_key(pepper, &ballot_key, &budget.id, &resident.national_id_hash);
    let age = crate::service::residents::age_at(&scope.municipality, &resident, at)?;
    // The instant the ballot passed the close check: the voter's reply carries it exactly, the
    // stored row only its day.
    let cast_at = at.naive_utc();
    let row = BallotRow {
        id: BallotId::new(),
        budget_id: budget.id.clone(),
        voter_key: Some(key.clone()),
        channel: "online".into(),
        polling_station: None,
        selections: Selections(checked.selections),
        cast_at: stored_day(cast_at),
        revision: 1,
    };
    let (ballot_id, replaced) = match rows::of_voter(conn, &budget.id, &key)? {
        Some(existing) => {
            let policy = scope.municipality.settings.revote_policy;
            if policy == RevotePolicy::Final {
                return Err(Error::conflict(
                    "already_voted",
                    "Your ballot in this budget is final.",
                ));
            }
            rows::replace(conn, &existing.id, &row)?;
            rows::supersede_receipts(conn, &existing.id, stored_day(cast_at))?;
            (existing.id, true)
        }
        None => {
            rows::insert(conn, &row)?;
            (row.id, false)
        }
    };
    let receipt = ReceiptRow {
        code: receipts::generate(),
        budget_id: budget.id.clone(),
        ballot_id,
        issued_at: stored_day(cast_at),
        superseded_at: None,
    };
    rows::insert_receipt(conn, &receipt)?;
    let reply = CastReply {
        budget_id: budget.id,
        receipt: receipt.code,
        cast_at: cast_at.and_utc(),
        replaced,
    };
    let body = serde_json::to_string(&reply).map_err(Error::internal)?;
    let cast = if replaced {
        Cast::Replaced(body)
    } else {
        Cast::Recorded(body)
    };
    if let Some(retry) = retry {
        let sealed = retry.seal(&StoredReply {
            request_hash,
            status: cast.stored_kind(),
            body: cast.body().to_string(),
        })?;
        rows::store_reply(
            conn,
            &IdempotentReply {
                key_mac: retry.mac,
                cycle_id: scope.cycle.id.clone(),
                sealed_reply: sealed,
                expires_at: expiry(cast_at, reply_ttl),
            },
            cast_at,
        )?;
    }
    if !replaced {
        // Last in the transaction: the counter's row lock is then held the shortest time.
        let zone = scope.municipality.settings.time_zone;
        rows::count_participation(
            conn,
            &participation(
                &reply.budget_id,
                "online",
                resident.district_id.clone(),
                age.map(|a| crate::domain::settings::age_band(a).to_string()),
                &zone.local_date(at).to_string(),
                1,
            ),
        )?;
    }
    Ok(cast)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_reply_replays_as_the_kind_it_was() {
        for first in [Cast::Recorded("{}".into()), Cast::Replaced("{}".into())] {
            let stored = Cast::from_stored(first.stored_kind(), first.body().into()).unwrap();
            assert_eq!(stored, first);
            let replayed = Cast::Replayed(Box::new(stored));
            assert_eq!(replayed.stored_kind(), first.stored_kind());
            assert_eq!(replayed.into_body(), "{}");
        }
        assert!(Cast::from_stored(500, String::new()).is_err());
    }
}
