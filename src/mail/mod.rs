//! Sending e-mail: the transport configured under `[mail]` (`transport`) and the worker that
//! empties the outbox through it (`worker`). What is sent, and when it is queued, is decided by
//! the services (`service::outbox`); nothing here runs inside a request.

pub mod transport;
pub mod worker;

pub use transport::{Transport, TransportError};
