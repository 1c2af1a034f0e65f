//! `b24ops check`: one evaluation of the alert rules, for cron and monitoring systems. Exit status
//! 0 nothing firing, 1 warnings, 2 something critical, 3 could not tell (Nagios convention).

use std::fmt::Write as _;

use color_eyre::eyre::Result;

use super::report::{emit, json_text, open};
use super::{Ctx, ExitStatus};
use crate::cli::CheckArgs;
use crate::rules::alerts::{Severity, exit_status};
use crate::services::alerts::evaluate;

/// Runs the check.
pub async fn run(ctx: &Ctx, a: CheckArgs) -> Result<()> {
    let rules = ctx.cfg.alerts.rules()?;
    let context = crate::services::settings::alert_context(&ctx.cfg)?;
    let store = match open(ctx).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("b24ops check: UNKNOWN — {e:#}");
            return Err(ExitStatus(3).into());
        }
    };
    let eval = evaluate(&store, &context, &rules, ctx.clock.now()).await;
    store.close().await;
    let mut status = exit_status(&eval.firing);
    if !eval.failed.is_empty() && status == 0 {
        status = 3;
    }
    if a.json {
        let word = ["ok", "warning", "critical", "unknown"][status as usize];
        let doc = serde_json::json!({"status": word, "exit": status, "evaluation": eval});
        emit(&json_text(&doc)?)?;
    } else {
        let mut out = String::new();
        let word = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][status as usize];
        let crit = eval.firing.iter().filter(|f| f.severity == Severity::Critical).count();
        let _ = writeln!(out, "{word}: {} firing ({crit} critical) of {} rules", eval.firing.len(), eval.rules);
        for f in &eval.firing {
            let sev = if f.severity == Severity::Critical { "CRIT" } else { "WARN" };
            let portals =
                if f.figure.portals.is_empty() { String::new() } else { format!(" [{}]", f.figure.portals.join(", ")) };
            let _ = writeln!(out, "{sev}  {:<28} {}{portals}", f.rule, f.figure.summary);
        }
        for (rule, why) in &eval.failed {
            let _ = writeln!(out, "?     {rule:<28} could not evaluate: {why}");
        }
        emit(&out)?;
    }
    if status == 0 { Ok(()) } else { Err(ExitStatus(status).into()) }
}
