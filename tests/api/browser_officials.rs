//! The web client in a real browser: officials (see browser.rs for how these run).
