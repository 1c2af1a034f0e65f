//! Headless monitoring: `watch` evaluates the alert rules continuously and notifies.

pub mod notify;
pub mod outage;
pub mod watch;
