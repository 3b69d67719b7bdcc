//! Helpers the ballot and counting-rule tests share.

use super::*;
use crate::domain::ValidationErrors;

pub(super) fn ballot(json: serde_json::Value) -> Result<BallotSpec, ValidationErrors> {
    let input: BallotInput = serde_json::from_value(json).unwrap();
    let mut errors = ValidationErrors::new();
    BallotSpec::parse(&input, 1_000_000, &mut errors).ok_or(errors)
}

pub(super) fn codes(errors: &ValidationErrors) -> Vec<(String, &'static str)> {
    errors
        .errors()
        .iter()
        .map(|e| (e.field.clone(), e.code))
        .collect()
}
