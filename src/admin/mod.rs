//! The municipality admin module: creating municipalities (platform admins), and for each
//! municipality its settings, districts, staff accounts and voter roll (municipality admins).
//!
//! It is its own route scope: with `KURULTAI_ADMIN_BIND` set, these routes are served only
//! on that (internal) listener and the public listener does not know them. Its handlers are
//! listed in `routes::ADMIN`.

pub mod districts;
pub mod identity_provider;
pub mod invitation;
pub mod municipalities;
pub mod settings;
pub mod staff;
pub mod voter_roll;
