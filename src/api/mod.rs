//! The public HTTP API under `/api/v1`: extract, authorise, map to and from JSON. The rules
//! live in `service/`, the queries in `db/`. The municipality admin module has its own
//! scope in `admin/` so a deployment can serve it on an internal listener. Which handler
//! serves which route is listed once, in `routes.rs`.

pub mod attachment;
pub mod audit;
pub mod auth;
pub mod ballots;
pub mod body_deadline;
pub mod budgets;
pub mod by_slug;
pub mod closed_sets;
pub mod countries;
pub mod cycles;
pub mod email_codes;
pub mod examples;
pub mod exports;
pub mod lang;
pub mod municipalities;
pub mod oidc;
pub mod ops;
pub mod patch;
pub mod problems;
pub mod proposals;
pub mod recovery;
pub mod resident_codes;
pub mod residents;
pub mod results;
pub mod stats;
pub mod text_guard;
pub mod views;
