//! What every intake handler shares: the store, the tokens, the pacing and the policies
//! `[serve]` configures.

use super::pacing::RateLimiter;
use crate::config::ServeConfig;
use crate::rules::forwarded::TrustedProxies;
use crate::store::Store;

/// What the handlers share.
#[derive(Clone)]
pub struct Intake {
    /// The database.
    pub store: Store,
    /// The bearer token the JSON API requires; `None` turns the API off.
    pub api_token: Option<String>,
    /// Read-only mode: the write endpoints answer 403.
    pub read_only: bool,
    /// Per-client pacing of ticket submissions.
    pub limiter: RateLimiter,
    /// Per-client pacing of wrong bearer tokens.
    pub wrong_tokens: RateLimiter,
    /// The proxies whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    /// The support form's Content-Security-Policy.
    pub form_policy: String,
    /// The largest body read.
    pub max_body: usize,
    /// Now, for new tickets and the accepted time window of records.
    pub clock: crate::clock::Clock,
}

impl Intake {
    /// The intake for `store`, with the default `[serve]` policies.
    pub fn new(store: Store, api_token: Option<String>, read_only: bool) -> Self {
        let defaults = ServeConfig::default();
        Intake {
            store,
            api_token,
            read_only,
            limiter: RateLimiter::default(),
            wrong_tokens: RateLimiter::for_wrong_tokens(),
            proxies: TrustedProxies::default(),
            form_policy: form_policy(&defaults.frame_ancestors),
            max_body: defaults.max_body_bytes,
            clock: crate::clock::Clock::System,
        }
    }

    /// This intake with the proxies and framing `cfg` configures.
    pub fn configured(self, cfg: &ServeConfig) -> color_eyre::eyre::Result<Self> {
        Ok(Intake { proxies: cfg.proxies()?, form_policy: form_policy(&cfg.frame_ancestors), ..self })
    }
}

/// The support form's Content-Security-Policy: no scripts, posts only to itself, framed only by
/// the configured ancestors.
pub fn form_policy(frame_ancestors: &[String]) -> String {
    let mut ancestors = String::from("'self'");
    for a in frame_ancestors {
        ancestors.push(' ');
        ancestors.push_str(a);
    }
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )
}
