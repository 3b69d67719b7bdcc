//! The municipality admin module: creating municipalities (platform admins), and for each
//! municipality its settings, districts, staff accounts and voter roll (municipality admins).
//!
//! It is its own route scope: with `KURULTAI_ADMIN_BIND` set, these routes are served only
//! on that (internal) listener and the public listener does not know them.

pub mod districts;
pub mod municipalities;
pub mod settings;
pub mod staff;
pub mod voter_roll;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(municipalities::create)
        .service(settings::show)
        .service(settings::update)
        .service(districts::create)
        .service(districts::update)
        .service(districts::delete)
        .service(staff::list)
        .service(staff::create)
        .service(staff::update)
        .service(staff::disable)
        .service(voter_roll::upload);
}

/// The admin module's paths, for the 405 fallbacks.
pub const PATHS: &[&str] = &[
    "/municipalities",
    "/municipalities/{slug}/settings",
    "/municipalities/{slug}/districts",
    "/municipalities/{slug}/districts/{id}",
    "/municipalities/{slug}/staff",
    "/municipalities/{slug}/staff/{id}",
    "/municipalities/{slug}/voter-roll",
];
