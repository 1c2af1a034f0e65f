//! `b24ops maintenance`: the planned checks, or marking one done.

use std::fmt::Write as _;

use color_eyre::eyre::Result;

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::MaintenanceArgs;
use crate::services::maintenance::{mark_done, report};
use crate::services::tasks::Actor;

/// Runs it.
pub async fn run(ctx: &Ctx, a: MaintenanceArgs) -> Result<()> {
    if let Some(verb) = a.docs {
        return super::doc_checks::run(ctx, verb).await;
    }
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let tz = ctx.cfg.zone();
    let result = match &a.done {
        Some(name) => {
            let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
            mark_done(&store, &actor, tz, name, a.note.as_deref(), now)
                .await
                .map(|()| None)
                .map_err(color_eyre::eyre::Report::from)
        }
        None => report(&store, tz, &ctx.cfg.token_policy(), &ctx.cfg.review_policy(), now)
            .await
            .map(Some)
            .map_err(Into::into),
    };
    store.close().await;
    let Some(reports) = result? else {
        return emit(&format!("{} marked done\n", a.done.unwrap_or_default()));
    };
    if a.json {
        return emit(&json_text(&reports)?);
    }
    let mut out = String::new();
    for r in &reports {
        let state = if r.standing.overdue {
            "OVERDUE"
        } else if r.standing.done {
            "done"
        } else {
            "due"
        };
        let last = r
            .last_done
            .as_ref()
            .map(|d| format!("{} by {}", d.done_at.format("%Y-%m-%d"), d.operator))
            .unwrap_or_else(|| "never".into());
        let _ = writeln!(
            out,
            "{:<13} {:<8} {:<8} last {last:<26} next due {}  {}",
            r.name,
            format!("{:?}", r.cadence).to_lowercase(),
            state,
            r.standing.next_due.format("%Y-%m-%d"),
            r.title
        );
        for c in &r.context {
            let _ = writeln!(out, "    ({c})");
        }
        for f in r.findings.iter().take(20) {
            let _ = writeln!(out, "    {f}");
        }
        if r.findings.len() > 20 {
            let _ = writeln!(out, "    … and {} more", r.findings.len() - 20);
        }
    }
    emit(&out)
}
