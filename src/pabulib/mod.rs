//! The Pabulib `.pb` format (see `docs/pabulib.md` in the design notes): a liberal reader, a
//! strict writer, and the conversion to the engine's [`crate::tally::Election`].

mod convert;
pub mod model;
pub mod reader;
pub mod vote_rules;
pub mod writer;

pub use model::{PbFile, Row, Table};
pub use reader::{read_path, read_str, PbError};
pub use vote_rules::VoteRules;
pub use writer::{write_string, PbStreamWriter, PbWriteError};
