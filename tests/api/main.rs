//! Black-box tests over HTTP against the real application (one binary, many modules, as in
//! zero2prod). SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set.

mod admin;
mod admin_listener;
mod archive;
mod audit;
mod auth;
mod ballots;
mod browser;
mod browser_languages;
mod browser_officials;
mod browser_proposals;
mod browser_results;
mod browser_standing;
mod browser_whole_cycle;
mod by_slug;
mod cycles;
mod end_to_end;
mod errors;
mod exports;
mod fence;
mod health;
mod helpers;
mod instances;
mod layering;
mod linkability;
mod methods;
mod officials;
mod proposals;
mod residents;
mod slow_clients;
mod stats;
mod support;
mod tenancy;
mod text_input;
mod verification;
mod web_client;
