//! Getting data in without SQL: call records and app errors as JSON (stdin and `serve`), reviews
//! from files, and support tickets from the web form, the JSON API and email.

pub mod calls;
pub mod email;
pub mod errors;
pub mod events;
pub mod reviews;
pub mod server;
pub mod tickets;
