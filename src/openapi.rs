//! The OpenAPI document, generated from the handlers' annotations. `openapi.yaml` at the top
//! of the repository is this document written out; `tests/openapi_in_step.rs` fails when they
//! differ (`cargo run -- openapi > openapi.yaml` brings the file up to date).

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::error::{Problem, PROBLEM_JSON};
use crate::routes;

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
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((
        url = "{origin}",
        description = "A Kurultai server. The API is under `/api/v1`; health, readiness and \
            metrics are at the root.",
        variables(("origin" = (
            default = "http://127.0.0.1:8080",
            description = "Scheme, host and port of the deployment"
        )))
    )),
    // The problem body is added to error responses by `ProblemBodies`; a query parameter's
    // schema is not collected from the handlers the way a body's is.
    components(schemas(
        Problem,
        crate::api::closed_sets::ProposalSort,
        crate::api::closed_sets::CycleInclude
    )),
    modifiers(&RouteTable, &BearerAuth, &ProblemBodies),
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

/// Every operation in `routes.rs`, with the schemas it refers to.
struct RouteTable;

impl Modify for RouteTable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut schemas = Vec::new();
        for route in routes::ALL.iter().copied().flatten() {
            openapi.paths.add_path_operation(
                (route.path)(),
                (route.methods)(),
                (route.operation)(),
            );
            (route.schemas)(&mut schemas);
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.extend(schemas);
    }
}

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

/// Every error response is a problem (RFC 9457): the annotations give each one its status and
/// description, and this pass gives them all the same `application/problem+json` body, and
/// every 429 and 503 its `Retry-After` header. Every operation that uses the database may answer
/// 503 `database_unavailable` (the database went away, or no connection came within the
/// checkout bound); the pass documents it on each, so that annotations need not repeat it.
struct ProblemBodies;

/// The operations that never touch the database, and so never answer 503.
const WITHOUT_DATABASE: &[&str] = &["getHealth", "getMetrics"];

impl Modify for ProblemBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let retry_after = HeaderBuilder::new()
            .schema(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1)),
            )
            .description(Some("Seconds to wait before trying again"))
            .build();
        let unavailable = ResponseBuilder::new()
            .description("The database does not answer (`database_unavailable`): try again later")
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let uses_database = !operation
                    .operation_id
                    .as_deref()
                    .is_some_and(|id| WITHOUT_DATABASE.contains(&id));
                if uses_database {
                    operation
                        .responses
                        .responses
                        .entry("503".to_string())
                        .or_insert_with(|| RefOr::T(unavailable.clone()));
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if status.starts_with('4') || status.starts_with('5') {
                        response
                            .content
                            .entry(PROBLEM_JSON.to_string())
                            .or_insert_with(|| problem.clone());
                    }
                    if status == "429" || status == "503" {
                        response
                            .headers
                            .entry("Retry-After".to_string())
                            .or_insert_with(|| retry_after.clone());
                    }
                }
            }
        }
    }
}

/// The operations of a path item, whatever their method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}
