//! Residents: registration under the municipality's ID scheme and registration policy, the
//! officials' review, the voter roll, a resident's own profile and its deletion, and the
//! eligibility check that ballots rely on.
//!
//! The raw national ID lives only in the request and in `domain::NationalId`; what this module
//! stores, compares and audits is its keyed hash. Nothing here logs a request body.
//!
//! One module per job: [`register`] (registration), `fields` (the checks of a registration's
//! or a profile's fields), [`review`] (the officials' list and review), `voter_roll` (the
//! uploaded roll), `profile` (a resident's own profile), `deletion` (deleting one's
//! registration), `eligibility` (who may vote, for the ballot code), [`verifications`] (the
//! one record of how a resident was verified, that every verifying path calls),
//! `letter_codes` (the printed code an official issues and the resident enters), `email_codes`
//! (the code mailed to the resident's address), `own_codes` (entering either) and
//! `counter_reset` (the password reset code an official issues at the counter).

mod counter_reset;
mod deletion;
mod eligibility;
mod email_codes;
mod fields;
mod letter_codes;
mod own_codes;
mod profile;
mod register;
mod review;
pub mod verifications;
mod voter_roll;

pub use counter_reset::{issue_counter_code, reset_at_counter, CounterReset};
pub use deletion::{delete_self, release};
pub use eligibility::{
    age_at, check_eligible, counting_methods, eligibility, votes_from, BudgetTerms, Ineligible,
    Voter,
};
pub use email_codes::{send_email_code, EmailCodeSent};
pub use letter_codes::issue_letter_code;
pub use own_codes::{redeem_own_code, OwnCode};
pub use profile::{own_profile, update_profile, ProfilePatch};
pub use register::{register, Registered, Registration};
pub use review::{
    list, parse_status, rejection_reason, review, Decision, ResidentFilter, REASON_MAX_CHARS,
};
pub use voter_roll::{upload_roll, RollOutcome, MAX_ROLL_BYTES};

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::accounts::AccountRow;
use crate::db::residents::ResidentRow;

/// A resident with their account, as the resident or an official sees them.
pub struct Profile {
    pub resident: ResidentRow,
    pub account: AccountRow,
    /// The methods that verified the resident, in the order they did.
    pub verified_by: Vec<crate::domain::VerificationMethod>,
}

pub(crate) fn is_unique_violation(err: &DieselError) -> bool {
    matches!(
        err,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod test_support {
    pub(super) use crate::service::test_support::codes;

    pub(super) fn field(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        pairs.iter().map(|(f, c)| (f.to_string(), *c)).collect()
    }
}
