//! `b24ops prune`.

use std::fmt::Write as _;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};

use color_eyre::eyre::{Result, bail, eyre};

use super::Ctx;
use super::report::{emit, open};
use crate::cli::PruneArgs;
use crate::rules::day_partitions::{DAYS_AHEAD, wholly_before};
use crate::rules::timefmt;
use crate::store::{PRUNED_TABLES, Store};

/// On a call log partitioned by day: keeps the days ahead ready and drops every partition the
/// window has wholly passed. On a plain one: removes what a failed conversion left. Says what it
/// did.
async fn drop_old_partitions(store: &Store, now: DateTime<Utc>, before: DateTime<Utc>) -> Result<String> {
    let Some(parts) = store.call_partitions().await? else {
        return Ok(match store.remove_leftover_bound().await? {
            true => "b24ops_api_calls: removed the time bound a failed `b24ops partition` left\n".into(),
            false => String::new(),
        });
    };
    let mut out = String::new();
    let made = store.add_day_partitions(now, DAYS_AHEAD).await?;
    if !made.is_empty() {
        let _ = writeln!(out, "b24ops_api_calls: created {} daily partitions ahead", made.len());
    }
    out.push_str(&super::partition::moved_out_of_default(&made));
    for p in parts.iter().filter(|p| wholly_before(&p.range, before.timestamp_millis())) {
        let hours = store.drop_call_partition(p).await?;
        eprintln!("{}: dropped", p.name);
        let _ = writeln!(
            out,
            "b24ops_api_calls: dropped partition {} (~{} rows) with {hours} hours of its error counts",
            p.name,
            p.rows_estimate.max(0)
        );
    }
    Ok(out)
}

/// Deletes history older than the window, batch by batch.
pub async fn prune(ctx: &Ctx, a: PruneArgs) -> Result<()> {
    if ctx.cfg.read_only {
        bail!("refused: b24ops is in read-only mode");
    }
    let window = timefmt::parse_window(&a.older_than)
        .ok_or_else(|| eyre!("--older-than {:?}: use e.g. 30d, 12h", a.older_than))?;
    if !(1..=100_000).contains(&a.batch) {
        bail!("--batch must be between 1 and 100000");
    }
    let before = ctx.clock.now() - window;
    let store = open(ctx).await?;
    let mut out = drop_old_partitions(&store, ctx.clock.now(), before).await?;
    for table in PRUNED_TABLES {
        let mut total = 0u64;
        loop {
            let n = store.prune_batch(table, before, a.batch).await?;
            total += n;
            if n < a.batch as u64 {
                break;
            }
            eprint!("\r{table}: {total} deleted");
            tokio::time::sleep(StdDuration::from_millis(a.pause_ms)).await;
        }
        eprintln!("\r{table}: {total} deleted");
        let _ = writeln!(out, "{table}: deleted {total} rows older than {}", before.to_rfc3339());
    }
    let hours = store.prune_error_hours(before).await?;
    let _ = writeln!(out, "b24ops_error_hours: deleted {hours} emptied hours");
    store.close().await;
    emit(&out)
}
