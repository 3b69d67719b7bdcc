//! The one gate every request's text passes before routing and extraction: each string in
//! a JSON body (values and keys, at any depth), in the query string, in the path and in the
//! text headers is checked with `domain::text` and answered 422 `invalid_text` when refused,
//! and JSON strings are brought to NFC. Being one middleware rather than a check per field,
//! a field added tomorrow is covered too (issue 15, finding 4: a NUL in any of four fields
//! was a 500 on PostgreSQL).
//!
//! A field's kind comes from its name anywhere on its path: under `descriptions` or `reason`
//! text may have several lines; a key containing `password` holds a secret.

use std::fmt::Write;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::HttpMessage;
use futures_util::StreamExt;
use serde_json::Value;

use crate::config::Settings;
use crate::domain::text::{self, TextError, TextKind};
use crate::error::{ApiError, FieldError};

/// Keys whose text may run over several lines (and everything under them, e.g. the
/// languages of `descriptions`).
const MULTI_LINE_KEYS: &[&str] = &["description", "descriptions", "reason"];

/// Request headers whose value the service reads as text.
const TEXT_HEADERS: &[&str] = &["idempotency-key"];

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    check_path_and_query(&req)?;
    check_headers(&req)?;
    if is_json(&req) {
        let limit = req
            .app_data::<web::Data<Settings>>()
            .map_or(256 * 1024, |s| s.max_body_bytes);
        let body = read_body(req.take_payload(), limit).await?;
        let body = check_json(body)?;
        req.set_payload(payload_of(body));
    }
    next.call(req).await
}

fn invalid_text(field: &str, error: TextError) -> ApiError {
    ApiError::invalid_text(FieldError::new(field, error.code(), error.message()))
}

fn check_path_and_query(req: &ServiceRequest) -> Result<(), ApiError> {
    // A segment that is not UTF-8 once decoded is left to the extractors to answer.
    for segment in req.path().split('/') {
        if let Ok(decoded) = percent_encoding::percent_decode_str(segment).decode_utf8() {
            text::check(&decoded, TextKind::Line).map_err(|e| invalid_text("path", e))?;
        }
    }
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        text::check(&key, TextKind::Line).map_err(|e| invalid_text("query", e))?;
        text::check(&value, TextKind::Line).map_err(|e| invalid_text(&key, e))?;
    }
    Ok(())
}

fn check_headers(req: &ServiceRequest) -> Result<(), ApiError> {
    for name in TEXT_HEADERS {
        for value in req.headers().get_all(*name) {
            if let Ok(value) = std::str::from_utf8(value.as_bytes()) {
                text::check(value, TextKind::Line).map_err(|e| invalid_text(name, e))?;
            }
        }
    }
    Ok(())
}

fn is_json(req: &ServiceRequest) -> bool {
    let Some(content_type) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(content_type) = content_type.to_str() else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// The whole body, refusing it (413) past the configured limit as the JSON extractor would.
async fn read_body(mut payload: Payload, limit: usize) -> Result<Bytes, actix_web::Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than allowed.",
            )
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn payload_of(body: Bytes) -> Payload {
    let stream = futures_util::stream::once(async move { Ok(body) });
    let boxed: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(stream);
    Payload::from(boxed)
}

/// Checks every string of a JSON body; returns the body, rewritten only when some text was
/// not in NFC. A body that is not JSON goes on untouched: the extractor answers it.
fn check_json(body: Bytes) -> Result<Bytes, ApiError> {
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return Ok(body);
    };
    let mut changed = false;
    walk(&mut value, &mut String::new(), TextKind::Line, &mut changed)?;
    if !changed {
        return Ok(body);
    }
    serde_json::to_vec(&value)
        .map(Bytes::from)
        .map_err(ApiError::internal)
}

fn walk(
    value: &mut Value,
    path: &mut String,
    kind: TextKind,
    changed: &mut bool,
) -> Result<(), ApiError> {
    match value {
        Value::String(s) => {
            text::check(s, kind).map_err(|e| invalid_text(path, e))?;
            if let std::borrow::Cow::Owned(nfc) = text::normalise(s, kind) {
                *s = nfc;
                *changed = true;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                // Writing into a String cannot fail.
                let _ = write!(path, "[{i}]");
                walk(item, path, kind, changed)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                text::check(key, TextKind::Line).map_err(|e| invalid_text(path, e))?;
                walk(item, path, kind_under(kind, key), changed)?;
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

fn kind_under(parent: TextKind, key: &str) -> TextKind {
    let key = key.to_ascii_lowercase();
    if parent == TextKind::Secret || key.contains("password") {
        TextKind::Secret
    } else if parent == TextKind::Lines || MULTI_LINE_KEYS.contains(&key.as_str()) {
        TextKind::Lines
    } else {
        TextKind::Line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(body: Value) -> Result<Value, String> {
        check_json(Bytes::from(serde_json::to_vec(&body).unwrap()))
            .map(|b| serde_json::from_slice(&b).unwrap())
            .map_err(|e| e.fields()[0].field.clone())
    }

    #[test]
    fn every_string_at_any_depth_is_checked_and_named() {
        assert_eq!(
            checked(serde_json::json!({"ballots": [{"selections": [{"proposal_id": "a\u{0}"}]}]})),
            Err("ballots[0].selections[0].proposal_id".into())
        );
        assert_eq!(
            checked(serde_json::json!({"titles": {"en": "x\ny"}})),
            Err("titles.en".into())
        );
        assert!(checked(serde_json::json!({"descriptions": {"en": "x\ny"}})).is_ok());
        assert!(checked(serde_json::json!({"admin": {"password": "x\ny\u{202E}"}})).is_ok());
        assert_eq!(
            checked(serde_json::json!({"admin": {"password": "x\u{0}"}})),
            Err("admin.password".into())
        );
    }

    #[test]
    fn text_is_rewritten_to_nfc_but_passwords_are_not() {
        let out = checked(serde_json::json!({"full_name": "Ays\u{327}e", "password": "e\u{301}"}))
            .unwrap();
        assert_eq!(out["full_name"], "Ayşe");
        assert_eq!(out["password"], "e\u{301}");
    }

    #[test]
    fn paths_and_queries_are_checked_once_decoded() {
        let refused = |uri: &str| {
            let req = actix_web::test::TestRequest::with_uri(uri).to_srv_request();
            check_path_and_query(&req).is_err()
        };
        assert!(refused("/a%00b"));
        assert!(refused("/x?q=a%E2%80%AEb"));
        assert!(refused("/x?a%00=1"));
        assert!(!refused("/x?q=a+b%2"));
        // Not UTF-8 once decoded: the extractors answer it.
        assert!(!refused("/%FF"));
    }
}
