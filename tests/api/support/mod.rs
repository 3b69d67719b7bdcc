//! What the API tests share, in one place: a typed client over the real HTTP app
//! (`client.rs`), builders for the bodies tests send (`builders.rs`), the shapes they read back
//! (`model.rs`), and the string-level fixtures the modules not yet moved onto the typed client
//! still call (`fixtures.rs`). Test modules import from here and from `helpers`, never from each
//! other: `layering::test_modules_share_fixtures_only_through_support` checks it.

// A kit shared by many modules: some of its helpers serve only a few of them, and a module
// rewritten later may need the rest.
#![allow(dead_code)]

mod builders;
mod client;
mod fixtures;
mod model;

// Re-exported whole: each module takes what it needs.
#[allow(unused_imports)]
pub use builders::{
    approvals, BudgetBuilder, MunicipalityBuilder, ProposalBuilder, ResidentBuilder,
};
#[allow(unused_imports)]
pub use client::{City, Reply, Resident, Session, Voting};
#[allow(unused_imports)]
pub use fixtures::{
    approve, audit_actions, audit_details, city, district, move_to, new_budget, new_cycle,
    open_city, propose, resident, tally, tckn, vote, voting_budget,
};
#[allow(unused_imports)]
pub use model::{
    Account, AuditEntry, AuditPage, Budget, CastReply, CreatedMunicipality, Cycle, District,
    FieldError, Id, Key, Keys, Municipality, OwnBallot, PaperReply, Problem, Proposal,
    ProposalPage, ReceiptStatus, ResidentPage, ResidentView, ResultLine, Results, Role, Slug,
    TallyReply, Tokens, Turnout,
};
