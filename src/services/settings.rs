//! The one place services read the configuration: each service takes a small settings value,
//! and these build them from `Config`, so a service's code never sees settings it does not use.

use std::time::Duration as StdDuration;

use super::alerts::Context;
use super::outbox::OutboxSettings;
use super::tokens::TokenSettings;
use crate::bitrix::{AppCredentials, ClientSettings};
use crate::config::Config;

/// The token service's settings.
pub fn token_settings(cfg: &Config) -> color_eyre::Result<TokenSettings> {
    let app = match (cfg.bitrix.client_id(), cfg.bitrix.client_secret()?) {
        (Some(client_id), Some(client_secret)) => Some(AppCredentials { client_id, client_secret }),
        _ => None,
    };
    let client = ClientSettings {
        timeout: StdDuration::from_secs(cfg.bitrix.timeout_secs.max(1)),
        max_retries: cfg.bitrix.max_retries,
        burst: cfg.bitrix.burst,
        rate: cfg.bitrix.rate,
        redirect_hosts: cfg.bitrix.redirect_hosts.clone(),
        ..ClientSettings::default()
    };
    Ok(TokenSettings {
        app,
        client,
        policy: cfg.token_policy(),
        oauth_server: Some(cfg.bitrix.oauth_server.clone()),
        read_only: cfg.read_only,
    })
}

/// What the alert rules read besides the store.
pub fn alert_context(cfg: &Config) -> color_eyre::Result<Context> {
    Ok(Context {
        tokens: cfg.token_policy(),
        sla: cfg.sla.rules(&cfg.timezone)?,
        reviews: cfg.review_policy(),
        threshold_15m: cfg.errors.threshold_15m,
    })
}

/// What delivering replies reads: the mail sender, the support bot, the Bitrix24 bot's token
/// settings (or why they cannot be read), the pace and read-only mode.
pub fn outbox_settings(cfg: &Config) -> OutboxSettings {
    OutboxSettings {
        reply_from: cfg.tickets.reply_from.clone(),
        telegram: cfg.telegram.clone(),
        tokens: token_settings(cfg).map_err(|e| format!("{e}")),
        every: StdDuration::from_secs(cfg.tickets.deliver_every_secs),
        read_only: cfg.read_only,
    }
}
