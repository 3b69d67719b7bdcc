//! Signing a token.

use super::{consistent, AccessClaims, AccessTokens, JwtError, ALGORITHM};
use crate::domain::Role;
use chrono::{DateTime, Utc};
use jsonwebtoken::{EncodingKey, Header};
use uuid::Uuid;

/// A freshly signed token with what it says.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: AccessClaims,
    pub expires_at: DateTime<Utc>,
}

impl AccessTokens {
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
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
}
