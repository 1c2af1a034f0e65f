//! What users do, shared by the console and the command line.

pub mod alerts;
pub mod diagnose;
pub mod incidents;
pub mod maintenance;
pub mod notify;
pub mod overview;
pub mod reviews;
pub mod tasks;
pub mod tickets;
pub mod tokens;
