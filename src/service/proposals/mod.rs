//! Proposals: submission (residents during `submission`, officials until voting), edits,
//! review, withdrawal, and the lists residents browse.
//!
//! Lists are filtered and sorted here rather than in SQL: a budget holds hundreds of
//! proposals, not millions, and sorting text in Rust gives the same order on SQLite and
//! PostgreSQL whatever collation the database was created with.
//!
//! - [`fields`]: a proposal as sent, and the checks of its fields;
//! - [`submit`]: submitting and editing (by its author or an official);
//! - [`decide`]: an official's review and the author's withdrawal;
//! - [`reads`]: who may read a proposal, one proposal, and the filtered, sorted lists.

mod decide;
mod fields;
mod reads;
mod submit;

pub use crate::domain::Location;
pub use decide::{review, withdraw};
pub use fields::{ProposalInput, CATEGORY_MAX_CHARS, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS};
pub use reads::{get, list, text_in, translations, ListQuery, Listed, Sort};
pub use submit::{create, update};

use crate::service::Error;

pub(super) fn closed_for(what: &str) -> Error {
    Error::conflict(
        "cycle_not_accepting_proposals",
        format!("The cycle is not in a phase where {what}."),
    )
}
