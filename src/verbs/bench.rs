//! `b24ops bench`.

use color_eyre::eyre::{Result, WrapErr};

use super::Ctx;
use super::report::{emit, open};
use crate::bench::{BenchPlan, ConsoleCommand, run as run_bench};
use crate::cli::{BenchArgs, Global};

/// Measures and prints.
pub async fn run(ctx: &Ctx, a: BenchArgs, global: &Global) -> Result<()> {
    let store = open(ctx).await?;
    let plan = BenchPlan {
        iterations: a.iterations.clamp(10, 100_000),
        tail_secs: a.tail_secs.clamp(1, 600),
        tail_rates: a.tail_rates,
        ingest_rows: a.ingest_rows.clamp(1000, 10_000_000),
        idle_secs: a.idle_secs.min(3600),
        console: same_console(ctx, global)?,
        failed_jobs: a.failed_jobs.clamp(0, 10_000_000),
    };
    let report = run_bench(&store, &ctx.cfg.database_url, &ctx.cfg, ctx.clock, &plan).await?;
    store.close().await;
    emit(&report)
}

/// This binary, opened on the same database with the same configuration and clock.
fn same_console(ctx: &Ctx, global: &Global) -> Result<ConsoleCommand> {
    let exe = std::env::current_exe().wrap_err("bench: cannot find the b24ops binary to measure its idle CPU")?;
    let mut args = Vec::new();
    if let Some(path) = &global.config {
        args.extend(["--config".to_owned(), path.display().to_string()]);
    }
    if let Some(now) = &global.now {
        args.extend(["--now".to_owned(), now.clone()]);
    }
    let env = vec![("B24OPS_DATABASE_URL".to_owned(), ctx.cfg.database_url.clone())];
    Ok(ConsoleCommand { exe, args, env })
}
