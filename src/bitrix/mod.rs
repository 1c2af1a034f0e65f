//! Bitrix24 over real HTTP: the REST client, the OAuth token endpoint, and the error taxonomy.
//!
//! Nothing here touches the database: calls are reported through a sink and token swaps are the
//! services layer's job (single-flight in the process, compare-and-swap in the store).

pub mod batch;
pub mod client;
pub mod envelope;
pub mod error;
pub mod oauth;
pub mod redirect;

pub use client::{CallSink, Called, ClientSettings, PortalAuth, RestClient};
pub use envelope::{CallTime, Envelope};
pub use error::{BitrixError, ErrorKind};
pub use oauth::{AppCredentials, TokenGrant};
