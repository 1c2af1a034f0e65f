//! `[serve]`: the HTTP intake's address, token, and what it allows a client before the first
//! byte of a handler runs (body size, timeouts, connections, proxies, framing).

use color_eyre::eyre::{Result, eyre};
use serde::{Deserialize, Serialize};

use crate::rules::forwarded::TrustedProxies;

/// The Bitrix24 cloud domains the support form may be framed by (the app's in-portal page).
const BITRIX24_FRAMES: [&str; 16] = [
    "https://*.bitrix24.com",
    "https://*.bitrix24.ru",
    "https://*.bitrix24.de",
    "https://*.bitrix24.eu",
    "https://*.bitrix24.es",
    "https://*.bitrix24.fr",
    "https://*.bitrix24.it",
    "https://*.bitrix24.pl",
    "https://*.bitrix24.uk",
    "https://*.bitrix24.com.br",
    "https://*.bitrix24.com.tr",
    "https://*.bitrix24.in",
    "https://*.bitrix24.by",
    "https://*.bitrix24.kz",
    "https://*.bitrix24.ua",
    "https://*.bitrix24.jp",
];

/// `[serve]`
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on; loopback unless you mean otherwise.
    pub listen: String,
    /// Bearer token for the JSON API (better: `B24OPS_API_TOKEN`); empty turns the API off.
    pub api_token: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a client has to send a request's headers, from its first byte (or from connecting).
    pub header_timeout_secs: u64,
    /// Seconds a connection may stay silent (between requests, or mid-body) before it is closed.
    pub idle_timeout_secs: u64,
    /// Connections held at once; beyond it the oldest idle one is closed for the newcomer.
    pub max_connections: usize,
    /// Connections one client address may hold at once (a trusted proxy counts only overall).
    pub max_connections_per_client: usize,
    /// Proxies (addresses or networks such as `10.0.0.0/8`) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Who may frame the support form (`frame-ancestors` sources): the Bitrix24 clouds by default;
    /// add a self-hosted portal's `https://portal.example.com`.
    pub frame_ancestors: Vec<String>,
    /// Event tags that carry the portal's member_id in Sentry events, first match wins.
    pub sentry_member_tags: Vec<String>,
    /// Sentry requests one DSN key may send at once before pacing starts.
    pub sentry_burst: u32,
    /// Sentry requests per second one DSN key is allowed after its burst (answered 429 beyond).
    pub sentry_per_second: u32,
    /// Browser origins whose Sentry SDK may report (CORS): `*` (the default, as sentry.io: a DSN
    /// key is public), or the app's own origins such as `https://app.example.com`; empty: none.
    pub sentry_cors_origins: Vec<String>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8624".into(),
            api_token: String::new(),
            max_body_bytes: 8 * 1024 * 1024,
            header_timeout_secs: 10,
            idle_timeout_secs: 30,
            max_connections: 768,
            max_connections_per_client: 256,
            trusted_proxies: Vec::new(),
            frame_ancestors: BITRIX24_FRAMES.iter().map(|s| (*s).to_owned()).collect(),
            sentry_member_tags: vec!["member_id".into(), "b24.member_id".into()],
            sentry_burst: 200,
            sentry_per_second: 50,
            sentry_cors_origins: vec!["*".into()],
        }
    }
}

impl std::fmt::Debug for ServeConfig {
    /// The token never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("listen", &self.listen)
            .field("api_token", &if self.api_token.is_empty() { "" } else { "***" })
            .field("max_body_bytes", &self.max_body_bytes)
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_client", &self.max_connections_per_client)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("frame_ancestors", &self.frame_ancestors)
            .field("sentry_member_tags", &self.sentry_member_tags)
            .field("sentry_burst", &self.sentry_burst)
            .field("sentry_per_second", &self.sentry_per_second)
            .field("sentry_cors_origins", &self.sentry_cors_origins)
            .finish()
    }
}

impl ServeConfig {
    /// The API token: `B24OPS_API_TOKEN` first, then the file; `None` when neither sets one.
    pub fn token(&self) -> Option<String> {
        std::env::var("B24OPS_API_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .or_else(|| Some(self.api_token.clone()).filter(|t| !t.is_empty()))
    }

    /// The DSN keys Sentry SDKs may report with: `B24OPS_SENTRY_KEY`, comma-separated. Only the
    /// environment holds them, like every secret that reaches a running server.
    pub fn sentry_keys(&self) -> Vec<crate::model::Secret> {
        crate::rules::sentry::auth::parse_keys(&std::env::var("B24OPS_SENTRY_KEY").unwrap_or_default())
    }

    /// The trusted proxies, parsed.
    pub fn proxies(&self) -> Result<TrustedProxies> {
        TrustedProxies::parse(&self.trusted_proxies).map_err(|e| eyre!("serve.trusted_proxies: {e}"))
    }

    /// Refuses settings that would leave serve without a defence.
    pub fn validate(&self) -> Result<()> {
        self.proxies()?;
        if self.header_timeout_secs == 0 || self.idle_timeout_secs == 0 {
            return Err(eyre!("serve.header_timeout_secs and serve.idle_timeout_secs must be positive"));
        }
        if self.max_connections == 0 || self.max_connections_per_client == 0 {
            return Err(eyre!("serve.max_connections and serve.max_connections_per_client must be positive"));
        }
        if let Some(bad) = self.frame_ancestors.iter().find(|s| s.chars().any(|c| c.is_whitespace() || c == ';')) {
            return Err(eyre!("serve.frame_ancestors: {bad:?} is not one CSP source"));
        }
        if self.sentry_burst == 0 || self.sentry_per_second == 0 {
            return Err(eyre!("serve.sentry_burst and serve.sentry_per_second must be positive"));
        }
        for entry in &self.sentry_cors_origins {
            crate::rules::sentry::cors::check_entry(entry).map_err(|e| eyre!("serve.sentry_cors_origins: {e}"))?;
        }
        Ok(())
    }
}
