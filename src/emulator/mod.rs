//! `b24ops emulator`: an offline Bitrix24 — the OAuth server and any number of portals on one
//! loopback port, errors and limits included (reference §10).
//!
//! Addresses: the token endpoint is `{base}/oauth/token/`, the OAuth server's REST is
//! `{base}/rest/`, and a portal at `acme.bitrix24.com` answers at `{base}/acme.bitrix24.com/rest/`.
//! The admin endpoint `{base}/_emulator/…` (loopback only) injects faults.

pub mod admin;
pub mod auth;
pub mod bots;
pub mod catalogue;
pub mod events;
pub mod from_store;
pub mod imbot;
pub mod methods;
pub mod oauth;
pub mod operating;
pub mod params;
pub mod portal;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::routing::{any, get, post};
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::clock::Clock;
pub use state::{EmuApp, PortalSpec, World, WorldSpec};

/// A running emulator's shared state.
#[derive(Clone)]
pub struct Emulator {
    /// Everything it knows.
    pub world: Arc<Mutex<World>>,
    base: Arc<str>,
    clock: Clock,
    started: Instant,
}

impl Emulator {
    /// The emulator for `world`, reachable at `base` (`http://127.0.0.1:8625`).
    pub fn new(world: World, base: &str, clock: Clock) -> Self {
        Emulator {
            world: Arc::new(Mutex::new(world)),
            base: base.trim_end_matches('/').into(),
            clock,
            started: Instant::now(),
        }
    }

    /// Now, by the emulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Seconds since start (for the leaky buckets).
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// `http://127.0.0.1:8625`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The OAuth server's host (the token's `domain` field).
    pub fn auth_host(&self) -> String {
        self.base.split_once("://").map(|(_, h)| h.to_owned()).unwrap_or_else(|| self.base.to_string())
    }

    /// The OAuth server's REST endpoint, as tokens carry it.
    pub fn server_endpoint(&self) -> String {
        format!("{}/rest/", self.base)
    }

    /// A portal's REST endpoint.
    pub fn client_endpoint(&self, domain: &str) -> String {
        format!("{}/{}/rest/", self.base, domain)
    }
}

/// The HTTP routes.
pub fn router(emu: Emulator) -> Router {
    Router::new()
        .route("/oauth/token/", any(oauth::token))
        .route("/oauth/token", any(oauth::token))
        .route("/rest/app.info", any(oauth::trusted_app_info))
        .route("/_emulator/fault", post(admin::fault))
        .route("/_emulator/notifications", get(admin::notifications))
        .route("/_emulator/code", post(admin::code))
        .route("/_emulator/portals", get(admin::portals))
        .route("/_emulator/bot_message", post(admin::bot_message))
        .route("/_emulator/bot_sent", get(admin::bot_sent))
        .route("/{domain}/rest/{*method}", any(portal::rest))
        .route("/{domain}/oauth/authorize/", get(oauth::authorize))
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024))
        .with_state(emu)
}

/// A started emulator.
pub struct Running {
    /// Its state, for tests and the demo.
    pub emulator: Emulator,
    /// The address it listens on.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops serving.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `listen` (port 0 picks a free one) and serves `world` in the background.
pub async fn start(world: World, listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let emulator = Emulator::new(world, &format!("http://{addr}"), clock);
    let app = router(emulator.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "emulator stopped");
        }
    });
    Ok(Running { emulator, addr, task })
}
