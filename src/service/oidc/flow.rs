//! The sign-in itself: authorization code with PKCE (S256), `state` and `nonce`.
//!
//! 1. [`start`] stores the pending request in the database (the keyed hash of `state`, the
//!    nonce, the PKCE verifier sealed, the account to link if any, ten minutes to live) and
//!    returns the provider's authorization URL: any instance can finish it.
//! 2. [`callback`] takes the request once (a replayed or unknown `state` finds nothing),
//!    exchanges the code with the verifier, has openidconnect check the ID token (signature by
//!    the provider's JWKS, issuer, audience, expiry, nonce), reads the national ID, and
//!    registers, logs in or links. It hands back a single-use code, never our tokens: they
//!    must not travel in a URL.
//! 3. [`finish`] trades that code for a session, like a login.
//!
//! What a sign-in does to accounts (log in, register, link) is in `accounts`.

use chrono::Duration;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce, OAuth2TokenResponse as _,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse as _,
};

use super::accounts::{link, sign_in_or_register, Person};
use super::{claims, secret_context, Oidc};
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::sealing::Sealer;
use crate::auth::AuthState;
use crate::db::accounts as account_rows;
use crate::db::identity_providers::{self as rows, Provider, RequestRow};
use crate::db::municipalities::{self, Municipality};
use crate::db::{Db, DbConn};
use crate::domain::ids::MunicipalityId;
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{AccountStatus, Pepper, Role, VerificationMethod};
use crate::service::auth::Tokens;
use crate::service::residents::verifications;
use crate::service::{now, one_time_codes, throttle, Actor};
use crate::service::{Error, Result};

/// How long a sign-in may stay at the provider.
const PENDING_FOR: Duration = Duration::minutes(10);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Where to send the person.
pub struct Started {
    pub authorization_url: String,
}

/// How a callback ended: the municipality's slug when the request was known, and the
/// single-use code for [`finish`] or the refusal.
pub struct Callback {
    pub slug: Option<String>,
    pub result: Result<String>,
}

fn not_offered() -> Error {
    Error::missing(
        "no_identity_provider",
        "This municipality does not offer sign-in with an identity provider.",
    )
}

pub(super) fn state_invalid() -> Error {
    Error::refused(
        "oidc_state_invalid",
        "This sign-in is unknown, already finished or expired; start again.",
    )
}

fn provider_of(conn: &mut DbConn, municipality_id: &MunicipalityId) -> Result<Provider> {
    rows::of_municipality(conn, municipality_id)?.ok_or_else(not_offered)
}

fn metadata_of(provider: &Provider) -> Result<CoreProviderMetadata> {
    serde_json::from_value(provider.metadata.clone()).map_err(Error::internal)
}

fn client(
    oidc: &Oidc,
    provider: &Provider,
    metadata: CoreProviderMetadata,
    secret: Option<String>,
) -> Result<Client> {
    let redirect = RedirectUrl::new(oidc.redirect_uri().to_string()).map_err(Error::internal)?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        secret.map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

/// The key a `state` is stored under: a database reader cannot finish someone's sign-in.
fn state_hash(pepper: &Pepper, state: &str) -> String {
    pepper.mac(&[b"oidc-state\0", state.as_bytes()])
}

fn verifier_context(state_hash: &str) -> String {
    format!("oidc-pkce:{state_hash}")
}

/// Who starts a sign-in, for the throttle: the login limiter and the client's address.
pub struct Starter<'a> {
    pub limiter: &'a LoginLimiter,
    pub client_ip: String,
}

/// Starts a sign-in at the municipality's provider; with `link`, for that logged-in resident
/// of the municipality to link their account. Throttled per address like logins (each start
/// stores a pending request).
pub async fn start(
    db: &Db,
    oidc: &Oidc,
    sealer: &Sealer,
    pepper: &Pepper,
    starter: Starter<'_>,
    municipality: &Municipality,
    link: Option<&Actor>,
) -> Result<Started> {
    throttle::take(
        db,
        pepper,
        starter.limiter.provider_start(&starter.client_ip),
    )
    .await?;
    let link = match link {
        None => None,
        Some(actor)
            if actor.is(Role::Resident)
                && actor.municipality_id.as_ref() == Some(&municipality.id) =>
        {
            Some(actor.account_id.clone())
        }
        Some(_) => return Err(Error::forbidden()),
    };
    let id = municipality.id.clone();
    let provider = db.read(move |conn| provider_of(conn, &id)).await?;
    verifications::check_offered(municipality, VerificationMethod::Provider)?;
    let client = client(oidc, &provider, metadata_of(&provider)?, None)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &provider.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    let state_hash = state_hash(pepper, state.secret());
    let at = now();
    let row = RequestRow {
        pkce_verifier_sealed: sealer
            .seal(verifier.secret().as_bytes(), &verifier_context(&state_hash)),
        state_hash,
        municipality_id: municipality.id.clone(),
        nonce: nonce.secret().clone(),
        link_account_id: link,
        created_at: at,
        expires_at: at + PENDING_FOR,
    };
    db.write(move |conn| Ok::<_, Error>(rows::insert_request(conn, &row)?))
        .await?;
    Ok(Started {
        authorization_url: url.to_string(),
    })
}

/// What the provider sent back to the callback.
pub struct Returned {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's `error` (the person cancelled, the provider refused).
    pub error: Option<String>,
}

/// Finishes the sign-in the provider sent back (see the module's steps).
pub async fn callback(
    db: &Db,
    oidc: &Oidc,
    sealer: &Sealer,
    pepper: &Pepper,
    returned: Returned,
) -> Callback {
    let Some(state) = returned.state.filter(|s| !s.is_empty() && s.len() <= 200) else {
        return Callback {
            slug: None,
            result: Err(state_invalid()),
        };
    };
    let hash = state_hash(pepper, &state);
    let taken = db
        .write(move |conn| {
            let Some(request) = rows::take_request(conn, &hash, now())? else {
                return Err(state_invalid());
            };
            let municipality = municipalities::by_id(conn, &request.municipality_id)?;
            let provider = provider_of(conn, &municipality.id)?;
            Ok((request, municipality, provider))
        })
        .await;
    let (request, municipality, provider) = match taken {
        Ok(taken) => taken,
        Err(err) => {
            return Callback {
                slug: None,
                result: Err(err),
            }
        }
    };
    let slug = Some(municipality.slug.clone());
    let result = match returned.error {
        Some(_) => Err(Error::refused(
            "oidc_denied",
            "The sign-in at the identity provider was cancelled or refused.",
        )),
        None => {
            let code = returned.code.unwrap_or_default();
            signed_in(
                db,
                oidc,
                sealer,
                pepper,
                request,
                municipality,
                provider,
                code,
            )
            .await
        }
    };
    if let Err(err) = &result {
        tracing::info!(code = err.code(), "provider sign-in refused");
    }
    Callback { slug, result }
}

#[allow(clippy::too_many_arguments)]
async fn signed_in(
    db: &Db,
    oidc: &Oidc,
    sealer: &Sealer,
    pepper: &Pepper,
    request: RequestRow,
    municipality: Municipality,
    provider: Provider,
    code: String,
) -> Result<String> {
    let verifier = sealer
        .open_text(
            &request.pkce_verifier_sealed,
            &verifier_context(&request.state_hash),
        )
        .map_err(Error::internal)?;
    let secret = sealer
        .open_text(
            &provider.client_secret_sealed,
            &secret_context(&municipality.id),
        )
        .map_err(Error::internal)?;
    let metadata = metadata_of(&provider)?;
    let client = client(oidc, &provider, metadata.clone(), Some(secret.clone()))?;
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(Error::internal)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&oidc.http)
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "the provider refused the code");
            Error::refused(
                "oidc_exchange_failed",
                "The identity provider did not accept this sign-in; start again.",
            )
        })?;
    let _ = response.access_token();
    let id_token = response.id_token().ok_or_else(claims::token_invalid)?;
    let nonce = Nonce::new(request.nonce.clone());
    let payload = verified(oidc, &provider, metadata, &secret, id_token, &nonce).await?;

    let scheme = municipality.settings.national_id_scheme;
    let id = claims::national_id(&payload, &provider.national_id_claim, scheme)?;
    let person = Person {
        national_id_hash: id.keyed_hash(pepper),
        full_name: claims::name(&payload, provider.name_claim.as_deref()).ok(),
        birth_date: claims::birth_date(&payload, provider.birth_date_claim.as_deref(), &id),
    };
    drop(id);
    drop(payload);
    let account = match request.link_account_id {
        Some(account) => link(db, &provider, account, &person).await?,
        None => sign_in_or_register(db, &municipality, &provider, person).await?,
    };
    let pepper = pepper.clone();
    db.write(move |conn| {
        let issued = one_time_codes::issue(
            conn,
            &pepper,
            CodePurpose::ProviderSignIn,
            &account,
            None,
            now(),
        )?;
        Ok(issued.code)
    })
    .await
}

/// The token's claims once openidconnect has checked it against the provider's keys; a key
/// id the cached keys lack makes them be fetched again (bounded, `client.rs`).
async fn verified(
    oidc: &Oidc,
    provider: &Provider,
    metadata: CoreProviderMetadata,
    secret: &str,
    id_token: &CoreIdToken,
    nonce: &Nonce,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let check =
        |keys: CoreJsonWebKeySet| -> Result<std::result::Result<(), ClaimsVerificationError>> {
            let client = client(
                oidc,
                provider,
                metadata.clone().set_jwks(keys),
                Some(secret.to_string()),
            )?;
            let verifier = client.id_token_verifier();
            let outcome = id_token.claims(&verifier, nonce).map(|_| ());
            Ok(outcome)
        };
    let keys = oidc.keys(&metadata, false).await?.unwrap_or_default();
    let mut outcome = check(keys)?;
    if let Err(ClaimsVerificationError::SignatureVerification(
        SignatureVerificationError::NoMatchingKey,
    )) = outcome
    {
        if let Some(fresh) = oidc.keys(&metadata, true).await? {
            outcome = check(fresh)?;
        }
    }
    outcome.map_err(refusal)?;
    claims::payload(&id_token.to_string())
}

/// Each way an ID token fails its checks, by code.
fn refusal(err: ClaimsVerificationError) -> Error {
    let (code, detail) = match err {
        ClaimsVerificationError::Expired(_) => (
            "oidc_token_expired",
            "The identity provider's answer has expired.",
        ),
        ClaimsVerificationError::InvalidAudience(_) => (
            "oidc_audience_invalid",
            "The identity provider's answer was meant for another service.",
        ),
        ClaimsVerificationError::InvalidIssuer(_) => (
            "oidc_issuer_invalid",
            "The answer does not come from this municipality's identity provider.",
        ),
        ClaimsVerificationError::InvalidNonce(_) => (
            "oidc_nonce_invalid",
            "The identity provider's answer belongs to another sign-in.",
        ),
        ClaimsVerificationError::SignatureVerification(_) => (
            "oidc_signature_invalid",
            "The identity provider's answer is not signed by its keys.",
        ),
        _ => return claims::token_invalid(),
    };
    Error::refused(code, detail)
}

/// Forgets sign-ins never finished (run by the scheduler).
pub async fn forget_expired(db: &Db) -> Result<usize> {
    db.write(|conn| Ok::<_, Error>(rows::forget_expired_requests(conn, now())?))
        .await
}

/// Trades the callback's single-use code for a session, like a login.
pub async fn finish(db: &Db, auth: &AuthState, pepper: &Pepper, code: String) -> Result<Tokens> {
    let pepper = pepper.clone();
    let account = db
        .write(move |conn| {
            let account = one_time_codes::redeem_link(
                conn,
                &pepper,
                CodePurpose::ProviderSignIn,
                &code,
                now(),
            )?;
            Ok::<_, Error>(account_rows::by_id(conn, &account)?)
        })
        .await?;
    if account.status != AccountStatus::Active {
        return Err(Error::invalid_credentials());
    }
    crate::service::auth::start_session(db, auth, account).await
}
