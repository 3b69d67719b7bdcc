//! Kurultai: participatory budgeting for the municipalities of the Turkic states.
//!
//! See `ARCHITECTURE.md` for the map of modules and the invariants between them.

pub mod admin;
pub mod api;
pub mod archive;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod pabulib;
pub mod public_url;
pub mod routes;
pub mod scheduler;
pub mod secrets;
pub mod service;
pub mod startup;
pub mod state;
pub mod tally;
pub mod telemetry;
pub mod web_client;
