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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::ballots::{self as rows, BallotRow, IdempotentReply, Participation, ReceiptRow};
use crate::db::budgets::BudgetRow;
use crate::db::cycles::CycleRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::{self, ProposalRow};
use crate::db::{tallies, Db, DbConn};
use crate::domain::budget::{BallotSpec, BallotType};
use crate::domain::cycle::CycleStatus;
use crate::domain::{Pepper, RevotePolicy, Role};
use crate::service::audit_log;
use crate::service::budgets::ballot_spec;
use crate::service::now;
use crate::service::receipts;
use crate::service::scope::{self, CycleScope, OFFICIALS};
use crate::service::selections;
pub use crate::service::selections::Selection;
use crate::service::{Actor, UncheckedActor};
use crate::service::{Error, Result};
use crate::tally::{Ballot, Decimal, Election, ElectionBuilder, ProjectSpec};

/// What a resident is told when their ballot is accepted.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CastReply {
    pub budget_id: String,
    /// Keep it: after the close, `GET /receipts/{receipt}` says whether this ballot is in the
    /// count (never what it contains).
    pub receipt: String,
    pub cast_at: DateTime<Utc>,
    /// Whether an earlier ballot of the caller was replaced.
    pub replaced: bool,
}

fn unprocessable(code: &'static str, detail: impl Into<String>) -> Error {
    Error::rule(code, detail)
}

/// A ballot checked against a budget's frozen ballot: the engine's ballot, in the order of the
/// selections as the engine reads them.
pub struct Checked {
    pub ballot: Ballot,
    /// The selections normalised for storage (ranked ones in rank order, ranks filled in).
    pub selections: Vec<Selection>,
}

/// The engine's election for a budget's frozen ballot, money in minor units at the currency's
/// exponent. With no ballots it checks single ballots against the rules; with the stored
/// ballots it is what the tally counts.
pub fn ballot_election(
    budget: &BudgetRow,
    on_ballot: &[ProposalRow],
    spec: &BallotSpec,
    municipality: &Municipality,
    ballots: Vec<Ballot>,
) -> Result<Election> {
    let mut election = election_builder(budget, on_ballot, spec, municipality)?;
    for ballot in ballots {
        election.push(ballot).map_err(Error::internal)?;
    }
    Ok(election.finish())
}

/// The budget's election without ballots yet: its frozen proposals with their costs and the
/// budget, in main units at the currency's exponent.
pub fn election_builder(
    budget: &BudgetRow,
    on_ballot: &[ProposalRow],
    spec: &BallotSpec,
    municipality: &Municipality,
) -> Result<ElectionBuilder> {
    let exponent = u32::from(municipality.settings.currency.minor_unit_exponent());
    let projects = on_ballot
        .iter()
        .map(|p| ProjectSpec {
            id: p.id.clone(),
            cost: Decimal::from_units(i128::from(p.cost_minor), exponent),
        })
        .collect();
    ElectionBuilder::new(
        Decimal::from_units(i128::from(budget.amount_minor), exponent),
        projects,
        spec.vote_kind(),
    )
    .map_err(Error::internal)
}

/// Checks the shape of each selection for the ballot type, then the rules.
pub fn check(
    spec: &BallotSpec,
    election: &Election,
    selections: Vec<Selection>,
) -> Result<Checked> {
    let ballot_type = spec.ballot_type;
    let mut selections = selections;
    for s in &selections {
        let points_ok = (ballot_type == BallotType::Cumulative) == s.points.is_some();
        let rank_ok = ballot_type == BallotType::Ranked || s.rank.is_none();
        if !points_ok || !rank_ok {
            return Err(unprocessable(
                "invalid_selection",
                format!(
                    "{ballot_type} ballots take {}",
                    match ballot_type {
                        BallotType::Cumulative => "points on every selection",
                        BallotType::Ranked => "ranks (or none, in order), no points",
                        _ => "proposals only, without points or ranks",
                    }
                ),
            ));
        }
        if s.points.is_some_and(|p| p < 1) {
            return Err(unprocessable(
                "invalid_points",
                "points are at least 1 per selection",
            ));
        }
    }
    if ballot_type == BallotType::Ranked && selections.iter().any(|s| s.rank.is_some()) {
        let mut ranks: Vec<u32> = selections.iter().filter_map(|s| s.rank).collect();
        ranks.sort_unstable();
        let consecutive = ranks.len() == selections.len()
            && ranks.iter().enumerate().all(|(i, &r)| r as usize == i + 1);
        if !consecutive {
            return Err(unprocessable(
                "invalid_ranks",
                "ranks must be 1, 2, 3, … without gaps or repeats",
            ));
        }
        selections.sort_by_key(|s| s.rank);
    }
    if ballot_type == BallotType::Ranked {
        for (i, s) in selections.iter_mut().enumerate() {
            s.rank = Some(i as u32 + 1);
        }
    }
    let ballot = selections::engine_ballot(ballot_type, &selections);
    spec.engine_rules()
        .validate(election, &ballot)
        .map_err(|e| unprocessable(e.code(), e.to_string()))?;
    Ok(Checked { ballot, selections })
}

/// The key under which a person's ballot in a budget is stored.
fn voter_key(pepper: &Pepper, ballot_key: &str, budget_id: &str, national_id_hash: &str) -> String {
    pepper.mac(&[
        b"ballot:",
        ballot_key.as_bytes(),
        b":",
        budget_id.as_bytes(),
        b":",
        national_id_hash.as_bytes(),
    ])
}

fn not_in_voting() -> Error {
    Error::conflict("cycle_not_in_voting", "Voting is not open for this budget.")
}

/// The cycle's ballot key, if voting is open at `at`. `cycle` must have been read under the
/// ballot lock ([`scope::budget_locked`]).
fn open_ballot_key(cycle: &CycleRow, at: DateTime<Utc>) -> Result<String> {
    let open = cycle.status == CycleStatus::Voting
        && cycle
            .voting_closes_at
            .is_none_or(|close| at.naive_utc() < close);
    match &cycle.ballot_key {
        Some(key) if open => Ok(key.clone()),
        _ => Err(not_in_voting()),
    }
}

/// The proposals on each budget's frozen ballot, kept between ballots. Opening voting sets
/// them (`on_ballot`) and the budget's `frozen_at` in one transaction, and nothing changes
/// either afterwards (proposals and budgets refuse edits from voting on), so an entry keyed by
/// the budget and the instant it was frozen cannot go stale.
#[derive(Clone, Default)]
pub struct FrozenBallots(Arc<Mutex<OnBallot>>);

/// Budget and freeze instant → the proposals on its ballot.
type OnBallot = HashMap<(String, NaiveDateTime), Arc<[ProposalRow]>>;

impl FrozenBallots {
    /// Budgets in voting at once are few; past this many entries the cache starts again.
    const MAX_ENTRIES: usize = 1024;

    /// The budget's ballot, from the cache once the budget is frozen.
    fn on_ballot(&self, conn: &mut DbConn, budget: &BudgetRow) -> Result<Arc<[ProposalRow]>> {
        let Some(frozen_at) = budget.frozen_at else {
            return Ok(proposals::on_ballot(conn, &budget.id)?.into());
        };
        let key = (budget.id.clone(), frozen_at);
        let cached = self.entries().get(&key).cloned();
        if let Some(rows) = cached {
            return Ok(rows);
        }
        let rows: Arc<[ProposalRow]> = proposals::on_ballot(conn, &budget.id)?.into();
        let mut entries = self.entries();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, rows.clone());
        Ok(rows)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, OnBallot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Everything `cast` needs besides the database.
#[derive(Clone)]
pub struct CastRequest {
    pub budget_id: String,
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
    let resident = crate::service::residents::check_eligible(
        &scope.municipality,
        resident,
        budget.district_id.as_deref(),
        at,
    )?;
    let spec = ballot_spec(&budget)?;
    let on_ballot = frozen.on_ballot(conn, &budget)?;
    let election = ballot_election(&budget, &on_ballot, &spec, &scope.municipality, Vec::new())?;
    let checked = check(&spec, &election, selections)?;
    let stored_selections = serde_json::to_string(&checked.selections).map_err(Error::internal)?;

    let key = voter_key(pepper, &ballot_key, &budget.id, &resident.national_id_hash);
    let age = crate::service::residents::age_at(&scope.municipality, &resident, at)?;
    // The instant the ballot passed the close check: the voter's reply carries it exactly, the
    // stored row only its day.
    let cast_at = at.naive_utc();
    let row = BallotRow {
        id: uuid::Uuid::new_v4().to_string(),
        budget_id: budget.id.clone(),
        voter_key: Some(key.clone()),
        channel: "online".into(),
        polling_station: None,
        selections: stored_selections,
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

/// What is stored of a time on a ballot or receipt: its UTC day (midnight). Shared by every
/// ballot of the day, it pairs none with a login; being a floor, it is never after the
/// instant, so a counted ballot's stored time stays before the close.
pub fn stored_day(at: NaiveDateTime) -> NaiveDateTime {
    at.date().and_time(chrono::NaiveTime::MIN)
}

/// When a stored reply expires: `ttl` after the ballot, rounded up to the next full hour so
/// that the value is shared by the hour's ballots.
fn expiry(at: NaiveDateTime, ttl: TimeDelta) -> NaiveDateTime {
    use chrono::Timelike;
    let hour = at.date().and_hms_opt(at.hour(), 0, 0).unwrap_or(at);
    hour + TimeDelta::hours(1) + ttl
}

/// A participation counter's increment, in a random shard.
fn participation(
    budget_id: &str,
    channel: &str,
    district_id: Option<String>,
    age_band: Option<String>,
    day: &str,
    ballots: i64,
) -> Participation {
    Participation {
        budget_id: budget_id.to_string(),
        channel: channel.to_string(),
        district_id: district_id.unwrap_or_default(),
        age_band: age_band.unwrap_or_default(),
        day: day.to_string(),
        shard: (rand::rngs::OsRng.next_u32() % rows::SHARDS as u32) as i32,
        ballots,
    }
}

/// The first reply to a request, as sealed in `idempotency_keys`.
#[derive(Serialize, Deserialize)]
struct StoredReply {
    /// SHA-256 of what was asked, so a reused key with another request is refused.
    request_hash: String,
    status: u16,
    body: String,
}

/// Where a voter's retry finds its first reply, and the key that seals it.
struct ReplyKey {
    /// `HMAC(pepper, voter key ‖ client key)`: the row's key, naming nobody.
    mac: String,
    seal: Key,
}

impl ReplyKey {
    fn new(pepper: &Pepper, ballot_key: &str, voter_key: &str, client_key: &str) -> Self {
        let mac = pepper.mac(&[
            b"idempotency:",
            voter_key.as_bytes(),
            b":",
            client_key.as_bytes(),
        ]);
        // Once the ballot key is destroyed (publication) even the pepper cannot open a reply.
        let seal = pepper.mac(&[b"idempotency-seal:", ballot_key.as_bytes()]);
        let mut key = Key::default();
        hex::decode_to_slice(seal, &mut key).expect("a MAC is 32 bytes of hex");
        ReplyKey { mac, seal: key }
    }

    fn seal(&self, reply: &StoredReply) -> Result<String> {
        let plain = serde_json::to_vec(reply).map_err(Error::internal)?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.seal)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: self.mac.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("sealing a reply failed"))?;
        Ok(hex::encode([nonce.as_slice(), &sealed].concat()))
    }

    fn open(&self, stored: &str) -> Result<StoredReply> {
        let bytes = hex::decode(stored).map_err(Error::internal)?;
        if bytes.len() < 12 {
            return Err(Error::internal("a stored reply is too short"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = ChaCha20Poly1305::new(&self.seal)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: self.mac.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("a stored reply does not open"))?;
        serde_json::from_slice(&plain).map_err(Error::internal)
    }
}

/// The caller's current ballot in a budget.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnBallot {
    pub budget_id: String,
    pub selections: Vec<Selection>,
    pub receipt: Option<String>,
    /// The UTC day it was cast (midnight UTC): the instant is not kept, since it would pair
    /// the ballot with the voter's login.
    pub cast_at: DateTime<Utc>,
    /// 1 for the first ballot, +1 for each replacement.
    pub revision: i32,
}

pub async fn own(db: &Db, pepper: &Pepper, caller: &Actor, budget_id: String) -> Result<OwnBallot> {
    let (caller, pepper) = (caller.clone(), pepper.clone());
    db.read(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(Some(&caller))?;
        let hash = {
            use diesel::OptionalExtension;
            crate::db::residents::find(conn, &scope.municipality.id, &caller.account_id)
                .optional()?
                .map(|r| r.national_id_hash)
        };
        let no_ballot = || Error::missing("no_ballot", "You have not voted in this budget.");
        let hash = hash.ok_or_else(no_ballot)?;
        // After publication the key is gone: the ballot no longer belongs to anyone.
        let ballot_key = scope.cycle.ballot_key.clone().ok_or_else(no_ballot)?;
        let row = rows::of_voter(
            conn,
            &budget.id,
            &voter_key(&pepper, &ballot_key, &budget.id, &hash),
        )?
        .ok_or_else(no_ballot)?;
        let receipt = rows::current_receipt(conn, &row.id)?.map(|r| r.code);
        Ok(OwnBallot {
            budget_id: budget.id,
            selections: serde_json::from_str(&row.selections).map_err(Error::internal)?,
            receipt,
            // The stored day: the instant is not kept.
            cast_at: row.cast_at.and_utc(),
            revision: row.revision,
        })
    })
    .await
}

/// A batch of paper ballots from one polling station.
pub struct PaperBatch {
    pub polling_station: String,
    pub ballots: Vec<Vec<Selection>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaperReply {
    pub budget_id: String,
    pub polling_station: String,
    /// Ballots added (the whole batch: a batch is accepted or refused as a whole).
    pub accepted: usize,
}

/// The most ballots in one batch; larger stations send several.
pub const MAX_PAPER_BATCH: usize = 10_000;

/// Enters a polling station's paper ballots: all or none. A stored count of the budget is
/// dropped, since it no longer covers every ballot.
pub async fn enter_paper(
    db: &Db,
    caller: &Actor,
    budget_id: String,
    batch: PaperBatch,
) -> Result<PaperReply> {
    let station = batch.polling_station.trim().to_string();
    if station.is_empty() || station.chars().count() > 200 {
        return Err(Error::field(
            "polling_station",
            "invalid_polling_station",
            "name the polling station (at most 200 characters)",
        ));
    }
    if batch.ballots.is_empty() || batch.ballots.len() > MAX_PAPER_BATCH {
        return Err(Error::field(
            "ballots",
            "out_of_range",
            format!("a batch holds 1 to {MAX_PAPER_BATCH} ballots"),
        ));
    }
    let caller = caller.clone();
    db.write(move |conn| {
        let (budget, scope) = scope::budget_locked(conn, &budget_id)?;
        scope.check_role(&caller, OFFICIALS)?;
        if !matches!(
            scope.cycle.status,
            CycleStatus::Voting | CycleStatus::Closed
        ) {
            return Err(Error::conflict(
                "cycle_not_in_voting",
                "Paper ballots are entered during voting or after the close, before publication.",
            ));
        }
        let spec = ballot_spec(&budget)?;
        let on_ballot = proposals::on_ballot(conn, &budget.id)?;
        let election =
            ballot_election(&budget, &on_ballot, &spec, &scope.municipality, Vec::new())?;
        let at = now();
        let mut errors = Vec::new();
        let mut rows_to_insert = Vec::with_capacity(batch.ballots.len());
        for (i, selections) in batch.ballots.into_iter().enumerate() {
            match check(&spec, &election, selections) {
                Ok(checked) => rows_to_insert.push(BallotRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    budget_id: budget.id.clone(),
                    voter_key: None,
                    channel: "paper".into(),
                    polling_station: Some(station.clone()),
                    selections: serde_json::to_string(&checked.selections)
                        .map_err(Error::internal)?,
                    cast_at: stored_day(at),
                    revision: 1,
                }),
                Err(e) => errors.push(crate::domain::FieldError::new(
                    format!("ballots[{i}]"),
                    e.code(),
                    e.detail(),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let accepted = rows_to_insert.len();
        rows::insert_many(conn, &rows_to_insert)?;
        let zone = scope.municipality.settings.time_zone;
        let day = zone.local_date(at.and_utc()).to_string();
        rows::count_participation(
            conn,
            &participation(&budget.id, "paper", None, None, &day, accepted as i64),
        )?;
        tallies::discard(conn, &budget.id)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "paper_ballots.entered",
            "budget",
            &budget.id,
            serde_json::json!({"polling_station": station, "ballots": accepted}),
        )?;
        Ok(PaperReply {
            budget_id: budget.id,
            polling_station: station,
            accepted,
        })
    })
    .await
}

/// How many ballots a budget has: for staff while voting runs, never what they contain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Turnout {
    pub budget_id: String,
    pub online: i64,
    pub paper: i64,
    pub total: i64,
}

pub async fn turnout(db: &Db, caller: &Actor, budget_id: String) -> Result<Turnout> {
    let caller = caller.clone();
    db.read(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_role(&caller, crate::service::scope::STAFF)?;
        let (online, paper) = rows::count_by_channel(conn, &budget.id)?;
        Ok(Turnout {
            budget_id: budget.id,
            online,
            paper,
            total: online + paper,
        })
    })
    .await
}

#[cfg(test)]
mod secrecy_tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn stored_times_are_days_and_never_later() {
        let cast = at("2026-12-05 23:59:59.999999");
        assert_eq!(stored_day(cast), at("2026-12-05 00:00:00"));
        assert!(stored_day(cast) <= cast);
    }

    #[test]
    fn replies_expire_on_the_hour_after_the_ttl() {
        let ttl = TimeDelta::hours(3);
        assert_eq!(
            expiry(at("2026-12-05 12:34:56.1"), ttl),
            at("2026-12-05 16:00:00")
        );
        // Every ballot of an hour shares the value.
        assert_eq!(
            expiry(at("2026-12-05 12:00:00"), ttl),
            expiry(at("2026-12-05 12:59:59.9"), ttl)
        );
    }

    #[test]
    fn a_sealed_reply_opens_only_under_its_key() {
        let pepper = Pepper::new(vec![7u8; 32]).unwrap();
        let key = ReplyKey::new(&pepper, "ballot-key", "voter", "client-key");
        let sealed = key
            .seal(&StoredReply {
                request_hash: "h".into(),
                status: 201,
                body: "{\"receipt\":\"ABCDE\"}".into(),
            })
            .unwrap();
        assert!(!sealed.contains("ABCDE"));
        let opened = key.open(&sealed).unwrap();
        assert_eq!(
            (opened.status, opened.body.as_str()),
            (201, "{\"receipt\":\"ABCDE\"}")
        );
        // Another ballot key (a new cycle, or none after publication) cannot open it.
        let other = ReplyKey::new(&pepper, "another-ballot-key", "voter", "client-key");
        assert!(other.open(&sealed).is_err());
    }
}

#[cfg(test)]
mod cast_tests {
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
