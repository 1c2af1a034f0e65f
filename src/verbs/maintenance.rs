//! `b24ops ingest-calls` and `b24ops prune`.

use std::io::BufRead;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};

use color_eyre::eyre::{Result, bail, eyre};

use super::Ctx;
use super::report::{emit, open};
use crate::cli::{IngestArgs, PruneArgs};
use crate::intake::calls::parse_call;
use crate::rules::day_partitions::{DAYS_AHEAD, wholly_before};
use crate::rules::timefmt;
use crate::store::{PRUNED_TABLES, Store};

/// Bad lines named one by one before the rest are only counted.
const BAD_LINES_SHOWN: usize = 20;

/// Reads NDJSON call records from stdin and writes them in batched transactions. A bad line is
/// reported with its number; the good ones are kept.
pub async fn ingest_calls(ctx: &Ctx, a: IngestArgs) -> Result<()> {
    if !(1..=20_000).contains(&a.batch) {
        bail!("--batch must be between 1 and 20000");
    }
    let store = open(ctx).await?;
    let started = Instant::now();
    let (mut batch, mut good, mut bad) = (Vec::with_capacity(a.batch), 0u64, 0u64);
    let stdin = std::io::stdin();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line_no = n + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                bad += 1;
                if bad as usize <= BAD_LINES_SHOWN {
                    eprintln!("line {line_no}: unreadable: {e}");
                }
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_call(&line) {
            Ok(c) => batch.push(c),
            Err(why) => {
                bad += 1;
                if bad as usize <= BAD_LINES_SHOWN {
                    eprintln!("line {line_no}: {why}");
                }
            }
        }
        if batch.len() >= a.batch {
            store.seed_writer().calls(&batch).await?;
            good += batch.len() as u64;
            batch.clear();
        }
    }
    store.seed_writer().calls(&batch).await?;
    good += batch.len() as u64;
    store.close().await;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    emit(&format!("ingested {good} calls in {secs:.1}s ({:.0} rows/s); {bad} bad lines\n", good as f64 / secs))?;
    if bad > 0 {
        return Err(eyre!("{bad} line(s) were not ingested (see above); the other {good} were"));
    }
    Ok(())
}

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
        out.push_str(&format!("b24ops_api_calls: created {} daily partitions ahead\n", made.len()));
    }
    out.push_str(&super::partition::moved_out_of_default(&made));
    for p in parts.iter().filter(|p| wholly_before(&p.range, before.timestamp_millis())) {
        let hours = store.drop_call_partition(p).await?;
        eprintln!("{}: dropped", p.name);
        out.push_str(&format!(
            "b24ops_api_calls: dropped partition {} (~{} rows) with {hours} hours of its error counts\n",
            p.name,
            p.rows_estimate.max(0)
        ));
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
        out.push_str(&format!("{table}: deleted {total} rows older than {}\n", before.to_rfc3339()));
    }
    let hours = store.prune_error_hours(before).await?;
    out.push_str(&format!("b24ops_error_hours: deleted {hours} emptied hours\n"));
    store.close().await;
    emit(&out)
}
