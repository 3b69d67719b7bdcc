//! Receipt codes: random, unguessable, easy to read aloud and type, and what a receipt says.
//!
//! A code is 100 random bits in the format of `domain::receipt_code` (Crockford's base 32, in
//! four groups of five; forgiving when typed).
//!
//! Before the close a receipt only says that it exists: telling whether it was replaced while
//! voting is still open would let someone who took a voter's receipt check that the voter did
//! not quietly vote again, which is exactly the protection that replacing a ballot gives.

use rand::RngCore;
use serde::Serialize;

use crate::db::ballots;
use crate::db::Db;
use crate::domain::cycle::CycleStatus;
use crate::domain::ids::{BudgetId, CycleId};
use crate::domain::receipt_code::{self, normalise};
use crate::service::scope;
use crate::service::{Error, Result};

/// A fresh receipt code.
pub fn generate() -> String {
    let mut bytes = [0u8; 13];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    receipt_code::encode(bits)
}

/// What anyone holding a receipt may learn.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptStatus {
    pub receipt: String,
    #[schema(value_type = String)]
    pub budget_id: BudgetId,
    /// `recorded` (voting still open: the ballot was accepted), `counted` (after the close:
    /// this ballot is in the count), `replaced` (after the close: a later ballot of the same
    /// voter counts instead), or `cycle_cancelled`.
    #[schema(value_type = crate::domain::closed_sets::ReceiptState)]
    pub status: String,
}

/// What the receipt says. Between a scheduled close and the moment it is written down, a
/// ballot that passed its check may still be committing (a replacement supersedes this
/// receipt): the close is written down first, so `counted` is never said of a receipt that a
/// later commit turns into `replaced`.
pub async fn check(db: &Db, code: &str) -> Result<ReceiptStatus> {
    let code = normalise(code).ok_or_else(Error::not_found)?;
    match read_status(db, code.clone()).await? {
        Read::Final(status) => Ok(status),
        Read::ClosePending(cycle_id) => {
            crate::service::cycles::settle(db, cycle_id).await?;
            match read_status(db, code).await? {
                Read::Final(status) => Ok(status),
                Read::ClosePending(_) => Err(Error::internal("the close was not written")),
            }
        }
    }
}

enum Read {
    Final(ReceiptStatus),
    /// The cycle's scheduled close passed but is not yet written down.
    ClosePending(CycleId),
}

async fn read_status(db: &Db, code: String) -> Result<Read> {
    db.read(move |conn| {
        let receipt = ballots::receipt(conn, &code)?;
        let (_, scope) = scope::budget(conn, &receipt.budget_id)?;
        if scope.close_pending() {
            return Ok(Read::ClosePending(scope.cycle.id));
        }
        let status = match scope.status {
            CycleStatus::Cancelled => "cycle_cancelled",
            CycleStatus::Closed | CycleStatus::Published if receipt.superseded_at.is_none() => {
                "counted"
            }
            CycleStatus::Closed | CycleStatus::Published => "replaced",
            _ => "recorded",
        };
        Ok(Read::Final(ReceiptStatus {
            receipt: receipt.code,
            budget_id: receipt.budget_id,
            status: status.into(),
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_survive_sloppy_typing() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert_eq!(normalise(&a).as_deref(), Some(a.as_str()));
        let sloppy = a
            .to_lowercase()
            .replace('-', " ")
            .replace('1', "l")
            .replace('0', "o");
        assert_eq!(normalise(&sloppy).as_deref(), Some(a.as_str()));
        assert_eq!(normalise("too short"), None);
        assert_eq!(normalise(&format!("{a}U")), None);
    }
}
