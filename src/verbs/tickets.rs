//! `b24ops tickets list` and `b24ops ingest-email`.

use std::fmt::Write as _;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{TicketListArgs, TicketsVerb};
use crate::intake::email::{RawMessage, ingest};
use crate::rules::sla::TargetState;
use crate::rules::timefmt;
use crate::services::tickets::queue;
use crate::store::TicketScope;

/// Runs a `tickets` verb.
pub async fn run(ctx: &Ctx, verb: TicketsVerb) -> Result<()> {
    match verb {
        TicketsVerb::List(a) => list(ctx, a).await,
        TicketsVerb::Show(a) => super::ticket_thread::show(ctx, a).await,
        TicketsVerb::Reply(a) => super::ticket_thread::reply(ctx, a).await,
        TicketsVerb::Deliver(a) => super::ticket_deliver::deliver(ctx, a).await,
        TicketsVerb::PollTelegram(a) => super::ticket_deliver::poll_telegram(ctx, a).await,
    }
}

fn clock_text(s: Option<TargetState>, now: chrono::DateTime<chrono::Utc>) -> String {
    match s {
        None => "—".into(),
        Some(TargetState::Running { due }) => timefmt::countdown(due, now),
        Some(TargetState::Breached { due }) => timefmt::countdown(due, now),
        Some(TargetState::Paused { left_minutes }) => format!("paused ({left_minutes}m left)"),
        Some(TargetState::Met { .. }) => "met".into(),
        Some(TargetState::Missed { .. }) => "missed".into(),
    }
}

async fn list(ctx: &Ctx, a: TicketListArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.limit) {
        bail!("--limit must be between 1 and 10000");
    }
    let rules = ctx.cfg.sla.rules(&ctx.cfg.timezone)?;
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let scope = if a.all { TicketScope::All } else { TicketScope::Open };
    let tickets = queue(&store, &rules, scope, a.limit, now).await;
    store.close().await;
    let tickets = tickets?;
    if a.json {
        return emit(&json_text(&tickets)?);
    }
    let mut out = String::new();
    for q in &tickets {
        let t = &q.ticket;
        let portal = t.domain.as_ref().map(|d| d.to_string()).or_else(|| t.member_id.as_ref().map(|m| m.to_string()));
        let _ = writeln!(
            out,
            "#{:<6} {:<8} {:<8} {:<28} {:<16} {:<16} {}{}",
            t.id,
            t.priority,
            t.status,
            portal.unwrap_or_else(|| "⚑ no portal".into()),
            match (clock_text(q.sla.first_response, now), q.reply_queued) {
                // The reply is written but has not reached the customer: the clock still runs.
                (c, true) if q.ticket.first_response_at.is_none() => format!("{c} queued"),
                (c, _) => c,
            },
            clock_text(q.sla.resolution, now),
            t.claimed_thread_of.map(|of| format!("⚠ claims #{of}, not from its requester · ")).unwrap_or_default(),
            t.subject
        );
    }
    if out.is_empty() {
        out.push_str("no open tickets\n");
    }
    emit(&out)
}

/// Reads one message on stdin and files it.
pub async fn ingest_email(ctx: &Ctx) -> Result<()> {
    let raw = RawMessage::read(std::io::stdin().lock()).wrap_err("cannot read stdin")?;
    let store = open(ctx).await?;
    let result = ingest(&store, &ctx.cfg.email, &raw, ctx.clock.now()).await;
    store.close().await;
    let filed = result?;
    emit(&format!("{filed}\n"))
}
