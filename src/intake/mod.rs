//! Getting data in without SQL: call records and app errors as JSON (stdin and `serve`), reviews
//! from files, and support tickets from the web form, the JSON API and email.

pub mod calls;
pub mod conn_guard;
pub mod context;
pub mod email;
pub mod errors;
pub mod events;
pub mod gate;
pub mod idempotency;
pub mod imbot;
pub mod lines;
pub mod pacing;
pub mod records;
pub mod sentry;
pub mod server;
pub mod tickets;
pub mod timed_io;
