//! The public HTTP API under `/api/v1`: extract, authorise, map to and from JSON. The rules
//! live in `service/`, the queries in `db/`. The municipality admin module has its own
//! scope in `admin/` so a deployment can serve it on an internal listener.

pub mod audit;
pub mod auth;
pub mod ballots;
pub mod budgets;
pub mod by_slug;
pub mod cycles;
pub mod exports;
pub mod lang;
pub mod municipalities;
pub mod ops;
pub mod patch;
pub mod problems;
pub mod proposals;
pub mod residents;
pub mod results;
pub mod stats;
pub mod text_guard;
pub mod views;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(municipalities::list)
        .service(municipalities::show)
        .service(municipalities::list_districts)
        .service(cycles::list)
        .service(cycles::create)
        .service(cycles::show)
        .service(cycles::update)
        .service(cycles::transition)
        .service(budgets::list)
        .service(budgets::create)
        .service(budgets::show)
        .service(budgets::update)
        .service(proposals::list)
        .service(proposals::list_in_cycle)
        .service(proposals::create)
        .service(proposals::show)
        .service(proposals::update)
        .service(proposals::review)
        .service(proposals::withdraw)
        .service(ballots::cast)
        .service(ballots::own)
        .service(ballots::paper)
        .service(ballots::receipt)
        .service(ballots::turnout)
        .service(audit::list)
        .service(results::tally)
        .service(results::results)
        .service(exports::budget_pb)
        .service(exports::cycle_archive)
        .service(exports::public_keys)
        .service(exports::results_csv)
        .service(stats::cycle_stats)
        .service(stats::cycle_stats_csv)
        .service(residents::register)
        .service(residents::list)
        .service(residents::verify)
        .service(residents::reject)
        .service(residents::show_profile)
        .service(residents::update_profile)
        .service(residents::delete_me);
}

/// The public paths. Registered last (see [`method_fallbacks`]).
pub const PATHS: &[&str] = &[
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
    "/me",
    "/municipalities",
    "/municipalities/{slug}",
    "/municipalities/{slug}/districts",
    "/municipalities/{slug}/cycles",
    "/cycles/{id}",
    "/cycles/{id}/transition",
    "/cycles/{id}/budgets",
    "/budgets/{id}",
    "/budgets/{id}/proposals",
    "/cycles/{id}/proposals",
    "/proposals/{id}",
    "/proposals/{id}/review",
    "/proposals/{id}/withdraw",
    "/budgets/{id}/ballot",
    "/budgets/{id}/paper-ballots",
    "/receipts/{code}",
    "/budgets/{id}/turnout",
    "/municipalities/{slug}/audit-log",
    "/budgets/{id}/tally",
    "/budgets/{id}/results",
    "/budgets/{id}/export.pb",
    "/municipalities/{slug}/residents",
    "/municipalities/{slug}/residents/{id}/verify",
    "/municipalities/{slug}/residents/{id}/reject",
    "/me/profile",
];

/// Registered after every handler, so that a path this listener serves, asked with a method
/// it lacks, answers 405 rather than 404.
pub fn method_fallbacks(cfg: &mut web::ServiceConfig, paths: &[&str]) {
    for path in paths {
        cfg.service(web::resource(*path).to(problems::method_not_allowed));
    }
}
