//! The web client in a real browser: results (see browser.rs for how these run).
