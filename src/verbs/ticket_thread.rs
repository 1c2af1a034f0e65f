//! `b24ops tickets show | reply`: one ticket's thread with each reply's delivery state, and a
//! public reply from the shell.

use std::fmt::Write as _;
use std::io::Read;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{TicketReplyArgs, TicketShowArgs};
use crate::model::{Ticket, TicketMessage};
use crate::services::tasks::Actor;
use crate::services::tickets::{BODY_MAX, change};
use crate::store::{TicketChange, WriteOutcome};

/// Messages `show` prints (the newest).
const SHOWN: i64 = 500;

#[derive(Serialize)]
struct Shown {
    ticket: Ticket,
    messages: Vec<TicketMessage>,
}

/// Prints one ticket's thread.
pub async fn show(ctx: &Ctx, a: TicketShowArgs) -> Result<()> {
    let store = open(ctx).await?;
    let found = async {
        Ok::<_, crate::store::StoreError>((store.ticket(a.id).await?, store.ticket_messages(a.id, SHOWN).await?))
    }
    .await;
    store.close().await;
    let (ticket, messages) = found?;
    let ticket = ticket.ok_or_else(|| eyre!("no ticket #{}", a.id))?;
    if a.json {
        return emit(&json_text(&Shown { ticket, messages })?);
    }
    let zone = ctx.cfg.zone();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let mut out = format!(
        "#{} {} · {} · {} · via {}\nfrom {}\n\n",
        ticket.id,
        ticket.subject,
        ticket.status,
        ticket.priority,
        ticket.channel,
        ticket.requester_email.as_ref().or(ticket.requester_name.as_ref()).map(|e| e.as_str()).unwrap_or("—"),
    );
    for m in &messages {
        let what = match m.direction.as_str() {
            "out" => "replied",
            "note" => "note (internal)",
            _ => "wrote",
        };
        let _ = writeln!(out, "{} {} {what}", fmt(m.ts), m.author);
        if m.direction.as_str() == "out" {
            let state = m
                .delivery
                .as_ref()
                .map(|d| d.describe(fmt))
                .unwrap_or_else(|| "not delivered: no customer address".into());
            let _ = writeln!(out, "  [{state}]");
        }
        for l in m.body.as_str().lines() {
            let _ = writeln!(out, "  {l}");
        }
        out.push('\n');
    }
    emit(&out)
}

/// Queues a public reply.
pub async fn reply(ctx: &Ctx, a: TicketReplyArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut buf = Vec::new();
            std::io::stdin().lock().take(BODY_MAX as u64 + 1).read_to_end(&mut buf).wrap_err("cannot read stdin")?;
            String::from_utf8(buf).map_err(|_| eyre!("the reply on stdin is not UTF-8 text"))?
        }
    };
    if text.len() > BODY_MAX {
        bail!("the reply is longer than {} KB", BODY_MAX / 1024);
    }
    let store = open(ctx).await?;
    let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
    let done = change(&store, &actor, a.id, TicketChange::Reply(text), ctx.clock.now()).await;
    let messages = store.ticket_messages(a.id, 1).await;
    store.close().await;
    match done? {
        WriteOutcome::Missing => bail!("no ticket #{}", a.id),
        _ => {
            let delivery = messages?.pop().and_then(|m| m.delivery);
            emit(&match delivery {
                Some(d) => format!(
                    "ticket #{}: reply {} (b24ops tickets show {} tells when it is sent)\n",
                    a.id,
                    d.describe(|t| t.to_rfc3339()),
                    a.id
                ),
                None => format!("ticket #{}: reply stored; not delivered: the ticket has no customer address\n", a.id),
            })
        }
    }
}
