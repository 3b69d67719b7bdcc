//! Helpers the token tests share: a fixed clock, keys, and hand-made tokens.

pub(super) use super::*;
pub(super) use crate::domain::Role;
pub(super) use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub(super) use base64::Engine;
pub(super) use chrono::{DateTime, Duration, TimeZone, Utc};
pub(super) use jsonwebtoken::{EncodingKey, Header};
pub(super) use serde_json::json;
pub(super) use sha2::Sha256;
pub(super) use uuid::Uuid;

pub(super) const ISS: &str = "https://kurultai.example";
pub(super) const AUD: &str = "kurultai-api";

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap()
}

pub(super) fn key(kid: &str, byte: u8) -> SigningKey {
    SigningKey::new(kid, vec![byte; 32]).unwrap()
}

pub(super) fn tokens() -> AccessTokens {
    AccessTokens::new(KeyRing::new(key("k1", 1)), JwtConfig::new(ISS, AUD))
}

pub(super) fn issue(t: &AccessTokens) -> String {
    t.issue(
        Uuid::new_v4(),
        Role::Resident,
        Some(Uuid::new_v4()),
        Uuid::new_v4(),
        now(),
    )
    .unwrap()
    .token
}

pub(super) fn b64(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

pub(super) fn payload(token: &str) -> serde_json::Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

/// Signs arbitrary header and claims JSON with HMAC-SHA256 under `secret`.
pub(super) fn hs256(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    secret: &[u8],
) -> String {
    use hmac::{Hmac, Mac};
    let signing_input = format!("{}.{}", b64(header), b64(claims));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

pub(super) fn valid_claims() -> serde_json::Value {
    payload(&issue(&tokens()))
}
