//! `b24ops partition`: daily partitions of the call log (PostgreSQL), so `prune` drops whole
//! days instead of deleting rows.

use color_eyre::eyre::{Result, bail};
use std::fmt::Write as _;

use super::Ctx;
use super::report::{emit, open};
use crate::cli::PartitionArgs;
use crate::rules::day_partitions::{DayRange, utc_date};
use crate::store::{CallPartition, NewDay};

/// The most days ahead one run creates partitions for.
const MAX_DAYS_AHEAD: u32 = 60;

/// Converts the call log to daily partitions if it is not yet, creates the days ahead, and lists
/// the partitions.
pub async fn partition(ctx: &Ctx, a: PartitionArgs) -> Result<()> {
    if a.days_ahead > MAX_DAYS_AHEAD {
        bail!("--days-ahead must be at most {MAX_DAYS_AHEAD}");
    }
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let mut out = String::new();
    match store.partition_calls_by_day(now).await? {
        Some(c) => {
            _ = writeln!(
                out,
                "b24ops_api_calls: partitioned by day; the calls stored before {} stay in {} until the window passes them",
                utc_date(c.upper, "%Y-%m-%d"),
                c.first
            )
        }
        None => out.push_str("b24ops_api_calls: already partitioned by day\n"),
    }
    let made = store.add_day_partitions(now, a.days_ahead).await?;
    match (made.first(), made.last()) {
        (Some(first), Some(last)) if made.len() > 1 => {
            _ = writeln!(out, "created {} daily partitions: {} … {}", made.len(), first.name, last.name)
        }
        (Some(only), _) => _ = writeln!(out, "created daily partition {}", only.name),
        _ => _ = writeln!(out, "daily partitions already reach {} days ahead", a.days_ahead),
    }
    out.push_str(&moved_out_of_default(&made));
    let parts = store.call_partitions().await?.unwrap_or_default();
    store.close().await;
    out.push_str("partitions (rows as PostgreSQL last counted them):\n");
    out.push_str(&listing(&parts));
    emit(&out)
}

/// A line per new day that took calls out of the default partition: they arrived before their
/// day existed, which means `prune` (or `partition`) did not run for a while.
pub(super) fn moved_out_of_default(made: &[NewDay]) -> String {
    made.iter()
        .filter(|d| d.moved > 0)
        .map(|d| {
            let calls = if d.moved == 1 { "call" } else { "calls" };
            format!("b24ops_api_calls: moved {} {calls} from the default partition into {}\n", d.moved, d.name)
        })
        .collect()
}

/// One line per partition: name, the days it takes, its estimated rows.
fn listing(parts: &[CallPartition]) -> String {
    let width = parts.iter().map(|p| p.name.len()).max().unwrap_or(0);
    parts
        .iter()
        .map(|p| {
            let days = match p.range {
                DayRange::Default => "any day without its own".to_owned(),
                DayRange::Between { from: None, to: Some(to) } => format!("before {}", utc_date(to, "%Y-%m-%d")),
                DayRange::Between { from: Some(from), .. } => utc_date(from, "%Y-%m-%d"),
                DayRange::Between { .. } => "every day".to_owned(),
            };
            let rows =
                if p.rows_estimate < 0 { "not analysed yet".to_owned() } else { format!("~{} rows", p.rows_estimate) };
            format!("  {:<width$}  {days:<24}  {rows}\n", p.name)
        })
        .collect()
}
