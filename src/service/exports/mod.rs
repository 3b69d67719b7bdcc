//! Exports for auditors. `.pb`: a counted budget as a Pabulib file
//! (`GET /budgets/{id}/export.pb`), the file an auditor takes away to recompute the result
//! with any implementation — `kurultai tally`, pabutools, pabulib's checker — without trusting
//! the service. Written by the strict writer in [`crate::pabulib::writer`].
//!
//! # What the file holds, and why
//! * **META**: every key Pabulib requires, money in the currency's main units with its
//!   decimals (the Add1 step is one main unit, as in our tally; see `pabulib.md`), the vote
//!   type with its limits as frozen when voting opened, Pabulib's name for our rule (`unknown`
//!   where Pabulib has none) and, in `comment`, our exact rule, completion and tie-break as
//!   `kurultai tally` options.
//! * **PROJECTS**: the frozen ballot, in the order the tally's election had it (the seeded
//!   `equalshares` tie-break depends on that order, so counting the file reproduces the stored
//!   result); `votes`/`score` and `selected` come from the stored result, never recounted here.
//! * **VOTES**: one row per counted ballot (a replaced ballot is one row: replacing updates it
//!   in place), ids `1..N` in an order that is a fresh random permutation drawn for each export
//!   and then forgotten. Not the casting time, the insertion order or the row id: each of those
//!   is in the database, so sorting by one would let anyone who can read it link voter `n` to
//!   a ballot row (and, while the cycle runs, through `voter_key`, to a person). Nothing else
//!   about the voter is written but the channel (`voting_method`).
//!
//! # Streaming
//! The file is built in two reads. The first ([`plan_pb`]) authorises, checks the count,
//! builds the head (META, PROJECTS) and shuffles the counted ballots' ids; its errors are the
//! answer (problem+json). The second ([`write_pb`]) reads the ballots 500 at a time in the
//! shuffled order and writes each line as it comes, through the streaming `.pb` writer, into
//! the response body — so memory holds the ids (16 bytes a ballot) and one page, never the
//! ballots. The export is recorded in the municipality's audit chain with the file's SHA-256
//! before its last bytes go out (see [`crate::service::stream`]).
//!
//! # Where each part is
//! - [`plan`]: the checks and the plan of a `.pb` (authorisation, the count, the shuffle), and
//!   the re-check before an export is recorded;
//! - [`head`]: META and PROJECTS, with the names and money they are written in;
//! - [`votes`]: VOTES, a page of ballots at a time;
//! - [`streaming`]: the streamed body and its audit record.

mod head;
mod plan;
mod streaming;
mod votes;

pub use head::{pabulib_rule, tally_options, Money};
pub use plan::{plan_pb, still_counted_as, PbPlan};
pub use streaming::{stream_export, Written};
pub use votes::write_pb;

use crate::db::Db;
use crate::domain::file_name::{self, FileName};
use crate::domain::ids::BudgetId;
use crate::domain::Role;
use crate::service::audit_log;
use crate::service::stream::BodyStream;
use crate::service::Actor;
use crate::service::{Error, Result};

/// Who may take a budget's ballots away: its auditors and officials.
pub const EXPORTERS: &[Role] = &[Role::Official, Role::Auditor];

/// An export on its way to the client.
pub struct StreamedExport {
    pub filename: FileName,
    pub body: BodyStream,
}

pub(super) fn not_tallied() -> Error {
    Error::conflict(
        "not_tallied",
        "The budget has no count covering every ballot yet; count it first.",
    )
}

/// The budget as a Pabulib file, streamed, and recorded in the audit log with its SHA-256
/// before its last bytes go out (see [`crate::service::stream`]).
pub async fn pb(db: &Db, caller: &Actor, budget_id: BudgetId) -> Result<StreamedExport> {
    let actor = caller.clone();
    let plan = db
        .read(move |conn| plan_pb(conn, &actor, &budget_id))
        .await?;
    let filename = file_name::of_texts(
        &plan.municipality.slug,
        &plan.budget.names,
        plan.municipality.default_language(),
        crate::service::now().date(),
        "pb",
    );
    let actor = caller.clone();
    let body = stream_export(
        db.clone(),
        move |conn, out| {
            let mut plan = plan;
            Ok((write_pb(conn, &mut plan, out)?, plan))
        },
        move |conn, plan, written| {
            still_counted_as(conn, &plan.tally)?;
            audit_log::append(
                conn,
                &actor,
                &plan.municipality.id,
                "budget.exported",
                "budget",
                &plan.budget.id,
                serde_json::json!({
                    "format": "pabulib",
                    "sha256": written.sha256,
                    "bytes": written.bytes,
                    "ballots": plan.tally.ballots_counted,
                    "tally_computed_at": plan.tally.computed_at.and_utc(),
                }),
            )
        },
    );
    Ok(StreamedExport { filename, body })
}
