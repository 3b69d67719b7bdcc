//! Kurultai: participatory budgeting for the municipalities of the Turkic states.

pub mod auth;
pub mod domain;
