//! `b24ops watch`: the alert daemon, until SIGTERM or Ctrl-C.

use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use tokio::signal::unix::{SignalKind, signal};

use super::Ctx;
use super::report::open;
use crate::cli::WatchArgs;
use crate::monitor::notify::channels;
use crate::monitor::outage::DatabaseOutage;
use crate::monitor::watch::{Delivery, cycle_watching_database};
use crate::services::tasks::Actor;
use crate::services::tokens::TokenService;

/// Refreshes live portals within `days` of refresh-token death, one at a time.
async fn keep_alive(svc: &TokenService, days: i64, pace: Duration) {
    let who = Actor { operator: "watch".into(), read_only: false };
    let portals = match svc.expiring_within(days, 1000).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "keep-alive: cannot list portals");
            return;
        }
    };
    let members: Vec<_> = portals.into_iter().map(|p| p.member_id).collect();
    let report = svc.refresh_run(&who, &members, pace, |_, _, _| {}).await;
    if let Some(why) = report.stopped {
        tracing::warn!("keep-alive: {why}");
    }
}

/// Runs the daemon.
pub async fn run(ctx: &Ctx, a: WatchArgs) -> Result<()> {
    let raw = a.interval.clone().unwrap_or_else(|| ctx.cfg.watch.interval.clone());
    let interval = crate::rules::timefmt::parse_window(&raw)
        .filter(|d| *d >= chrono::Duration::seconds(5))
        .ok_or_else(|| eyre!("--interval {raw:?}: use 30s, 1m, 5m … (at least 5s)"))?
        .to_std()?;
    let rules = ctx.cfg.alerts.rules()?;
    let context = crate::services::settings::alert_context(&ctx.cfg)?;
    let w = &ctx.cfg.watch;
    let channels = channels(&w.telegram_chat_id, &w.bitrix24_dialog_id, &w.email_from, &w.email_to);
    crate::bitrix::client::install_crypto();
    let http =
        reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).timeout(Duration::from_secs(5)).build()?;
    let store = open(ctx).await?;
    let names: Vec<&str> = channels.iter().map(|c| c.name()).collect();
    eprintln!(
        "b24ops watch: {} rules every {raw}; notifying {}",
        rules.len(),
        if names.is_empty() { "stdout only (set B24OPS_WEBHOOK_URL …)".to_owned() } else { names.join(", ") }
    );
    tracing::info!(rules = rules.len(), channels = ?names, "watch: started");
    let deliverer = crate::services::outbox::spawn_deliverer(
        &store,
        &crate::services::settings::outbox_settings(&ctx.cfg),
        ctx.clock,
    );
    let mut term = signal(SignalKind::terminate())?;
    let delivery = Delivery::default();
    let mut backoff = interval;
    let keep_alive_days = ctx.cfg.watch.keep_alive_days;
    let tokens = if keep_alive_days > 0 {
        Some(TokenService::new(store.clone(), crate::services::settings::token_settings(&ctx.cfg)?, ctx.clock)?)
    } else {
        None
    };
    let mut last_keep_alive: Option<chrono::DateTime<chrono::Utc>> = None;
    let mut outage = DatabaseOutage::default();
    let mut missed: Option<String> = None;
    loop {
        if let Some(svc) = &tokens
            && last_keep_alive.is_none_or(|t| ctx.clock.now() - t >= chrono::Duration::hours(1))
        {
            last_keep_alive = Some(ctx.clock.now());
            let pace = Duration::from_millis(ctx.cfg.tokens.refresh_pace_ms);
            // SIGTERM is honoured mid-work too: what was not done is done by the next start.
            tokio::select! {
                _ = keep_alive(svc, keep_alive_days, pace) => {}
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        let run = cycle_watching_database(
            &store,
            &context,
            &rules,
            &channels,
            &http,
            &delivery,
            &mut outage,
            ctx.clock.now(),
        );
        let outcome = tokio::select! {
            r = run => r,
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        };
        let wait = match outcome {
            Ok(r) => {
                if r.undelivered > 0 {
                    missed = Some(format!("{} notice(s) were due and not delivered", r.undelivered));
                }
                tracing::info!(
                    firing = r.firing,
                    delivered = r.delivered,
                    undelivered = r.undelivered,
                    failed_rules = r.failed_rules,
                    "watch: cycle"
                );
                backoff = interval;
                interval
            }
            Err(e) => {
                // The database went away: say so, wait longer each time (up to 5 minutes), go on.
                tracing::error!(error = %e, "watch: cycle failed");
                eprintln!("b24ops watch: {e}");
                missed = Some(format!("the rules could not be evaluated: {e}"));
                backoff = (backoff * 2).min(Duration::from_secs(300));
                backoff
            }
        };
        if a.once {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    drop(deliverer);
    store.close().await;
    eprintln!("b24ops watch: stopped");
    match missed {
        // Only `--once` answers for its cycle: a daemon retries next cycle.
        Some(why) if a.once => Err(eyre!("{why}")),
        _ => Ok(()),
    }
}
