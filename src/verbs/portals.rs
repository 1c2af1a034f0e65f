//! `b24ops portals check`: what b24ops understood of the `[portals]` mapping.

use std::fmt::Write as _;

use color_eyre::eyre::{Result, bail};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::PortalsVerb;

/// Runs a `portals` verb.
pub async fn run(ctx: &Ctx, verb: PortalsVerb) -> Result<()> {
    let PortalsVerb::Check { json } = verb;
    let store = open(ctx).await?;
    let report = store.check_portal_mapping().await;
    store.close().await;
    let report = report?;
    if json {
        emit(&json_text(&report)?)?;
    } else {
        let mut out = format!("portals: {}\n", report.table);
        for line in &report.understood {
            let _ = writeln!(out, "  {line}");
        }
        for w in &report.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
        for p in &report.problems {
            let _ = writeln!(out, "  problem: {p}");
        }
        if !report.sample.is_empty() {
            let _ = writeln!(out, "first portals as b24ops reads them:");
        }
        let policy = ctx.cfg.token_policy();
        let now = ctx.clock.now();
        for p in &report.sample {
            let state = policy.classify_portal(p, now);
            let _ = writeln!(
                out,
                "  {}  {:<32}  refresh token issued {}  days left {}",
                p.member_id.as_str(),
                p.domain.as_str(),
                p.refresh_issued_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "unknown".into()),
                state.days_left.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
            );
        }
        emit(&out)?;
    }
    if !report.problems.is_empty() {
        bail!("the [portals] mapping does not fit {}: {} problem(s)", report.table, report.problems.len());
    }
    Ok(())
}
