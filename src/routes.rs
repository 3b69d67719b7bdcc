//! Every HTTP operation, listed once. The router (`startup.rs`), the OpenAPI document
//! (`openapi.rs`) and the 405 answers for a known path asked with a method it lacks are all
//! built from these tables, so they cannot drift apart: a handler missing here is neither
//! served nor documented.
//!
//! Each entry is a handler carrying both an actix route macro (`#[get(...)]`) and a
//! `#[utoipa::path(...)]` annotation; the document's path is the full one, the handler's is
//! relative to its scope ([`API_SCOPE`] for the public and admin tables).

use std::collections::BTreeSet;

use actix_web::web;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use crate::api::{self, problems};
use crate::{admin, api::ops};

/// Where the public API and the admin module are mounted.
pub const API_SCOPE: &str = "/api/v1";

/// One operation: how to register it, and what the document says about it.
pub struct Route {
    register: fn(&mut web::ServiceConfig),
    /// The path as the document gives it, from the root (`/api/v1/...` or `/healthz`).
    pub path: fn() -> String,
    pub methods: fn() -> Vec<HttpMethod>,
    /// The operation with its tags (which utoipa keeps apart from it).
    pub operation: fn() -> Operation,
    /// The schemas the operation refers to, for the document's `components`. utoipa's own
    /// `paths(...)` list and `utoipa-actix-web` collect them through this same (hidden) trait.
    pub schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

macro_rules! route {
    ($handler:path) => {
        Route {
            register: |cfg| {
                cfg.service($handler);
            },
            path: <$handler as utoipa::Path>::path,
            methods: <$handler as utoipa::Path>::methods,
            operation: || {
                let mut operation = <$handler as utoipa::Path>::operation();
                let tags = <$handler as utoipa::__dev::Tags<'static>>::tags();
                let operation_tags = operation.tags.get_or_insert_with(Vec::new);
                operation_tags.extend(tags.into_iter().map(String::from));
                operation
            },
            schemas: <$handler as utoipa::__dev::SchemaReferences>::schemas,
        }
    };
}

/// Liveness, readiness and metrics, at the root of every listener.
pub const OPERATIONS: &[Route] = &[
    route!(ops::healthz),
    route!(ops::readyz),
    route!(ops::metrics),
];

/// The public API under [`API_SCOPE`].
pub const PUBLIC: &[Route] = &[
    route!(api::auth::login),
    route!(api::auth::refresh),
    route!(api::auth::logout),
    route!(api::auth::me),
    route!(api::auth::change_password),
    route!(api::recovery::request),
    route!(api::recovery::reset),
    route!(api::recovery::accept_invitation),
    route!(api::countries::list),
    route!(api::municipalities::list),
    route!(api::municipalities::show),
    route!(api::municipalities::list_districts),
    route!(api::cycles::list),
    route!(api::cycles::create),
    route!(api::cycles::show),
    route!(api::cycles::update),
    route!(api::cycles::transition),
    route!(api::budgets::list),
    route!(api::budgets::create),
    route!(api::budgets::show),
    route!(api::budgets::update),
    route!(api::budgets::remove),
    route!(api::proposals::list),
    route!(api::proposals::list_in_cycle),
    route!(api::proposals::create),
    route!(api::proposals::show),
    route!(api::proposals::update),
    route!(api::proposals::review),
    route!(api::proposals::withdraw),
    route!(api::ballots::cast),
    route!(api::ballots::own),
    route!(api::ballots::standing),
    route!(api::ballots::paper),
    route!(api::ballots::receipt),
    route!(api::ballots::turnout),
    route!(api::audit::list),
    route!(api::results::tally),
    route!(api::results::results),
    route!(api::exports::budget_pb),
    route!(api::exports::cycle_archive),
    route!(api::exports::public_keys),
    route!(api::exports::results_csv),
    route!(api::stats::cycle_stats),
    route!(api::stats::cycle_stats_csv),
    route!(api::residents::register),
    route!(api::residents::list),
    route!(api::residents::verify),
    route!(api::residents::reject),
    route!(api::residents::release),
    route!(api::residents::show_profile),
    route!(api::residents::update_profile),
    route!(api::residents::delete_me),
    route!(api::oidc::sign_in_options),
    route!(api::oidc::start),
    route!(api::oidc::link),
    route!(api::oidc::callback),
    route!(api::oidc::finish),
    route!(api::resident_codes::issue_letter_code),
    route!(api::resident_codes::enter_letter_code),
    route!(api::resident_codes::issue_counter_code),
    route!(api::resident_codes::reset_at_counter),
    route!(api::email_codes::send_email_code),
    route!(api::email_codes::confirm_email_code),
];

/// The municipality admin module under [`API_SCOPE`]; with `KURULTAI_ADMIN_BIND` set, served
/// only on the admin listener.
pub const ADMIN: &[Route] = &[
    route!(admin::municipalities::create),
    route!(admin::settings::show),
    route!(admin::settings::update),
    route!(admin::districts::create),
    route!(admin::districts::update),
    route!(admin::districts::delete),
    route!(admin::staff::list),
    route!(admin::staff::create),
    route!(admin::staff::update),
    route!(admin::staff::disable),
    route!(admin::invitation::resend),
    route!(admin::voter_roll::upload),
    route!(admin::identity_provider::show),
    route!(admin::identity_provider::update),
    route!(admin::identity_provider::remove),
];

/// Every table, for the document.
pub const ALL: &[&[Route]] = &[OPERATIONS, PUBLIC, ADMIN];

/// Registers the tables' handlers, then for each of their paths a resource that answers every
/// other method 405 `method_not_allowed` (it must come after the handlers: actix tries the
/// resources in order). `scope` is the prefix the handlers' own paths are relative to.
pub fn register(cfg: &mut web::ServiceConfig, scope: &str, tables: &[&[Route]]) {
    for route in tables.iter().copied().flatten() {
        (route.register)(cfg);
    }
    for path in relative_paths(scope, tables) {
        cfg.service(web::resource(path).to(problems::method_not_allowed));
    }
}

/// The tables' distinct paths, relative to `scope`.
fn relative_paths(scope: &str, tables: &[&[Route]]) -> BTreeSet<String> {
    tables
        .iter()
        .copied()
        .flatten()
        .map(|route| {
            let path = (route.path)();
            match path.strip_prefix(scope) {
                Some(relative) => relative.to_string(),
                None => panic!("{path} is not under {scope:?}"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_tables_are_under_the_api_scope_and_operations_are_not() {
        assert!(relative_paths(API_SCOPE, &[PUBLIC, ADMIN])
            .iter()
            .all(|p| p.starts_with('/')));
        assert!(OPERATIONS
            .iter()
            .all(|r| !(r.path)().starts_with(API_SCOPE)));
    }

    #[test]
    fn no_operation_is_listed_twice() {
        let mut seen = BTreeSet::new();
        for route in ALL.iter().copied().flatten() {
            for method in (route.methods)() {
                let key = (method, (route.path)());
                assert!(seen.insert(key.clone()), "{} is listed twice", key.1);
            }
        }
    }
}
