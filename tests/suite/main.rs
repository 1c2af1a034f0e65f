//! The integration suite, one test binary: the crate links once instead of once per file (on a
//! two-core machine that is most of the build), and every module shares `common`'s helpers.
//! Test code may unwrap: a panic is how a test fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

mod bitrix;
mod changelog;
mod chatbot;
mod cli;
mod cli_hardening;
mod cli_intake;
mod connect_app;
mod console;
mod console_act;
mod console_conventions;
mod console_filters;
mod console_layout;
mod console_nav;
mod console_pictures;
mod console_prompts;
mod console_tickets;
mod e2e_pty;
mod email;
mod error_hours;
mod error_remedies;
mod error_sample;
mod intake_once;
mod intake_stop;
mod layering;
mod outbox;
mod outbox_cli;
mod partitions;
mod queues;
mod queues_scale;
mod queues_symfony;
mod queues_symfony_json;
mod reviews;
mod schema_parity;
mod sdk_hooks;
mod secrets;
mod sentry;
mod sentry_cors;
mod serve;
mod serve_guard;
mod sqlite_file;
mod store;
mod support_form_browser;
mod tasks;
mod telegram;
mod telegram_cli;
mod telegram_support;
mod tickets;
mod tokens_tab;
mod watch;
