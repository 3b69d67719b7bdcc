//! Turns every way a request can fail before reaching a handler — bad JSON, wrong content
//! type, a body over the limit, an unparsable path or query, an unknown route or method —
//! into problem+json with a stable code, and catches any other error response that is not
//! problem+json yet.

use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::error::{ApiError, PROBLEM_JSON};

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than allowed.",
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let code = if message.starts_with("unknown field") {
                "unknown_field"
            } else if message.starts_with("missing field") {
                "missing_field"
            } else {
                "invalid_body"
            };
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("The body is not valid JSON: {e}"))
        }
        _ => ApiError::bad_request("malformed_json", "The body could not be read as JSON."),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::bad_request(
            "invalid_path_parameter",
            format!("A path parameter is malformed: {err}"),
        )
        .into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError::bad_request(
            "invalid_query",
            format!("The query string is malformed: {err}"),
        )
        .into()
    })
}

/// The default service: no route matches.
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    let _ = req;
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such resource.").error_response()
}

/// For a known path asked with a method it does not have.
pub async fn method_not_allowed() -> HttpResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "That method is not allowed on this resource.",
    )
    .error_response()
}

/// Safety net: any error response that is not problem+json yet (from actix itself or a
/// middleware) is rewritten as one, keeping its status.
pub fn error_handlers<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_problem = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let error = match status {
            StatusCode::NOT_FOUND => ApiError::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
                status,
                "method_not_allowed",
                "That method is not allowed on this resource.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                status,
                "payload_too_large",
                "The request body is larger than allowed.",
            ),
            s if s.is_server_error() => ApiError::new(
                s,
                "internal_error",
                "Something went wrong on our side; it has been logged.",
            ),
            s => ApiError::new(s, "bad_request", "The request could not be handled."),
        };
        let (req, _) = res.into_parts();
        let response = error.error_response();
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, response).map_into_right_body(),
        ))
    })
}
