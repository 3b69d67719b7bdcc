//! Field-level validation errors: what a 422 response lists, one entry per bad field, so that a
//! form can show every mistake at once instead of one per round trip.

use serde::Serialize;
use std::fmt;

/// An error with a stable machine-readable code (snake_case), used in API responses.
///
/// The code is part of the public API: clients switch on it, so it never changes once shipped.
/// The `Display` text is for humans and may change.
pub trait Coded: std::error::Error {
    /// Stable snake_case code, e.g. `unknown_currency`.
    fn code(&self) -> &'static str;
}

/// One bad field: `field` is a path such as `currency`, `languages[2]` or `names.kk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// A field error whose code and message come from a typed parse error.
    pub fn from_error(field: impl Into<String>, error: &dyn Coded) -> Self {
        Self::new(field, error.code(), error.to_string())
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

/// Every field error of one request, in the order the fields were checked. Never empty when
/// returned as an `Err`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.0.extend(errors);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// The error for `field`, if there is one (handy in tests and for mapping).
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// `Ok(value)` when no error was collected, otherwise all of them.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} invalid field(s)", self.0.len())?;
        for (i, e) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_a_plain_list() {
        let mut errors = ValidationErrors::new();
        errors.push(FieldError::new(
            "currency",
            "unknown_currency",
            "no such currency",
        ));
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"field": "currency", "code": "unknown_currency", "message": "no such currency"}])
        );
    }

    #[test]
    fn into_result_is_ok_only_when_empty() {
        assert_eq!(ValidationErrors::new().into_result(|| 7), Ok(7));
        let mut errors = ValidationErrors::new();
        errors.push(FieldError::new("a", "b", "c"));
        assert!(errors.clone().into_result(|| 7).is_err());
        assert_eq!(errors.for_field("a").map(|e| e.code), Some("b"));
        assert!(errors.to_string().contains("a: c (b)"));
    }
}
