//! A municipality's provider, as its admin configures it. Saving fetches the provider's
//! discovery document (and keys) and refuses one that cannot serve the flow; the client secret
//! is write-only: stored sealed, never shown again.

use std::collections::BTreeMap;

use openidconnect::core::{CoreProviderMetadata, CoreResponseType};
use openidconnect::ResponseTypes;

use super::{secret_context, Oidc};
use crate::auth::sealing::Sealer;
use crate::db::identity_providers::{self as rows, Provider};
use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::domain::{FieldError, ValidationErrors, VerificationMethod};
use crate::service::residents::verifications;
use crate::service::{audit_log, now, Actor};
use crate::service::{Error, Result};

/// What an admin sends. The secret may be left out to keep the one stored.
pub struct ProviderInput {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub national_id_claim: String,
    pub birth_date_claim: Option<String>,
    pub name_claim: Option<String>,
    pub scopes: Vec<String>,
    pub button_labels: BTreeMap<String, String>,
}

/// The provider as its admin sees it: everything but the secret, of which only whether one
/// is set.
pub struct ProviderSettings {
    pub provider: Provider,
    pub client_secret_set: bool,
    pub redirect_uri: String,
}

/// The municipality's provider, if configured.
pub async fn show(
    db: &Db,
    oidc: &Oidc,
    municipality: &Municipality,
) -> Result<Option<ProviderSettings>> {
    let id = municipality.id.clone();
    let provider = db
        .read(move |conn| Ok::<_, Error>(rows::of_municipality(conn, &id)?))
        .await?;
    Ok(provider.map(|provider| ProviderSettings {
        client_secret_set: !provider.client_secret_sealed.is_empty(),
        redirect_uri: oidc.redirect_uri().to_string(),
        provider,
    }))
}

/// A claim's or scope's name: what providers use (letters, digits, `_ . : / -`), bounded.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:/-".contains(&b))
}

fn check_name(field: &str, value: &str, errors: &mut ValidationErrors) -> Option<String> {
    let value = value.trim();
    if is_name(value) {
        Some(value.to_string())
    } else {
        errors.push(FieldError::new(
            field,
            "invalid_claim_name",
            "Give a claim name of letters, digits and _ . : / - (at most 100).",
        ));
        None
    }
}

/// An issuer is an `https` URL; plain `http` only on this machine (a provider under test).
fn issuer_ok(url: &str) -> bool {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
    let ok_scheme = url.starts_with("https://")
        || loopback.iter().any(|p| {
            url.strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.starts_with([':', '/']))
        });
    ok_scheme && url.len() <= 500 && !url.contains(['?', '#', ' '])
}

/// The input's checked fields, every bad one named.
fn checked(input: &ProviderInput, municipality: &Municipality) -> Result<ProviderInput> {
    let mut errors = ValidationErrors::new();
    let issuer_url = input.issuer_url.trim().to_string();
    if !issuer_ok(&issuer_url) {
        errors.push(FieldError::new(
            "issuer_url",
            "invalid_url",
            "Give the provider's issuer URL (https).",
        ));
    }
    let client_id = input.client_id.trim().to_string();
    if client_id.is_empty() || client_id.len() > 255 {
        errors.push(FieldError::new(
            "client_id",
            "invalid_client_id",
            "Give the client id the provider issued (1 to 255 characters).",
        ));
    }
    if let Some(secret) = &input.client_secret {
        if secret.is_empty() || secret.len() > 1000 {
            errors.push(FieldError::new(
                "client_secret",
                "invalid_client_secret",
                "Give the client secret the provider issued.",
            ));
        }
    }
    let national_id_claim = check_name("national_id_claim", &input.national_id_claim, &mut errors);
    let optional = |field: &str, v: &Option<String>, errors: &mut ValidationErrors| match v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(None),
        Some(v) => check_name(field, v, errors).map(Some),
    };
    let birth_date_claim = optional("birth_date_claim", &input.birth_date_claim, &mut errors);
    let name_claim = optional("name_claim", &input.name_claim, &mut errors);
    let scopes: Vec<String> = input
        .scopes
        .iter()
        .filter_map(|s| check_name("scopes", s, &mut errors))
        .filter(|s| s != "openid")
        .collect();
    let languages = &municipality.settings.languages;
    let default = municipality.settings.default_language.as_str();
    for (language, label) in &input.button_labels {
        let enabled = languages.iter().any(|l| l.as_str() == language);
        let length = label.trim().chars().count();
        if !enabled || length == 0 || length > 60 {
            errors.push(FieldError::new(
                format!("button_labels.{language}"),
                "invalid_button_label",
                "Give a label of 1 to 60 characters for each enabled language.",
            ));
        }
    }
    if !input.button_labels.contains_key(default) {
        errors.push(FieldError::new(
            format!("button_labels.{default}"),
            "required",
            "Give the button's label in the default language.",
        ));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(ProviderInput {
        issuer_url,
        client_id,
        client_secret: input.client_secret.clone(),
        national_id_claim: national_id_claim.expect("checked"),
        birth_date_claim: birth_date_claim.expect("checked"),
        name_claim: name_claim.expect("checked"),
        scopes,
        button_labels: input
            .button_labels
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect(),
    })
}

/// Whether the provider can serve this flow: the authorization code and a token endpoint.
/// (PKCE is always sent; a provider that ignores it still gets `state` and `nonce` checked.)
fn serves_the_flow(metadata: &CoreProviderMetadata) -> bool {
    let code = ResponseTypes::new(vec![CoreResponseType::Code]);
    metadata.response_types_supported().contains(&code) && metadata.token_endpoint().is_some()
}

/// Configures (or reconfigures) the municipality's provider; audit-logged without the secret.
pub async fn save(
    db: &Db,
    oidc: &Oidc,
    sealer: &Sealer,
    actor: &Actor,
    municipality: &Municipality,
    input: ProviderInput,
) -> Result<ProviderSettings> {
    let input = checked(&input, municipality)?;
    let metadata = oidc.discover(&input.issuer_url).await?;
    if !serves_the_flow(&metadata) {
        return Err(Error::field(
            "issuer_url",
            "provider_unsuitable",
            "The provider does not offer the authorization code flow with PKCE (S256).",
        ));
    }
    let metadata = serde_json::to_value(&metadata).map_err(Error::internal)?;
    let context = secret_context(&municipality.id);
    let new_secret = input
        .client_secret
        .as_ref()
        .map(|s| sealer.seal(s.as_bytes(), &context));
    let (actor, municipality_id) = (actor.clone(), municipality.id.clone());
    let provider = db
        .write(move |conn| {
            let before = rows::of_municipality(conn, &municipality_id)?;
            let client_secret_sealed = match (new_secret, &before) {
                (Some(sealed), _) => sealed,
                (None, Some(before)) => before.client_secret_sealed.clone(),
                (None, None) => {
                    return Err(Error::field(
                        "client_secret",
                        "required",
                        "Give the client secret the provider issued.",
                    ))
                }
            };
            let at = now();
            let provider = Provider {
                municipality_id: municipality_id.clone(),
                issuer_url: input.issuer_url,
                client_id: input.client_id,
                client_secret_sealed,
                national_id_claim: input.national_id_claim,
                birth_date_claim: input.birth_date_claim,
                name_claim: input.name_claim,
                scopes: input.scopes,
                button_labels: input.button_labels,
                metadata,
                created_at: before.as_ref().map_or(at, |b| b.created_at),
                updated_at: at,
            };
            rows::put(conn, &provider)?;
            audit_log::append(
                conn,
                &actor,
                &municipality_id,
                "identity_provider.configured",
                "municipality",
                &municipality_id,
                serde_json::json!({
                    "issuer_url": provider.issuer_url,
                    "client_id": provider.client_id,
                    "national_id_claim": provider.national_id_claim,
                    "secret_changed": input.client_secret.is_some(),
                }),
            )?;
            Ok(provider)
        })
        .await?;
    Ok(ProviderSettings {
        client_secret_set: true,
        redirect_uri: oidc.redirect_uri().to_string(),
        provider,
    })
}

/// Stops offering provider sign-in; accounts it registered keep their national ID hash and
/// may log in again once a provider is configured (or by password after a reset).
pub async fn remove(db: &Db, actor: &Actor, municipality: &Municipality) -> Result<()> {
    let (actor, municipality_id) = (actor.clone(), municipality.id.clone());
    db.write(move |conn| {
        if !rows::remove(conn, &municipality_id)? {
            return Err(Error::not_found());
        }
        audit_log::append(
            conn,
            &actor,
            &municipality_id,
            "identity_provider.removed",
            "municipality",
            &municipality_id,
            serde_json::json!({}),
        )
    })
    .await
}

/// The labels of the sign-in button when the municipality offers provider sign-in.
pub async fn button_labels(
    db: &Db,
    municipality: &Municipality,
) -> Result<Option<BTreeMap<String, String>>> {
    // A provider the city configured but does not (yet) offer as a verification method is
    // not offered to residents.
    if verifications::check_offered(municipality, VerificationMethod::Provider).is_err() {
        return Ok(None);
    }
    let id = municipality.id.clone();
    db.read(move |conn| Ok::<_, Error>(rows::of_municipality(conn, &id)?.map(|p| p.button_labels)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issuer_is_https_or_this_machine() {
        assert!(issuer_ok("https://giris.turkiye.gov.tr"));
        assert!(issuer_ok("http://127.0.0.1:4000"));
        assert!(issuer_ok("http://localhost/realms/x"));
        assert!(!issuer_ok("http://idp.example.org"));
        assert!(!issuer_ok("http://127.0.0.1.evil.example"));
        assert!(!issuer_ok("https://idp.example.org/?x=1"));
        assert!(!issuer_ok("ftp://idp"));
    }

    #[test]
    fn claim_names_are_plain() {
        assert!(is_name("national_id"));
        assert!(is_name("urn:tr:tckn"));
        assert!(!is_name(""));
        assert!(!is_name("a b"));
        assert!(!is_name(&"a".repeat(101)));
    }
}
