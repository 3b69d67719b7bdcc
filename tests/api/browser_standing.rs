//! The web client in a real browser: standing (see browser.rs for how these run).
