//! Checking a token, header first, as RFC 8725 asks.

use super::{
    consistent, AccessClaims, AccessTokens, JwtError, SigningKey, ALGORITHM, ALGORITHM_NAME,
    MAX_TOKEN_BYTES,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;

/// precise refusal rather than a JSON error.
#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

impl AccessTokens {
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
    use super::super::test_support::*;
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
}
