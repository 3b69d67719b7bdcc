//! The one error type every handler returns, rendered as RFC 9457 `application/problem+json`.
//!
//! Each error carries a stable snake_case `code` that clients switch on. Causes (database
//! errors, I/O) are logged here, once, and never reach the response body.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::Error;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// When to try again after the database went away: a restart or a failover takes seconds.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 2;

/// One bad field in a request body or in settings.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `currency` or `languages[2]`.
    pub field: String,
    /// Stable machine-readable reason, e.g. `unknown_currency`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:kurultai:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable error code.
    pub code: String,
    /// Present when the problem is about particular fields of the request.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    fields: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            retry_after_secs: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The login or the password is wrong.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role may not do this.",
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 with one entry per bad field.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let detail = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            )
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// 422 `invalid_text`: a string of the request holds what no text field accepts
    /// (`domain::text`); `field` names where and why.
    pub fn invalid_text(field: FieldError) -> Self {
        Self {
            fields: vec![field],
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_text",
                "The request holds text with control, bidirectional or only invisible characters.",
            )
        }
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many attempts; wait before trying again.",
            )
        }
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// An unexpected failure: the cause is logged, the client learns nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side; it has been logged.",
        )
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:kurultai:problem:{}", self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.fields.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        Error::from(err).into()
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(err: crate::db::DbError) -> Self {
        Error::from(err).into()
    }
}

/// The one place a rule's refusal becomes an HTTP problem: its status, code and title.
impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let status = match &err {
            Error::NotFound | Error::Missing { .. } => StatusCode::NOT_FOUND,
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Refused { .. } => StatusCode::FORBIDDEN,
            Error::Malformed { .. } => StatusCode::BAD_REQUEST,
            Error::Conflict { .. } | Error::Duplicate => StatusCode::CONFLICT,
            Error::Invalid(_) | Error::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable { .. } | Error::DatabaseUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            // The cause was logged where the service raised it.
            Error::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let problem = Self::new(status, err.code(), err.detail());
        match err {
            Error::Invalid(fields) => Self {
                fields: fields
                    .into_iter()
                    .map(|f| FieldError::new(f.field, f.code, f.message))
                    .collect(),
                ..problem
            },
            Error::TooManyRequests { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs.max(1)),
                ..problem
            },
            Error::DatabaseUnavailable => Self {
                retry_after_secs: Some(DATABASE_RETRY_AFTER_SECS),
                ..problem
            },
            _ => problem,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldError as Bad;

    /// The status, code, detail and `Retry-After` a service error leaves with.
    fn answer(err: Error) -> (u16, String, String, Option<String>) {
        let response = ApiError::from(err).error_response();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_string());
        let content_type = response.headers().get(header::CONTENT_TYPE).unwrap();
        assert_eq!(content_type, PROBLEM_JSON);
        let status = response.status().as_u16();
        let body = actix_web::body::to_bytes(response.into_body());
        let body = futures_util::FutureExt::now_or_never(body)
            .unwrap()
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["status"], status);
        assert_eq!(
            body["type"],
            format!("urn:kurultai:problem:{}", body["code"].as_str().unwrap())
        );
        (
            status,
            body["code"].as_str().unwrap().to_string(),
            body["detail"].as_str().unwrap().to_string(),
            retry_after,
        )
    }

    #[test]
    fn not_found_is_404() {
        let (status, code, detail, _) = answer(Error::NotFound);
        assert_eq!((status, code.as_str()), (404, "not_found"));
        assert_eq!(detail, "No such resource.");
    }

    #[test]
    fn missing_is_404_with_its_code() {
        let (status, code, _, _) = answer(Error::missing("no_results", "None yet."));
        assert_eq!((status, code.as_str()), (404, "no_results"));
    }

    #[test]
    fn unauthorized_is_401_with_its_code() {
        let (status, code, detail, _) = answer(Error::invalid_credentials());
        assert_eq!((status, code.as_str()), (401, "invalid_credentials"));
        assert_eq!(detail, "The login or the password is wrong.");
    }

    #[test]
    fn forbidden_is_403() {
        let (status, code, detail, _) = answer(Error::Forbidden);
        assert_eq!((status, code.as_str()), (403, "forbidden"));
        assert_eq!(detail, "Your role may not do this.");
    }

    #[test]
    fn refused_is_403_with_its_code() {
        let (status, code, detail, _) =
            answer(Error::refused("not_eligible", "Only residents vote."));
        assert_eq!((status, code.as_str()), (403, "not_eligible"));
        assert_eq!(detail, "Only residents vote.");
    }

    #[test]
    fn malformed_is_400() {
        let (status, code, _, _) = answer(Error::malformed("invalid_query", "status is …"));
        assert_eq!((status, code.as_str()), (400, "invalid_query"));
    }

    #[test]
    fn conflict_is_409_with_its_code() {
        let (status, code, _, _) = answer(Error::conflict("already_voted", "Final."));
        assert_eq!((status, code.as_str()), (409, "already_voted"));
    }

    #[test]
    fn duplicate_is_409_conflict() {
        let (status, code, detail, _) = answer(Error::Duplicate);
        assert_eq!((status, code.as_str()), (409, "conflict"));
        assert_eq!(detail, "That already exists.");
    }

    #[test]
    fn invalid_is_422_listing_every_field() {
        let err = Error::validation(vec![
            Bad::new("names", "required", "names is required"),
            Bad::new("currency", "unknown_currency", "no such currency"),
        ]);
        let api = ApiError::from(err);
        assert_eq!(api.code(), "validation_failed");
        assert_eq!(api.fields().len(), 2);
        assert_eq!(api.fields()[1].code, "unknown_currency");
        let problem = api.problem();
        assert_eq!(problem.status, 422);
        assert_eq!(
            problem.detail,
            "names: names is required; currency: no such currency"
        );
    }

    #[test]
    fn rule_is_422_with_its_code() {
        let (status, code, _, _) = answer(Error::rule("over_budget", "Too dear."));
        assert_eq!((status, code.as_str()), (422, "over_budget"));
    }

    #[test]
    fn too_many_requests_is_429_with_retry_after_of_at_least_a_second() {
        let (status, code, _, retry) = answer(Error::too_many_requests(0));
        assert_eq!((status, code.as_str()), (429, "rate_limited"));
        assert_eq!(retry.as_deref(), Some("1"));
        let (_, _, _, retry) = answer(Error::too_many_requests(30));
        assert_eq!(retry.as_deref(), Some("30"));
    }

    #[test]
    fn unavailable_is_503_with_its_code() {
        let (status, code, _, _) =
            answer(Error::unavailable("database_unavailable", "Not answering."));
        assert_eq!((status, code.as_str()), (503, "database_unavailable"));
    }

    #[test]
    fn database_unavailable_is_503_with_retry_after() {
        let (status, code, _, retry) = answer(Error::DatabaseUnavailable);
        assert_eq!((status, code.as_str()), (503, "database_unavailable"));
        assert_eq!(retry.as_deref(), Some("2"));
    }

    #[test]
    fn internal_is_500_and_tells_nothing() {
        let (status, code, detail, _) = answer(Error::internal("disk on fire"));
        assert_eq!((status, code.as_str()), (500, "internal_error"));
        assert!(!detail.contains("disk"));
    }

    #[test]
    fn the_title_is_the_status_reason() {
        let problem = ApiError::from(Error::Forbidden).problem();
        assert_eq!(problem.title, "Forbidden");
        assert_eq!(problem.type_, "urn:kurultai:problem:forbidden");
    }
}
