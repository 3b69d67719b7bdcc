//! The OpenAPI document, generated from the handlers' annotations. `openapi.yaml` at the top
//! of the repository is this document written out; `tests/openapi_in_step.rs` fails when they
//! differ (`cargo run -- openapi > openapi.yaml` brings the file up to date).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{admin, api};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kurultai",
        description = "Participatory budgeting for the municipalities of the Turkic states. \
            Errors are application/problem+json (RFC 9457) with a stable `code`. Any request \
            whose body, query, path or `Idempotency-Key` holds a control character (line \
            breaks and tabs are allowed only in descriptions and reasons), a bidirectional \
            override or isolate, or text made only of invisible characters is answered 422 \
            `invalid_text`; text is stored in Unicode NFC.",
        license(name = "AGPL-3.0-or-later"),
    ),
    paths(
        api::ops::healthz,
        api::ops::readyz,
        api::ops::metrics,
        api::auth::login,
        api::auth::refresh,
        api::auth::logout,
        api::auth::me,
        api::municipalities::list,
        api::municipalities::show,
        api::municipalities::list_districts,
        api::cycles::list,
        api::cycles::create,
        api::cycles::show,
        api::cycles::update,
        api::cycles::transition,
        api::budgets::list,
        api::budgets::create,
        api::budgets::show,
        api::budgets::update,
        api::proposals::list,
        api::proposals::list_in_cycle,
        api::proposals::create,
        api::proposals::show,
        api::proposals::update,
        api::proposals::review,
        api::proposals::withdraw,
        api::ballots::cast,
        api::ballots::own,
        api::ballots::paper,
        api::ballots::receipt,
        api::ballots::turnout,
        api::audit::list,
        api::results::tally,
        api::results::results,
        api::exports::budget_pb,
        api::exports::cycle_archive,
        api::exports::public_keys,
        api::exports::results_csv,
        api::stats::cycle_stats,
        api::stats::cycle_stats_csv,
        admin::municipalities::create,
        admin::settings::show,
        admin::settings::update,
        admin::districts::create,
        admin::districts::update,
        admin::districts::delete,
        admin::staff::list,
        admin::staff::create,
        admin::staff::update,
        admin::staff::disable,
        admin::voter_roll::upload,
        api::residents::register,
        api::residents::list,
        api::residents::verify,
        api::residents::reject,
        api::residents::show_profile,
        api::residents::update_profile,
        api::residents::delete_me,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "auth", description = "Logging in and tokens"),
        (name = "municipalities", description = "Public information about municipalities"),
        (name = "admin", description = "The municipality admin module"),
        (name = "cycles", description = "Budget cycles and their lifecycle"),
        (name = "budgets", description = "Budgets with their ballot and counting rules"),
        (name = "proposals", description = "Projects competing for a budget"),
        (name = "ballots", description = "Casting ballots, paper batches and receipts"),
        (name = "results", description = "Counting and results"),
        (name = "exports", description = "Files for auditors to take away"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "residents", description = "Registration, review and a resident's own profile"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as YAML, exactly as committed in `openapi.yaml`.
pub fn yaml() -> String {
    ApiDoc::openapi()
        .to_yaml()
        .expect("the OpenAPI document serialises")
}
