//! What the API tests share, in one place: a typed client over the real HTTP app
//! (`client.rs`), builders for the bodies tests send (`builders.rs`), the shapes they read back
//! (`model.rs`), and what no endpoint gives (`fixtures.rs`: national ids, the stored audit
//! log). Test modules import from here and from `helpers`, never from each other:
//! `layering::test_modules_share_fixtures_only_through_support` checks it.
//!
//! `app.create_municipality(..)`, `app.staff_login(..)`, `app.register_resident(..)` and
//! `app.open_voting(..)` set a test up; a `Session` (`official.create_cycle(..)`,
//! `voter.cast(..)`) acts; a `Reply` is checked (`.created::<Budget>()`, `.problem().code`).

// A kit shared by many modules: a model field or a helper may serve only a test or two, and
// the compiler would call the rest dead in a build where no test uses it.
#![allow(dead_code)]

mod builders;
mod checks;
mod client;
mod conformance;
mod fixtures;
pub mod inbox;
pub mod leaks;
mod model;
pub mod oidc;
pub mod recovery_outbox;
mod reply;
mod session;
pub mod smtp;

// Re-exported whole: each module takes what it needs.
#[allow(unused_imports)]
pub use builders::{
    approvals, BudgetBuilder, MunicipalityBuilder, ProposalBuilder, ResidentBuilder,
};
#[allow(unused_imports)]
pub use client::{City, Resident, Voting};
#[allow(unused_imports)]
pub use fixtures::{audit_actions, audit_details, tckn};
#[allow(unused_imports)]
pub use model::{
    Account, AuditEntry, AuditPage, Budget, CastReply, CreatedMunicipality, Cycle, District,
    FieldError, Health, Id, Key, Keys, Municipality, OwnBallot, PaperReply, Problem, Proposal,
    ProposalPage, Readiness, ReceiptStatus, ResidentPage, ResidentView, ResultLine, Results, Role,
    Slug, TallyReply, Tokens, Turnout,
};
#[allow(unused_imports)]
pub use reply::Reply;
#[allow(unused_imports)]
pub use session::Session;
