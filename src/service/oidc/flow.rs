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
//! A sign-in without a session whose national ID belongs to an account registered by typing
//! the ID, not linked to the provider, is refused (`id_registered_without_provider`): the
//! person who typed the ID may not be its owner, and logging the provider's person into that
//! account would hand them whatever the typist did, or let both use it. The owner logs in with
//! the password and links, or asks the office (docs/identity.md).

use chrono::{Duration, NaiveDateTime};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce, OAuth2TokenResponse as _,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse as _,
};

use super::{claims, secret_context, Oidc};
use crate::auth::sealing::Sealer;
use crate::auth::{password, AuthState};
use crate::db::accounts::{self as account_rows, AccountRow};
use crate::db::identity_providers::{self as rows, LinkRow, Provider, RequestRow};
use crate::db::municipalities::{self, Municipality};
use crate::db::residents::{self as resident_rows, ResidentRow};
use crate::db::{Db, DbConn};
use crate::domain::ids::{AccountId, MunicipalityId};
use crate::domain::one_time_code::CodePurpose;
use crate::domain::{AccountStatus, Pepper, ResidentStatus, Role};
use crate::service::auth::Tokens;
use crate::service::{hashing, now, one_time_codes, Actor};
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

fn state_invalid() -> Error {
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

/// Starts a sign-in at the municipality's provider; with `link`, for that logged-in resident
/// of the municipality to link their account.
pub async fn start(
    db: &Db,
    oidc: &Oidc,
    sealer: &Sealer,
    pepper: &Pepper,
    municipality: &Municipality,
    link: Option<&Actor>,
) -> Result<Started> {
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

/// The person the provider vouched for, checked.
struct Person {
    national_id_hash: String,
    full_name: Option<String>,
    birth_date: Result<chrono::NaiveDate>,
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

/// Links a logged-in resident's account when the provider's ID is the one they registered.
async fn link(
    db: &Db,
    provider: &Provider,
    account: AccountId,
    person: &Person,
) -> Result<AccountId> {
    let (hash, issuer, municipality_id) = (
        person.national_id_hash.clone(),
        provider.issuer_url.clone(),
        provider.municipality_id.clone(),
    );
    db.write(move |conn| {
        let resident = resident_rows::by_account(conn, &account)?.ok_or_else(Error::forbidden)?;
        if resident.national_id_hash != hash {
            return Err(Error::refused(
                "provider_id_mismatch",
                "The identity provider vouches for another national ID than this account's.",
            ));
        }
        let at = now();
        rows::put_link(
            conn,
            &LinkRow {
                account_id: account.clone(),
                municipality_id,
                issuer_url: issuer,
                linked_at: at,
            },
        )?;
        if resident.status == ResidentStatus::Pending {
            verified_by_provider(conn, &account, at)?;
        }
        Ok(account)
    })
    .await
}

/// issue 19: verification method — the one place a resident becomes verified because their
/// municipality's provider vouched for their national ID (registration inserts the row with
/// this status; linking a pending account sets it).
fn verified_by_provider(conn: &mut DbConn, account: &AccountId, at: NaiveDateTime) -> Result<()> {
    // issue 19: verification method
    resident_rows::set_status(conn, account, PROVIDER_STATUS, None, None, at)?;
    Ok(())
}

/// The status the provider's word gives (see [`verified_by_provider`]).
const PROVIDER_STATUS: ResidentStatus = ResidentStatus::Verified;

fn id_registered_without_provider() -> Error {
    Error::conflict(
        "id_registered_without_provider",
        "This national ID is registered here with a password. Log in with it and link the \
         identity provider from your account, or ask the municipality's office.",
    )
}

/// Logs in the account registered for this ID through the provider, or registers one.
async fn sign_in_or_register(
    db: &Db,
    municipality: &Municipality,
    provider: &Provider,
    person: Person,
) -> Result<AccountId> {
    let (m, hash) = (municipality.id.clone(), person.national_id_hash.clone());
    let known = db
        .read(move |conn| {
            let Some(resident) = resident_rows::by_hash(conn, &m, &hash)? else {
                return Ok::<_, Error>(None);
            };
            let linked = rows::link_of(conn, &resident.account_id)?.is_some();
            Ok(Some((resident.account_id, linked)))
        })
        .await?;
    match known {
        Some((account, true)) => Ok(account),
        Some((_, false)) => Err(id_registered_without_provider()),
        None => register(db, municipality, provider, person).await,
    }
}

/// A first sign-in: a verified resident, with a password nobody knows (a password can be set
/// later through recovery); the account is linked to the provider.
async fn register(
    db: &Db,
    municipality: &Municipality,
    provider: &Provider,
    person: Person,
) -> Result<AccountId> {
    let full_name = person.full_name.ok_or_else(|| {
        Error::refused(
            "oidc_claim_missing",
            "The identity provider did not send the person's name.",
        )
    })?;
    let birth_date = person.birth_date?;
    let password_hash = unusable_password_hash().await?;
    let municipality = municipality.clone();
    let issuer = provider.issuer_url.clone();
    let hash = person.national_id_hash;
    db.write(move |conn| {
        let at = now();
        let account = AccountRow {
            id: AccountId::new(),
            municipality_id: Some(municipality.id.clone()),
            tenant_key: account_rows::tenant_key(Some(&municipality.id)),
            role: Role::Resident,
            email: None,
            display_name: full_name.clone(),
            password_hash,
            status: AccountStatus::Active,
            created_at: at,
            updated_at: at,
            last_login_at: None,
        };
        account_rows::insert(conn, &account)?;
        let resident = ResidentRow {
            account_id: account.id.clone(),
            municipality_id: municipality.id.clone(),
            national_id_hash: hash,
            full_name,
            birth_date,
            district_id: None,
            phone: None,
            language: None,
            status: ResidentStatus::Pending,
            status_reason: None,
            reviewed_by: None,
            reviewed_at: None,
            created_at: at,
            updated_at: at,
        };
        resident_rows::insert(conn, &resident).map_err(|err| {
            if crate::service::residents::is_unique_violation(&err) {
                // Registered a moment ago by a concurrent sign-in: start again to log in.
                state_invalid()
            } else {
                err.into()
            }
        })?;
        verified_by_provider(conn, &account.id, at)?;
        rows::put_link(
            conn,
            &LinkRow {
                account_id: account.id.clone(),
                municipality_id: municipality.id.clone(),
                issuer_url: issuer,
                linked_at: at,
            },
        )?;
        Ok(account.id)
    })
    .await
}

/// The hash of a random password no one is told: an account made by the provider cannot be
/// entered by password until its owner sets one.
async fn unusable_password_hash() -> Result<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let random = URL_SAFE_NO_PAD.encode(bytes);
    let new = password::NewPassword::parse(&random, None).map_err(Error::internal)?;
    hashing(move || password::hash(&new))
        .await?
        .map_err(Error::internal)
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
