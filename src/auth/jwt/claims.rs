//! What a token says and the rules its claims must follow.

use crate::domain::Role;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// A platform admin has no municipality; every other role has exactly one.
pub(super) fn consistent(role: Role, municipality: Option<Uuid>) -> bool {
    role.belongs_to_municipality() == municipality.is_some()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
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
}
