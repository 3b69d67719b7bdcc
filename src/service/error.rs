//! Why a rule refused, in the rules' own words: one enum of kinds, with no HTTP in it. The API
//! edge turns each kind into a status and a problem document in one place (`error.rs`, the
//! `From<service::Error>` impl); the command line prints `code: detail`.
//!
//! Kinds are what a caller can act on (retry, show the fields, log in again); the stable
//! snake_case `code` clients switch on travels with the kinds that have more than one.

use crate::db::DbError;
use crate::domain::{FieldError, ValidationErrors};

/// A refused or failed service call.
#[derive(Debug)]
pub enum Error {
    /// The resource does not exist, or is hidden from the caller (another tenant's): `not_found`.
    NotFound,
    /// The resource exists but has nothing to show yet (`no_results`, `no_stats`, `no_ballot`).
    Missing { code: &'static str, detail: String },
    /// The caller is not who they must be (bad login, spent refresh token, ended session).
    Unauthorized { code: &'static str, detail: String },
    /// The caller's role may not do this: `forbidden`.
    Forbidden,
    /// The caller may not do this for a reason of their own (`not_eligible`, `not_verified`).
    Refused { code: &'static str, detail: String },
    /// A query, cursor or header the service cannot read (`invalid_query`, …).
    Malformed { code: &'static str, detail: String },
    /// The resource's state forbids the change (`cycle_not_in_voting`, `already_voted`, …).
    Conflict { code: &'static str, detail: String },
    /// A unique constraint refused the write: a concurrent request committed the same thing
    /// first. A caller that can tell retries, and then sees what the other wrote.
    Duplicate,
    /// Bad fields, every one of them: `validation_failed`.
    Invalid(Vec<FieldError>),
    /// A rule of the request's content is broken (a ballot's `over_budget`, …).
    Rule { code: &'static str, detail: String },
    /// Throttled; try again after this many seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// Something the service depends on is not answering.
    Unavailable { code: &'static str, detail: String },
    /// The database went away (no connection within the bound, a connection closed, the
    /// server shutting down or starting up): `database_unavailable`. The same request may
    /// succeed a moment later.
    DatabaseUnavailable,
    /// An unexpected failure; its cause was logged where it happened.
    Internal,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

const NOT_FOUND: &str = "No such resource.";
const FORBIDDEN: &str = "Your role may not do this.";
const DUPLICATE: &str = "That already exists.";
const RATE_LIMITED: &str = "Too many attempts; wait before trying again.";
const INTERNAL: &str = "Something went wrong on our side; it has been logged.";
const DATABASE_UNAVAILABLE: &str = "The database is not answering; try again shortly.";

impl Error {
    pub fn not_found() -> Self {
        Self::NotFound
    }

    pub fn forbidden() -> Self {
        Self::Forbidden
    }

    pub fn missing(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Missing { code, detail }
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Unauthorized { code, detail }
    }

    /// Every wrong login or password gets this same answer.
    pub fn invalid_credentials() -> Self {
        Self::unauthorized("invalid_credentials", "The login or the password is wrong.")
    }

    pub fn refused(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Refused { code, detail }
    }

    pub fn malformed(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Malformed { code, detail }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Conflict { code, detail }
    }

    pub fn rule(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Rule { code, detail }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self::Invalid(fields)
    }

    /// One bad field.
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::TooManyRequests { retry_after_secs }
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Unavailable { code, detail }
    }

    /// The database went away; the cause is logged here.
    pub fn database_unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        Self::DatabaseUnavailable
    }

    /// An unexpected failure: the cause is logged here, the caller learns nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Duplicate => "conflict",
            Self::Invalid(_) => "validation_failed",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Internal => "internal_error",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Missing { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Refused { code, .. }
            | Self::Malformed { code, .. }
            | Self::Conflict { code, .. }
            | Self::Rule { code, .. }
            | Self::Unavailable { code, .. } => code,
        }
    }

    /// What a person is told.
    pub fn detail(&self) -> String {
        match self {
            Self::NotFound => NOT_FOUND.into(),
            Self::Forbidden => FORBIDDEN.into(),
            Self::Duplicate => DUPLICATE.into(),
            Self::Invalid(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::TooManyRequests { .. } => RATE_LIMITED.into(),
            Self::Internal => INTERNAL.into(),
            Self::DatabaseUnavailable => DATABASE_UNAVAILABLE.into(),
            Self::Missing { detail, .. }
            | Self::Unauthorized { detail, .. }
            | Self::Refused { detail, .. }
            | Self::Malformed { detail, .. }
            | Self::Conflict { detail, .. }
            | Self::Rule { detail, .. }
            | Self::Unavailable { detail, .. } => detail.clone(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        match err {
            Diesel::NotFound => Self::NotFound,
            Diesel::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::Duplicate,
            other if crate::db::is_connection_failure(&other) => Self::database_unavailable(other),
            other => Self::internal(other),
        }
    }
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Query(e) => e.into(),
            DbError::Pool(e) => Self::database_unavailable(format!("database pool: {e}")),
            DbError::Blocking => Self::internal("blocking task cancelled"),
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_is_a_duplicate_and_a_missing_row_not_found() {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        let unique =
            Diesel::DatabaseError(DatabaseErrorKind::UniqueViolation, Box::new(String::new()));
        assert!(matches!(Error::from(unique), Error::Duplicate));
        assert!(matches!(Error::from(Diesel::NotFound), Error::NotFound));
    }

    #[test]
    fn a_lost_connection_is_the_database_being_unavailable_not_a_bug() {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        let closed =
            Diesel::DatabaseError(DatabaseErrorKind::ClosedConnection, Box::new(String::new()));
        assert!(matches!(Error::from(closed), Error::DatabaseUnavailable));
        let shutdown = Diesel::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("FATAL: terminating connection due to administrator command".to_string()),
        );
        assert!(matches!(Error::from(shutdown), Error::DatabaseUnavailable));
        assert!(matches!(
            Error::from(Diesel::BrokenTransactionManager),
            Error::DatabaseUnavailable
        ));
        let other =
            Diesel::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax".to_string()));
        assert!(matches!(Error::from(other), Error::Internal));
        assert_eq!(Error::DatabaseUnavailable.code(), "database_unavailable");
    }

    #[test]
    fn the_detail_of_bad_fields_names_each_field() {
        let error = Error::validation(vec![
            FieldError::new("a", "x", "first"),
            FieldError::new("b", "y", "second"),
        ]);
        assert_eq!(error.code(), "validation_failed");
        assert_eq!(error.detail(), "a: first; b: second");
    }
}
