//! The web client in a real browser: proposals (see browser.rs for how these run).
