//! One answer from the app, read whole, and the ways a test reads it: as the record it
//! expects (failing with the request, the status and the body when the status is not the one
//! expected), as a problem, or raw.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::conformance;
use super::model::Problem;

/// One answer, read whole: its status, headers and body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    request: String,
}

impl Reply {
    /// Reads the answer to `method path` and fails the test if it breaks `openapi.yaml`.
    pub(super) async fn read(method: &str, path: &str, response: reqwest::Response) -> Reply {
        let request = format!("{method} {path}");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("a response body").to_vec();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let wrong = conformance::mismatches(method, path, status.as_u16(), content_type, &body);
        assert!(
            wrong.is_empty(),
            "{request} answered {status} with a body that breaks openapi.yaml:\n{}\n{}",
            wrong.join("\n"),
            String::from_utf8_lossy(&body)
        );
        Reply {
            status,
            headers,
            body,
            request,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as untyped JSON, whatever the status.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.request, self.text()))
    }

    /// Fails the test unless the status is `status`; the message carries the body.
    pub fn expect_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "{} answered {}: {}",
            self.request,
            self.status,
            self.text()
        );
        self
    }

    /// The body decoded as `T`, once the status is `status`.
    pub fn expect<T: DeserializeOwned>(&self, status: u16) -> T {
        self.expect_status(status);
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: body does not decode as {} ({e}): {}",
                self.request,
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }

    /// The body decoded as `T` whatever the status, for the tests that never checked it.
    pub fn json_as<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered {}; the body does not decode as {} ({e}): {}",
                self.request,
                self.status,
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }

    pub fn ok<T: DeserializeOwned>(&self) -> T {
        self.expect(200)
    }

    pub fn created<T: DeserializeOwned>(&self) -> T {
        self.expect(201)
    }

    /// The problem+json body (its content type checked), whatever the status.
    pub fn problem(&self) -> Problem {
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/problem+json"),
            "{}: expected problem+json, got {content_type} ({}): {}",
            self.request,
            self.status,
            self.text()
        );
        Problem::from(self.json())
    }
}
