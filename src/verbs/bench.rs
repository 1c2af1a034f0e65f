//! `b24ops bench`.

use color_eyre::eyre::Result;

use super::Ctx;
use super::report::{emit, open};
use crate::bench::{BenchPlan, run as run_bench};
use crate::cli::BenchArgs;

/// Measures and prints.
pub async fn run(ctx: &Ctx, a: BenchArgs) -> Result<()> {
    let store = open(ctx).await?;
    let plan = BenchPlan {
        iterations: a.iterations.clamp(10, 100_000),
        tail_secs: a.tail_secs.clamp(1, 600),
        tail_rates: a.tail_rates,
        ingest_rows: a.ingest_rows.clamp(1000, 10_000_000),
    };
    let report = run_bench(&store, &ctx.cfg.database_url, &ctx.cfg, ctx.clock, &plan).await?;
    store.close().await;
    emit(&report)
}
