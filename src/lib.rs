//! b24ops: the on-call console for a published Bitrix24 Marketplace application.
//!
//! Dependencies point one way: `tui` / `cli` → `services` → `store` → `rules`, `model`.
//!
//! The emulator, the demo (with `seed`) and the bench are cargo features, on by default;
//! `cargo build --no-default-features` leaves them out, and their verbs say so.

#[cfg(feature = "bench")]
pub mod bench;
pub mod bitrix;
pub mod cli;
pub mod clock;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod intake;
pub mod logging;
pub mod model;
pub mod monitor;
pub mod rules;
pub mod services;
pub mod store;
pub mod tui;
pub mod verbs;
