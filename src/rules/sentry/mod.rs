//! Sentry's ingest protocol, as the official SDKs speak it, read without IO: the envelope
//! framing, the event payload turned into an app error, and the DSN key an SDK presents.
//! Protocol reference: develop.sentry.dev/sdk/data-model/envelopes/ (framing),
//! develop.sentry.dev/sdk/data-model/event-payloads/ (events) and
//! develop.sentry.dev/sdk/overview/#authentication (the `X-Sentry-Auth` header).

pub mod auth;
pub mod cors;
pub mod envelope;
pub mod event;
