//! The web client in a real browser: languages (see browser.rs for how these run).
