//! Rows of `identity_providers`, `oidc_requests` and `provider_links`: a municipality's
//! OpenID Connect provider, the sign-ins under way through it, and the accounts that use it
//! (issue 19; the rules are in `service::oidc`).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{identity_providers, oidc_requests, provider_links};
use super::DbConn;
use crate::domain::ids::{AccountId, MunicipalityId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = identity_providers)]
struct ProviderRow {
    municipality_id: MunicipalityId,
    issuer_url: String,
    client_id: String,
    client_secret_sealed: String,
    national_id_claim: String,
    birth_date_claim: Option<String>,
    name_claim: Option<String>,
    scopes: String,
    button_labels: String,
    metadata: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A municipality's provider, its JSON columns decoded.
#[derive(Debug, Clone)]
pub struct Provider {
    pub municipality_id: MunicipalityId,
    pub issuer_url: String,
    pub client_id: String,
    /// Sealed for `oidc-client-secret:<municipality id>`; never leaves the service in clear.
    pub client_secret_sealed: String,
    pub national_id_claim: String,
    pub birth_date_claim: Option<String>,
    pub name_claim: Option<String>,
    /// Scopes asked beyond `openid`.
    pub scopes: Vec<String>,
    /// The sign-in button's label by language tag.
    pub button_labels: BTreeMap<String, String>,
    /// The discovery document as fetched and checked when the admin saved.
    pub metadata: serde_json::Value,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A stored provider whose JSON does not decode: a bug or a hand-edited database.
#[derive(Debug, thiserror::Error)]
#[error("stored identity provider: {0}")]
struct Undecodable(String);

impl TryFrom<ProviderRow> for Provider {
    type Error = diesel::result::Error;

    fn try_from(row: ProviderRow) -> QueryResult<Self> {
        let invalid = |what: &str, e: serde_json::Error| {
            diesel::result::Error::DeserializationError(Box::new(Undecodable(format!(
                "{what}: {e}"
            ))))
        };
        Ok(Self {
            button_labels: serde_json::from_str(&row.button_labels)
                .map_err(|e| invalid("button_labels", e))?,
            metadata: serde_json::from_str(&row.metadata).map_err(|e| invalid("metadata", e))?,
            scopes: row.scopes.split_whitespace().map(String::from).collect(),
            municipality_id: row.municipality_id,
            issuer_url: row.issuer_url,
            client_id: row.client_id,
            client_secret_sealed: row.client_secret_sealed,
            national_id_claim: row.national_id_claim,
            birth_date_claim: row.birth_date_claim,
            name_claim: row.name_claim,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Provider> for ProviderRow {
    fn from(p: &Provider) -> Self {
        Self {
            municipality_id: p.municipality_id.clone(),
            issuer_url: p.issuer_url.clone(),
            client_id: p.client_id.clone(),
            client_secret_sealed: p.client_secret_sealed.clone(),
            national_id_claim: p.national_id_claim.clone(),
            birth_date_claim: p.birth_date_claim.clone(),
            name_claim: p.name_claim.clone(),
            scopes: p.scopes.join(" "),
            button_labels: serde_json::to_string(&p.button_labels).expect("strings serialise"),
            metadata: p.metadata.to_string(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The municipality's provider, if it has one.
pub fn of_municipality(
    conn: &mut DbConn,
    municipality_id: &MunicipalityId,
) -> QueryResult<Option<Provider>> {
    identity_providers::table
        .find(municipality_id)
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?
        .map(Provider::try_from)
        .transpose()
}

/// Stores the municipality's provider, replacing the one before.
pub fn put(conn: &mut DbConn, provider: &Provider) -> QueryResult<()> {
    diesel::delete(identity_providers::table.find(&provider.municipality_id)).execute(conn)?;
    diesel::insert_into(identity_providers::table)
        .values(ProviderRow::from(provider))
        .execute(conn)
        .map(|_| ())
}

/// Removes the municipality's provider and the sign-ins under way through it; `false` when
/// there was none.
pub fn remove(conn: &mut DbConn, municipality_id: &MunicipalityId) -> QueryResult<bool> {
    diesel::delete(oidc_requests::table.filter(oidc_requests::municipality_id.eq(municipality_id)))
        .execute(conn)?;
    let n = diesel::delete(identity_providers::table.find(municipality_id)).execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oidc_requests)]
pub struct RequestRow {
    pub state_hash: String,
    pub municipality_id: MunicipalityId,
    pub nonce: String,
    pub pkce_verifier_sealed: String,
    pub link_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_request(conn: &mut DbConn, row: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(oidc_requests::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Takes the live request with this state hash: it is deleted in the same statement's
/// transaction, so of two callbacks with one `state` only one finds it.
pub fn take_request(
    conn: &mut DbConn,
    state_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<RequestRow>> {
    let Some(row) = oidc_requests::table
        .find(state_hash)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let taken = diesel::delete(oidc_requests::table.find(state_hash)).execute(conn)?;
    Ok((taken == 1 && row.expires_at > now).then_some(row))
}

/// Forgets sign-ins that were never finished.
pub fn forget_expired_requests(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(oidc_requests::table.filter(oidc_requests::expires_at.le(now))).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = provider_links)]
pub struct LinkRow {
    pub account_id: AccountId,
    pub municipality_id: MunicipalityId,
    pub issuer_url: String,
    pub linked_at: NaiveDateTime,
}

pub fn link_of(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Option<LinkRow>> {
    provider_links::table
        .find(account_id)
        .select(LinkRow::as_select())
        .first(conn)
        .optional()
}

/// Links an account to its municipality's provider (again: the issuer may have changed).
pub fn put_link(conn: &mut DbConn, row: &LinkRow) -> QueryResult<()> {
    diesel::delete(provider_links::table.find(&row.account_id)).execute(conn)?;
    diesel::insert_into(provider_links::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn delete_link(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<usize> {
    diesel::delete(provider_links::table.find(account_id)).execute(conn)
}
