//! What users do, shared by the console and the command line.

pub mod alerts;
pub mod app_events;
pub mod changelog;
pub mod chat_intake;
pub mod chat_reply;
pub mod chatbot;
pub mod deprecation_list;
pub mod diagnose;
pub mod docs_source;
pub mod error_sample;
pub mod error_search;
pub mod incidents;
pub mod maintenance;
pub mod notify;
pub mod outbox;
pub mod overview;
pub mod reconcile;
pub mod reply_mail;
pub mod reviews;
pub mod tasks;
pub mod tickets;
pub mod token_runs;
pub mod tokens;
pub mod trusted;
