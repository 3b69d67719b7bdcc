//! Access tokens: short-lived JWTs (RFC 7519) checked as RFC 8725 asks.
//!
//! Algorithm: HS256, pinned. The service is the only party that issues and verifies these
//! tokens, so an asymmetric scheme (EdDSA) would buy nothing but key-format handling; what
//! matters is that the algorithm is fixed by the verifier and never read from the token, that
//! keys are at least 256 bits, and that keys rotate. A token names its key with `kid`; a
//! [`KeyRing`] signs with its current key and still verifies with the previous ones until they
//! are dropped.
//!
//! Verification order: size bound, header (alg exactly HS256 — so `none` and every other
//! algorithm are refused before any key is looked at —, typ `JWT`, no `crit`, a known `kid`),
//! signature, then the claims (`iss`, `aud`, `exp` with a small leeway, `nbf`, `iat`, and role
//! versus municipality).

use crate::domain::Role;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use thiserror::Error;
use uuid::Uuid;

/// The one algorithm we sign with and accept.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
const ALGORITHM_NAME: &str = "HS256";
/// 256 bits: RFC 7518 §3.2 requires an HS256 key at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Tokens larger than this are refused before any parsing. Ours are about 400 bytes.
const MAX_TOKEN_BYTES: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The account id.
    pub sub: Uuid,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Unique token id, so a token can be revoked or recognised in logs.
    pub jti: Uuid,
    pub role: Role,
    /// The account's municipality; `null` for platform admins only.
    pub municipality: Option<Uuid>,
    /// The login session (refresh-token family) the token belongs to: revoking the session
    /// stops its access tokens before they expire.
    pub sid: Uuid,
}

/// Why a token was refused or could not be made. Every variant but `Key` and `Signing` is the
/// client's problem and should become a 401 with the code `invalid_token` (the finer code is
/// for logs; telling an attacker which check failed helps only them).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtError {
    #[error("token is not a well-formed JWT")]
    Malformed,
    #[error("token algorithm is not allowed")]
    AlgorithmNotAllowed,
    #[error("token type is not JWT")]
    WrongType,
    #[error("token has critical header parameters we do not understand")]
    UnsupportedCritical,
    #[error("token key id is missing or unknown")]
    UnknownKey,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token issuer is wrong")]
    WrongIssuer,
    #[error("token audience is wrong")]
    WrongAudience,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token role and municipality do not fit together")]
    InconsistentClaims,
    #[error("invalid signing key: {0}")]
    Key(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

impl JwtError {
    /// Stable code, for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            JwtError::Malformed => "token_malformed",
            JwtError::AlgorithmNotAllowed => "token_algorithm_not_allowed",
            JwtError::WrongType => "token_wrong_type",
            JwtError::UnsupportedCritical => "token_unsupported_critical",
            JwtError::UnknownKey => "token_unknown_key",
            JwtError::BadSignature => "token_bad_signature",
            JwtError::WrongIssuer => "token_wrong_issuer",
            JwtError::WrongAudience => "token_wrong_audience",
            JwtError::Expired => "token_expired",
            JwtError::NotYetValid => "token_not_yet_valid",
            JwtError::InconsistentClaims => "token_inconsistent_claims",
            JwtError::Key(_) => "token_key_invalid",
            JwtError::Signing(_) => "token_signing_failed",
        }
    }

    /// Whether this is the server's fault (500) rather than a bad token (401).
    pub fn is_server_error(&self) -> bool {
        matches!(self, JwtError::Key(_) | JwtError::Signing(_))
    }
}

/// One HS256 key with its id. `Debug` shows only the id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    secret: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A key with an explicit id: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let kid = kid.into();
        let secret = secret.into();
        let kid_ok = (1..=64).contains(&kid.len())
            && kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !kid_ok {
            return Err(JwtError::Key(
                "key id must be 1-64 of A-Z a-z 0-9 . _ -".into(),
            ));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(JwtError::Key(format!(
                "secret must be at least {MIN_SECRET_BYTES} bytes, got {}",
                secret.len()
            )));
        }
        Ok(SigningKey { kid, secret })
    }

    /// A key whose id is derived from the secret (first 16 hex digits of a domain-separated
    /// SHA-256), so a configuration can list bare secrets and still get stable, distinct ids.
    /// The id reveals nothing usable about a 256-bit secret.
    pub fn from_secret(secret: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let secret = secret.into();
        let mut h = Sha256::new();
        h.update(b"kurultai jwt kid\0");
        h.update(&secret);
        let kid = hex::encode(&h.finalize()[..8]);
        SigningKey::new(kid, secret)
    }

    /// A fresh random 256-bit key (for development set-ups and tests).
    pub fn generate() -> Self {
        let mut secret = vec![0u8; MIN_SECRET_BYTES];
        OsRng.fill_bytes(&mut secret);
        SigningKey::from_secret(secret).expect("a generated key is long enough")
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// The current signing key and the older keys still accepted for verification.
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: String,
    keys: HashMap<String, SigningKey>,
}

impl KeyRing {
    pub fn new(current: SigningKey) -> Self {
        let kid = current.kid.clone();
        KeyRing {
            current: kid.clone(),
            keys: HashMap::from([(kid, current)]),
        }
    }

    /// Adds a verification-only key (a previous signing key during rotation).
    pub fn with_previous(mut self, key: SigningKey) -> Result<Self, JwtError> {
        if self.keys.contains_key(&key.kid) {
            return Err(JwtError::Key(format!("duplicate key id {}", key.kid)));
        }
        self.keys.insert(key.kid.clone(), key);
        Ok(self)
    }

    pub fn current_kid(&self) -> &str {
        &self.current
    }

    fn current(&self) -> &SigningKey {
        &self.keys[&self.current]
    }

    fn get(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.get(kid)
    }
}

/// Issuer, audience and lifetimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfig {
    pub issuer: String,
    pub audience: String,
    /// Lifetime of an access token; minutes, as the refresh token covers longer sessions.
    pub ttl: Duration,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

impl JwtConfig {
    /// 15-minute tokens with 30 seconds of leeway.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            ttl: Duration::minutes(15),
            leeway: Duration::seconds(30),
        }
    }
}

/// A freshly signed token with what it says.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: AccessClaims,
    pub expires_at: DateTime<Utc>,
}

/// Issues and verifies access tokens.
#[derive(Debug, Clone)]
pub struct AccessTokens {
    keys: KeyRing,
    config: JwtConfig,
}

/// The header fields we look at, parsed by us so that an unknown `alg` (including `none`) is a
/// precise refusal rather than a JSON error.
#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

fn consistent(role: Role, municipality: Option<Uuid>) -> bool {
    role.belongs_to_municipality() == municipality.is_some()
}

impl AccessTokens {
    pub fn new(keys: KeyRing, config: JwtConfig) -> Self {
        AccessTokens { keys, config }
    }

    pub fn config(&self) -> &JwtConfig {
        &self.config
    }

    /// Signs a token for `subject` with the current key, valid from `now` for the configured
    /// lifetime. A platform admin has no municipality; every other role must have one.
    pub fn issue(
        &self,
        subject: Uuid,
        role: Role,
        municipality: Option<Uuid>,
        session: Uuid,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, JwtError> {
        if !consistent(role, municipality) {
            return Err(JwtError::InconsistentClaims);
        }
        let expires_at = now + self.config.ttl;
        let claims = AccessClaims {
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            sub: subject,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            nbf: None,
            jti: Uuid::new_v4(),
            role,
            municipality,
            sid: session,
        };
        let key = self.keys.current();
        let mut header = Header::new(ALGORITHM);
        header.typ = Some("JWT".to_owned());
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&key.secret))
            .map_err(|e| JwtError::Signing(e.to_string()))?;
        Ok(IssuedToken {
            token,
            claims,
            expires_at,
        })
    }

    /// Verifies `token` at the instant `now` and returns its claims.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, JwtError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(JwtError::Malformed);
        }
        let key = self.check_header(token)?;

        let mut validation = Validation::new(ALGORITHM);
        // Time and audience are checked below against `now`, with our own leeway; the
        // required fields are enforced by `AccessClaims` itself (no `Option` on exp/iss/aud).
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<AccessClaims>(
            token,
            &DecodingKey::from_secret(&key.secret),
            &validation,
        )
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => JwtError::BadSignature,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => JwtError::AlgorithmNotAllowed,
            _ => JwtError::Malformed,
        })?;
        let claims = data.claims;

        if claims.iss != self.config.issuer {
            return Err(JwtError::WrongIssuer);
        }
        if claims.aud != self.config.audience {
            return Err(JwtError::WrongAudience);
        }
        let now = now.timestamp();
        let leeway = self.config.leeway.num_seconds();
        if now >= claims.exp.saturating_add(leeway) {
            return Err(JwtError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| now < nbf.saturating_sub(leeway))
            || now < claims.iat.saturating_sub(leeway)
        {
            return Err(JwtError::NotYetValid);
        }
        if !consistent(claims.role, claims.municipality) {
            return Err(JwtError::InconsistentClaims);
        }
        Ok(claims)
    }

    /// The header checks of RFC 8725 §3.1 and §3.11, before any signature work.
    fn check_header(&self, token: &str) -> Result<&SigningKey, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(_payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| JwtError::Malformed)?;
        let header: RawHeader = serde_json::from_slice(&header).map_err(|_| JwtError::Malformed)?;
        if header.alg.as_deref() != Some(ALGORITHM_NAME) {
            return Err(JwtError::AlgorithmNotAllowed);
        }
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("JWT"))
        {
            return Err(JwtError::WrongType);
        }
        if header.crit.is_some() {
            return Err(JwtError::UnsupportedCritical);
        }
        header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(JwtError::UnknownKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    const ISS: &str = "https://kurultai.example";
    const AUD: &str = "kurultai-api";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap()
    }

    fn key(kid: &str, byte: u8) -> SigningKey {
        SigningKey::new(kid, vec![byte; 32]).unwrap()
    }

    fn tokens() -> AccessTokens {
        AccessTokens::new(KeyRing::new(key("k1", 1)), JwtConfig::new(ISS, AUD))
    }

    fn issue(t: &AccessTokens) -> String {
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

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    fn payload(token: &str) -> serde_json::Value {
        let p = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
    }

    /// Signs arbitrary header and claims JSON with HMAC-SHA256 under `secret`.
    fn hs256(header: &serde_json::Value, claims: &serde_json::Value, secret: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let signing_input = format!("{}.{}", b64(header), b64(claims));
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
        mac.update(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    fn valid_claims() -> serde_json::Value {
        payload(&issue(&tokens()))
    }

    #[test]
    fn issue_and_verify_round_trip() {
        let t = tokens();
        let sub = Uuid::new_v4();
        let m = Uuid::new_v4();
        let issued = t
            .issue(sub, Role::Official, Some(m), Uuid::new_v4(), now())
            .unwrap();
        assert_eq!(issued.expires_at, now() + Duration::minutes(15));
        let claims = t.verify(&issued.token, now()).unwrap();
        assert_eq!(claims, issued.claims);
        assert_eq!(claims.sub, sub);
        assert_eq!(claims.role, Role::Official);
        assert_eq!(claims.municipality, Some(m));
        assert_eq!(claims.iss, ISS);
        assert_eq!(claims.aud, AUD);
        assert_eq!(claims.exp - claims.iat, 15 * 60);
    }

    #[test]
    fn header_and_payload_have_the_documented_shape() {
        let t = tokens();
        let token = t
            .issue(
                Uuid::new_v4(),
                Role::PlatformAdmin,
                None,
                Uuid::new_v4(),
                now(),
            )
            .unwrap()
            .token;
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], "k1");
        let p = payload(&token);
        assert_eq!(p["role"], "platform_admin");
        assert!(p["municipality"].is_null());
        assert!(
            p.get("municipality").is_some(),
            "null is written, not omitted"
        );
        assert!(Uuid::parse_str(p["jti"].as_str().unwrap()).is_ok());
        assert!(t.verify(&token, now()).is_ok());
    }

    #[test]
    fn role_and_municipality_must_fit() {
        let t = tokens();
        assert_eq!(
            t.issue(Uuid::new_v4(), Role::Resident, None, Uuid::new_v4(), now())
                .unwrap_err(),
            JwtError::InconsistentClaims
        );
        assert_eq!(
            t.issue(
                Uuid::new_v4(),
                Role::PlatformAdmin,
                Some(Uuid::new_v4()),
                Uuid::new_v4(),
                now()
            )
            .unwrap_err(),
            JwtError::InconsistentClaims
        );
        // A correctly signed token that breaks the rule is refused too.
        let mut claims = valid_claims();
        claims["municipality"] = json!(null);
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
            &claims,
            &[1; 32],
        );
        assert_eq!(
            t.verify(&token, now()).unwrap_err(),
            JwtError::InconsistentClaims
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let header = json!({"alg": "none", "typ": "JWT", "kid": "k1"});
        for token in [
            format!("{}.{}.", b64(&header), b64(&valid_claims())),
            format!("{}.{}.c2ln", b64(&header), b64(&valid_claims())),
            format!(
                "{}.{}.",
                b64(&json!({"alg": "None", "typ": "JWT", "kid": "k1"})),
                b64(&valid_claims())
            ),
        ] {
            assert_eq!(
                tokens().verify(&token, now()).unwrap_err(),
                JwtError::AlgorithmNotAllowed
            );
        }
    }

    #[test]
    fn algorithm_switching_is_refused() {
        let t = tokens();
        let claims: AccessClaims = serde_json::from_value(valid_claims()).unwrap();
        // HS384/HS512 with the very same secret.
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some("k1".into());
            let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&[1; 32]))
                .unwrap();
            assert_eq!(
                t.verify(&token, now()).unwrap_err(),
                JwtError::AlgorithmNotAllowed
            );
        }
        // The classic confusion: an RS256 header over an HMAC signature.
        let token = hs256(
            &json!({"alg": "RS256", "typ": "JWT", "kid": "k1"}),
            &valid_claims(),
            &[1; 32],
        );
        assert_eq!(
            t.verify(&token, now()).unwrap_err(),
            JwtError::AlgorithmNotAllowed
        );
        // No alg at all.
        let token = hs256(
            &json!({"typ": "JWT", "kid": "k1"}),
            &valid_claims(),
            &[1; 32],
        );
        assert_eq!(
            t.verify(&token, now()).unwrap_err(),
            JwtError::AlgorithmNotAllowed
        );
    }

    #[test]
    fn wrong_audience_and_issuer_are_refused() {
        let keys = KeyRing::new(key("k1", 1));
        let other_aud = AccessTokens::new(keys.clone(), JwtConfig::new(ISS, "someone-else"));
        let other_iss = AccessTokens::new(keys, JwtConfig::new("https://evil.example", AUD));
        assert_eq!(
            tokens().verify(&issue(&other_aud), now()).unwrap_err(),
            JwtError::WrongAudience
        );
        assert_eq!(
            tokens().verify(&issue(&other_iss), now()).unwrap_err(),
            JwtError::WrongIssuer
        );
        // An audience array is not what we issue.
        let mut claims = valid_claims();
        claims["aud"] = json!([AUD]);
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
            &claims,
            &[1; 32],
        );
        assert_eq!(
            tokens().verify(&token, now()).unwrap_err(),
            JwtError::Malformed
        );
    }

    #[test]
    fn expiry_is_required_and_checked_with_leeway() {
        let t = tokens();
        let token = issue(&t);
        let exp = now() + Duration::minutes(15);
        assert!(t.verify(&token, exp - Duration::seconds(1)).is_ok());
        assert!(t.verify(&token, exp + Duration::seconds(29)).is_ok());
        assert_eq!(
            t.verify(&token, exp + Duration::seconds(30)).unwrap_err(),
            JwtError::Expired
        );
        assert_eq!(
            t.verify(&token, now() + Duration::hours(2)).unwrap_err(),
            JwtError::Expired
        );

        let mut claims = valid_claims();
        claims.as_object_mut().unwrap().remove("exp");
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
            &claims,
            &[1; 32],
        );
        assert_eq!(t.verify(&token, now()).unwrap_err(), JwtError::Malformed);
    }

    #[test]
    fn not_before_and_future_issue_times_are_refused() {
        let t = tokens();
        let token = issue(&t);
        assert_eq!(
            t.verify(&token, now() - Duration::minutes(5)).unwrap_err(),
            JwtError::NotYetValid
        );
        assert!(t.verify(&token, now() - Duration::seconds(10)).is_ok());
        let mut claims = valid_claims();
        claims["nbf"] = json!(now().timestamp() + 600);
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
            &claims,
            &[1; 32],
        );
        assert_eq!(t.verify(&token, now()).unwrap_err(), JwtError::NotYetValid);
    }

    #[test]
    fn unknown_or_missing_kid_is_refused() {
        let other = AccessTokens::new(KeyRing::new(key("k9", 1)), JwtConfig::new(ISS, AUD));
        assert_eq!(
            tokens().verify(&issue(&other), now()).unwrap_err(),
            JwtError::UnknownKey
        );
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &valid_claims(),
            &[1; 32],
        );
        assert_eq!(
            tokens().verify(&token, now()).unwrap_err(),
            JwtError::UnknownKey
        );
    }

    #[test]
    fn tampered_payload_is_refused() {
        let t = tokens();
        let token = issue(&t);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims = payload(&token);
        claims["role"] = json!("municipality_admin");
        parts[1] = b64(&claims);
        assert_eq!(
            t.verify(&parts.join("."), now()).unwrap_err(),
            JwtError::BadSignature
        );
        // A flipped signature character, too.
        let mut sig = parts[2].clone().into_bytes();
        sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
        parts[1] = token.split('.').nth(1).unwrap().to_owned();
        parts[2] = String::from_utf8(sig).unwrap();
        assert_eq!(
            t.verify(&parts.join("."), now()).unwrap_err(),
            JwtError::BadSignature
        );
    }

    #[test]
    fn signature_by_another_key_is_refused() {
        let forger = AccessTokens::new(KeyRing::new(key("k1", 2)), JwtConfig::new(ISS, AUD));
        assert_eq!(
            tokens().verify(&issue(&forger), now()).unwrap_err(),
            JwtError::BadSignature
        );
    }

    #[test]
    fn type_and_crit_headers() {
        let t = tokens();
        for header in [
            json!({"alg": "HS256", "kid": "k1"}),
            json!({"alg": "HS256", "typ": "at+jwt", "kid": "k1"}),
        ] {
            let token = hs256(&header, &valid_claims(), &[1; 32]);
            assert_eq!(t.verify(&token, now()).unwrap_err(), JwtError::WrongType);
        }
        let token = hs256(
            &json!({"alg": "HS256", "typ": "jwt", "kid": "k1"}),
            &valid_claims(),
            &[1; 32],
        );
        assert!(t.verify(&token, now()).is_ok());
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT", "kid": "k1", "crit": ["exp"]}),
            &valid_claims(),
            &[1; 32],
        );
        assert_eq!(
            t.verify(&token, now()).unwrap_err(),
            JwtError::UnsupportedCritical
        );
    }

    #[test]
    fn garbage_is_malformed() {
        let t = tokens();
        for bad in ["", "abc", "a.b", "a.b.c.d", "!!!.e30.", &"a".repeat(5000)] {
            assert_eq!(
                t.verify(bad, now()).unwrap_err(),
                JwtError::Malformed,
                "{bad:.20}"
            );
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_valid_until_the_old_key_is_dropped() {
        let old = AccessTokens::new(KeyRing::new(key("2026", 1)), JwtConfig::new(ISS, AUD));
        let old_token = issue(&old);
        let rotated = AccessTokens::new(
            KeyRing::new(key("2027", 2))
                .with_previous(key("2026", 1))
                .unwrap(),
            JwtConfig::new(ISS, AUD),
        );
        assert!(rotated.verify(&old_token, now()).is_ok());
        let new_token = issue(&rotated);
        assert_eq!(payload(&new_token)["iss"], ISS);
        assert!(new_token.split('.').next().is_some());
        assert!(rotated.verify(&new_token, now()).is_ok());
        let dropped = AccessTokens::new(KeyRing::new(key("2027", 2)), JwtConfig::new(ISS, AUD));
        assert_eq!(
            dropped.verify(&old_token, now()).unwrap_err(),
            JwtError::UnknownKey
        );
        assert!(dropped.verify(&new_token, now()).is_ok());
    }

    #[test]
    fn key_rules() {
        assert!(SigningKey::new("k", vec![0; 31]).is_err());
        assert!(SigningKey::new("", vec![0; 32]).is_err());
        assert!(SigningKey::new("k id", vec![0; 32]).is_err());
        assert!(SigningKey::new("a".repeat(65), vec![0; 32]).is_err());
        let k = SigningKey::from_secret(vec![5; 32]).unwrap();
        assert_eq!(k.kid().len(), 16);
        assert_eq!(k.kid(), SigningKey::from_secret(vec![5; 32]).unwrap().kid());
        assert_ne!(k.kid(), SigningKey::from_secret(vec![6; 32]).unwrap().kid());
        assert_ne!(SigningKey::generate().kid(), SigningKey::generate().kid());
        assert!(!format!("{k:?}").contains("5, 5"));
        assert!(KeyRing::new(key("a", 1))
            .with_previous(key("a", 2))
            .is_err());
    }
}
