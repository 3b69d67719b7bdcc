//! The printed letter code (CONSUL's letter): an official of the municipality issues a code for
//! one resident, to post or hand over; the resident, logged in, types it and `letter_code` is
//! recorded as a way their registration was proven (`own_codes`). Only where the municipality
//! offers it.

use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::ids::AccountId;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{Pepper, VerificationMethod};
use crate::service::one_time_codes::{issue_for_resident, Issued};
use crate::service::{Actor, Result};

use super::verifications;

/// Issues a letter code for a resident of `municipality` (another tenant's is not found),
/// replacing any earlier one. The code is answered once, to print; the audit log records that
/// one was issued and until when, never the code.
pub async fn issue_letter_code(
    db: &Db,
    pepper: &Pepper,
    actor: &Actor,
    municipality: &Municipality,
    account_id: AccountId,
) -> Result<Issued> {
    verifications::check_offered(municipality, VerificationMethod::LetterCode)?;
    issue_for_resident(
        db,
        pepper,
        actor,
        municipality,
        account_id,
        CodePurpose::LetterVerification,
        "resident.letter_code_issued",
    )
    .await
}
