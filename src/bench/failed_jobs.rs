//! The Tasks tab over a framework's failure store of a million failed jobs: a Laravel
//! `failed_jobs` and a Symfony `messenger_messages`, made in scratch tables from rows the real
//! frameworks wrote and dropped afterwards. Figures: the first page, a portal's failed jobs
//! without the app's member index (a bounded window of ids) and with it, each beside the same
//! SQL through the native driver; and, for scale, the whole-table scan a portal filter was before.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;

use super::raw::Raw;
use super::stats::{ms, summarize};
use crate::config::TasksConfig;
use crate::model::MemberId;
use crate::rules::task_filter::TaskFilter;
use crate::store::{
    Dialect, FixturePortals, MEMBER_SCAN_IDS, QueueShape, SerializedAs, Store, TaskSource, member_column_ddl,
};

/// The Tasks tab's page.
const PAGE: i64 = crate::tui::limits::TASK_LIMIT;
/// What the failed_tasks alert counts up to.
const ALERT_CAP: i64 = crate::services::alerts::FAILED_COUNT_CAP;
/// A portal among the common ones, with a job in every 5,000.
const COMMON: &str = "00000000000000000000000000000042";
/// A portal with one job in every 100,000: a window holds two of them, the whole table ten.
const RARE: &str = "ffffffffffffffffffffffffffffffff";

struct Shape {
    shape: QueueShape,
    table: &'static str,
    text: &'static str,
    name: &'static str,
    /// The first page's SQL as the store sends it, for the peer.
    page: &'static str,
    /// The WHERE of the failed rows.
    failed: &'static str,
}

const SHAPES: [Shape; 2] = [
    Shape {
        shape: QueueShape::Laravel,
        table: "b24ops_bench_failed_jobs",
        text: "payload",
        name: "Laravel failed_jobs",
        page: "SELECT id, failed_at, substr(payload, 1, 32768) AS payload, substr(exception, 1, 1000) AS error
               FROM b24ops_bench_failed_jobs",
        failed: "",
    },
    Shape {
        shape: QueueShape::Symfony,
        table: "b24ops_bench_messenger",
        text: "body",
        name: "Symfony messenger_messages",
        page: "SELECT id, created_at, substr(body, 1, 262144) AS body, substr(headers, 1, 65536) AS headers
               FROM b24ops_bench_messenger",
        failed: "queue_name = 'failed' AND delivered_at IS NULL",
    },
];

/// The figure lines for failure stores of `rows` jobs.
pub async fn lines(store: &Store, raw: &Raw, rows: i64, iterations: usize) -> Result<String> {
    let d = store.dialect();
    let portals = FixturePortals { common: 5000, rare_every: 100_000, rare: RARE.into() };
    let mut out = String::new();
    for s in &SHAPES {
        store.drop_queue_fixture(s.table).await?;
        store.create_queue_fixture(s.shape, s.table).await?;
        let t = Instant::now();
        store.fill_queue_fixture(s.shape, s.table, rows, &portals).await?;
        let _ = writeln!(out, "{} of {rows} failed jobs: filled in {:.1} s", s.name, t.elapsed().as_secs_f64());
        let result = figures(store, raw, d, s, iterations).await;
        store.drop_queue_fixture(s.table).await?;
        out.push_str(&result?);
    }
    Ok(out)
}

async fn figures(store: &Store, raw: &Raw, d: Dialect, s: &Shape, iterations: usize) -> Result<String> {
    let mut out = String::new();
    let n = iterations.min(200);
    let windowed = source(store, s, None)?;
    let and = |extra: &str| match (s.failed, extra) {
        ("", "") => String::new(),
        ("", e) => format!("WHERE {e}"),
        (f, "") => format!("WHERE {f}"),
        (f, e) => format!("WHERE {f} AND {e}"),
    };
    let page_sql = format!("{} {} ORDER BY id DESC LIMIT ?", s.page, and(""));
    let first = TaskFilter::default();
    let (ours, peer) =
        pair(n, || windowed.tasks_list(&first, PAGE), || async { raw.rows_of(d, &page_sql, &[], &[PAGE]).await })
            .await?;
    out.push_str(&super::line(&format!("  first page ({PAGE})"), ours, peer, "bounded (PK walk)"));

    // The failed_tasks alert counts failed jobs every 30 seconds, no further than its cap; the
    // exact count (what a bulk confirmation shows) reads every failed row.
    let failed = TaskFilter { status: Some("failed".into()), ..TaskFilter::default() };
    let count_sql = format!("SELECT COUNT(*) FROM {} {}", s.table, and(""));
    let capped_sql =
        format!("SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} {} LIMIT {ALERT_CAP}) capped", s.table, and(""));
    let (ours, peer) = pair(
        n.min(20),
        || windowed.tasks_count_upto(&failed, Some(ALERT_CAP)),
        || async { raw.rows_of(d, &capped_sql, &[], &[]).await },
    )
    .await?;
    out.push_str(&super::line("  failed count (alert, capped 10,000)", ours, peer, "p99 ≤ 50 ms"));
    let (ours, peer) =
        pair(n.min(5), || windowed.tasks_count(&failed), || async { raw.rows_of(d, &count_sql, &[], &[]).await })
            .await?;
    out.push_str(&super::line("  failed count, exact (bulk confirm)", ours, peer, "—"));

    let like_sql = format!("{} {} ORDER BY id DESC LIMIT ?", s.page, and(&format!("{} LIKE ? AND id > ?", s.text)));
    for (label, member) in [("common", COMMON), ("rare", RARE)] {
        let f = member_filter(member)?;
        let pattern = format!("%{member}%");
        let (ours, peer) = pair(
            n,
            || windowed.tasks_list(&f, PAGE),
            || async {
                let top = raw.max_id(d, s.table).await?;
                raw.rows_of(d, &like_sql, std::slice::from_ref(&pattern), &[top - MEMBER_SCAN_IDS, PAGE]).await
            },
        )
        .await?;
        let name = format!("  {label} portal, newest {MEMBER_SCAN_IDS} ids");
        out.push_str(&super::line(&name, ours, peer, "bounded (window)"));
    }

    // The plan before the window: the whole table's payloads for a portal with few jobs.
    let t = Instant::now();
    let found = raw.rows_of(d, &like_sql, &[format!("%{RARE}%")], &[0, PAGE]).await?;
    let _ = writeln!(out, "  rare portal, whole-table LIKE (before): {} for {found} rows, once", ms(t.elapsed()));

    let t = Instant::now();
    let ddl = member_column_ddl(d, s.table, s.text, "memberId", SerializedAs::Php, "member_id");
    store.run_fixture_ddl(&ddl).await?;
    if d == Dialect::Postgres {
        store.run_fixture_ddl(&[format!("ANALYZE {}", s.table)]).await?;
    }
    let _ = writeln!(out, "  the app's member index added (docs/your-queue.md): {:.1} s", t.elapsed().as_secs_f64());
    let indexed = source(store, s, Some("member_id"))?;
    let index_sql = format!("{} {} ORDER BY id DESC LIMIT ?", s.page, and("member_id = ?"));
    for (label, member) in [("common", COMMON), ("rare", RARE)] {
        let f = member_filter(member)?;
        let (ours, peer) = pair(
            n,
            || indexed.tasks_list(&f, PAGE),
            || async { raw.rows_of(d, &index_sql, &[member.to_owned()], &[PAGE]).await },
        )
        .await?;
        let found = indexed.tasks_list(&f, PAGE).await?.len();
        let name = format!("  {label} portal, member index ({found})");
        out.push_str(&super::line(&name, ours, peer, "bounded (index range)"));
    }
    Ok(out)
}

fn source(store: &Store, s: &Shape, member_column: Option<&str>) -> Result<Store> {
    let cfg = TasksConfig {
        adapter: if s.shape == QueueShape::Laravel { "laravel" } else { "symfony" }.into(),
        failed_table: s.table.into(),
        messages_table: s.table.into(),
        member_column: member_column.unwrap_or_default().into(),
        ..TasksConfig::default()
    };
    Ok(store.clone().with_tasks(TaskSource::from_config(&cfg)?))
}

fn member_filter(member: &str) -> Result<TaskFilter> {
    Ok(TaskFilter { member_id: Some(MemberId::parse(member)?), ..TaskFilter::default() })
}

/// `n` runs of ours and of the peer, alternating, summarised.
async fn pair<A, FA, T, B, FB, E>(
    n: usize,
    mut ours: A,
    mut peer: B,
) -> Result<(super::stats::Summary, super::stats::Summary)>
where
    A: FnMut() -> FA,
    FA: std::future::Future<Output = Result<T, crate::store::StoreError>>,
    B: FnMut() -> FB,
    FB: std::future::Future<Output = Result<usize, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let (mut a, mut b): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        ours().await?;
        a.push(t.elapsed());
        let t = Instant::now();
        peer().await?;
        b.push(t.elapsed());
    }
    Ok((summarize(&mut a), summarize(&mut b)))
}
