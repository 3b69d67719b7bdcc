//! Closed sets of strings the API reads and writes that have no Rust enum yet (the handlers
//! and services still carry them as `String`). These types exist only for the OpenAPI
//! document, so that clients get an `enum` rather than prose: fields name them with
//! `#[schema(value_type = ...)]`. When a domain enum takes a set over, point the field at it
//! and delete the type here. The sets the domain already has (roles, cycle statuses,
//! policies, ID schemes and check-digit policies, ballot and counting rules) derive their schema in `domain/`.

use utoipa::ToSchema;

// The API shows these of `domain::AccountStatus` (a deleted account has no view); an admin
// sets only `active` and `disabled`.
/// Whether an account may log in (`invited`: not until the invitee sets a password).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
    Invited,
}

/// The roles a municipality admin may give a staff account.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum StaffRole {
    MunicipalityAdmin,
    Official,
    Auditor,
}

/// An official's decision on a proposal.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Reject,
}

/// The order of a proposal list: by submission (the default), newest first, by cost up or
/// down, or by title.
#[derive(ToSchema)]
pub enum ProposalSort {
    #[schema(rename = "submitted")]
    Submitted,
    #[schema(rename = "newest")]
    Newest,
    #[schema(rename = "cost")]
    CostAscending,
    #[schema(rename = "-cost")]
    CostDescending,
    #[schema(rename = "title")]
    Title,
}

/// The database a server runs on.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
}

/// What a cycle list may embed.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CycleInclude {
    Budgets,
}

/// Who acted in an audit entry: a staff or resident role, `system` for scheduled acts (a
/// scheduled close), `operator` for the command line (`kurultai admin …`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ActorRole {
    PlatformAdmin,
    MunicipalityAdmin,
    Official,
    Auditor,
    Resident,
    System,
    Operator,
}

/// The liveness answer's one value.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// The readiness answer's one value (a database that does not answer is a 503 problem).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
}
