//! What a checked ID token says about the person: the national ID, the name and the birth
//! date, read from the claims the municipality named. Called only after openidconnect has
//! checked the token's signature, issuer, audience, expiry and nonce.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::{NationalId, NationalIdScheme};
use crate::service::{Error, Result};

/// The claims of a compact JWT whose signature was already checked.
pub(super) fn payload(jwt: &str) -> Result<serde_json::Map<String, Value>> {
    let part = jwt.split('.').nth(1).ok_or_else(token_invalid)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| token_invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| token_invalid())
}

pub(super) fn token_invalid() -> Error {
    Error::refused(
        "oidc_token_invalid",
        "The identity provider's answer could not be checked.",
    )
}

fn claim_missing() -> Error {
    Error::refused(
        "oidc_claim_missing",
        "The identity provider did not send the details this municipality needs.",
    )
}

/// A claim as text: strings as they are, numbers written out (an ID sent as a JSON number).
fn text(claims: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The national ID the provider vouches for, parsed under the municipality's scheme with its
/// check digits enforced: a state's register never issues a wrong check digit, so one means
/// a misconfigured claim or a forged answer.
pub(super) fn national_id(
    claims: &serde_json::Map<String, Value>,
    claim: &str,
    scheme: NationalIdScheme,
) -> Result<NationalId> {
    let raw = text(claims, claim).ok_or_else(claim_missing)?;
    NationalId::parse(scheme, &raw).map_err(|e| {
        Error::refused(
            e.code(),
            "The national ID from the identity provider is not valid here.",
        )
    })
}

/// The person's name from the municipality's name claim (default `name`).
pub(super) fn name(claims: &serde_json::Map<String, Value>, claim: Option<&str>) -> Result<String> {
    let raw = text(claims, claim.unwrap_or("name")).ok_or_else(claim_missing)?;
    crate::service::accounts::display_name("name", &raw).map_err(|_| claim_missing())
}

/// The birth date: from the municipality's birth-date claim when it names one and the token
/// carries it (it must agree with the ID when the ID holds one), else from the ID itself
/// (IIN, PINFL), else refused with `oidc_birth_date_missing`.
pub(super) fn birth_date(
    claims: &serde_json::Map<String, Value>,
    claim: Option<&str>,
    id: &NationalId,
) -> Result<NaiveDate> {
    let stated = match claim.and_then(|c| text(claims, c)) {
        None => None,
        Some(raw) => Some(NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| {
            Error::refused(
                "oidc_birth_date_missing",
                "The identity provider's birth date could not be read.",
            )
        })?),
    };
    match (stated, id.birth_date()) {
        (Some(date), _) => {
            id.check_birth_date(date)
                .map_err(|e| Error::refused(e.code(), "The birth dates do not agree."))?;
            Ok(date)
        }
        (None, Some(date)) => Ok(date),
        (None, None) => Err(Error::refused(
            "oidc_birth_date_missing",
            "The identity provider sent no birth date, and this municipality's national ID \
             does not carry one.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_payload_of_a_compact_jwt_is_read() {
        let body = URL_SAFE_NO_PAD.encode(br#"{"sub":"a","n":7}"#);
        let jwt = format!("e30.{body}.sig");
        let c = payload(&jwt).unwrap();
        assert_eq!(text(&c, "sub").as_deref(), Some("a"));
        assert_eq!(text(&c, "n").as_deref(), Some("7"));
        assert_eq!(payload("nodots").unwrap_err().code(), "oidc_token_invalid");
    }

    #[test]
    fn a_missing_or_empty_claim_is_refused() {
        let c = claims(serde_json::json!({"name": "  ", "nid": true}));
        assert_eq!(name(&c, None).unwrap_err().code(), "oidc_claim_missing");
        let err = national_id(&c, "nid", NationalIdScheme::TrTckn).unwrap_err();
        assert_eq!(err.code(), "oidc_claim_missing");
    }
}
