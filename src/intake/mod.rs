//! Getting data in without SQL: call records as JSON (NDJSON on stdin now; the HTTP intake of
//! `serve` will share the same parsing).

pub mod calls;
pub mod errors;
pub mod reviews;
pub mod server;
