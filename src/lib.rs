//! b24ops: the on-call console for a published Bitrix24 Marketplace application.
//!
//! Dependencies point one way: `tui` / `cli` → `services` → `store` → `rules`, `model`.

pub mod bench;
pub mod bitrix;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
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
