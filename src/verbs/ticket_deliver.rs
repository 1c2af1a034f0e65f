//! `b24ops tickets deliver | poll-telegram`: one delivery pass on every channel, and one batch of
//! the Telegram support bot's messages — both for cron.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::TicketDeliverArgs;
use crate::services::outbox::{Channels, PassReport, deliver_on};
use crate::services::telegram_intake::{SupportBot, poll_once};

/// What `deliver --json` prints: the pass, the channels that are off and why, and what waits.
#[derive(Serialize)]
struct Delivered {
    #[serde(flatten)]
    pass: PassReport,
    off: BTreeMap<&'static str, String>,
    waiting: BTreeMap<String, i64>,
}

/// One delivery pass on every channel set up: it sends what it can, and reports per channel.
pub async fn deliver(ctx: &Ctx, a: TicketDeliverArgs) -> Result<()> {
    if ctx.cfg.read_only {
        bail!("b24ops is in read-only mode: nothing is delivered");
    }
    let store = open(ctx).await?;
    let (channels, off) =
        Channels::configured(&store, &crate::services::settings::outbox_settings(&ctx.cfg), ctx.clock);
    let pass = deliver_on(&store, &channels, ctx.clock.now()).await;
    let waiting = store.replies_waiting_by_channel().await;
    store.close().await;
    let d = Delivered { pass: pass?, off: off.into_iter().collect(), waiting: waiting?.into_iter().collect() };
    // A reply waiting on a channel nobody here can send on is what cron must hear about; a
    // channel that is off with nothing queued is no failure.
    let stuck: Vec<String> = d
        .off
        .iter()
        .filter_map(|(c, why)| d.waiting.get(*c).filter(|n| **n > 0).map(|n| format!("{n} {c} repl(ies) wait: {why}")))
        .collect();
    if a.json {
        emit(&json_text(&d)?)?;
    } else {
        let p = &d.pass;
        let mut out = format!(
            "{} sent, {} failed (retried later), {} given up; {} waiting\n",
            p.sent,
            p.failed,
            p.gave_up,
            d.waiting.values().sum::<i64>()
        );
        for name in ["email", "imbot", "telegram"] {
            let waiting = d.waiting.get(name).copied().unwrap_or(0);
            let line = match (d.off.get(name), p.channels.get(name)) {
                (Some(why), _) => format!("off ({why}); {waiting} waiting"),
                (None, Some(t)) => {
                    format!("{} sent, {} failed, {} given up; {waiting} waiting", t.sent, t.failed, t.gave_up)
                }
                (None, None) => format!("nothing due; {waiting} waiting"),
            };
            let _ = writeln!(out, "  {name:<9} {line}");
        }
        for e in &p.errors {
            let _ = writeln!(out, "  {e}");
        }
        emit(&out)?;
    }
    let failed = d.pass.failed + d.pass.gave_up;
    match (failed, stuck.is_empty()) {
        (0, true) => Ok(()),
        (0, false) => bail!("{}", stuck.join("; ")),
        (n, _) => bail!("{n} repl(ies) not delivered{}", stuck.iter().map(|s| format!("; {s}")).collect::<String>()),
    }
}

/// One `getUpdates` of the Telegram support bot, without waiting (cron runs it again).
pub async fn poll_telegram(ctx: &Ctx, a: TicketDeliverArgs) -> Result<()> {
    if ctx.cfg.read_only {
        bail!("b24ops is in read-only mode: no message is filed");
    }
    let bot = SupportBot::from_config(&ctx.cfg.telegram)
        .map_err(|e| eyre!("{e}"))?
        .ok_or_else(|| eyre!("the Telegram support bot is off: set {}", crate::config::SUPPORT_BOT_TOKEN_VAR))?;
    let store = open(ctx).await?;
    let report = poll_once(&store, &bot, 0, ctx.clock).await;
    store.close().await;
    let r = report?;
    if a.json {
        return emit(&json_text(&r)?);
    }
    let mut out = format!(
        "{} update(s): {} ticket(s) opened, {} message(s) threaded, {} attached to a portal, {} chat(s) asked for their portal, {} skipped\n",
        r.updates, r.opened, r.threaded, r.attached, r.asked, r.skipped
    );
    for e in &r.errors {
        let _ = writeln!(out, "  {e}");
    }
    emit(&out)
}
