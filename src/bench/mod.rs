//! `b24ops bench`: the figures the scale work is judged by, each beside its peer (the same SQL
//! through the database's own driver, or a bare ratatui draw), measured in the same run.
//!
//! Run it on a dataset made for it (`b24ops seed --calls 10000000`): the ingest and tail figures
//! add rows to `b24ops_api_calls`, and remove them again afterwards.

use std::fmt::Write as _;

mod failed_jobs;
mod frames;
mod idle;
mod intake;
mod mapped_tokens;
mod raw;
pub mod stats;
mod tokens;

use std::time::{Duration, Instant};

use chrono::{Duration as ChronoDuration, Utc};
use color_eyre::eyre::{Result, eyre};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;
use ratatui::widgets::{Row, Table};

pub use self::idle::ConsoleCommand;
use self::raw::Raw;
use self::stats::{Summary, ms, summarize};
use crate::clock::Clock;
use crate::config::Config;
use crate::model::{GroupBy, MemberId, NewApiCall};
use crate::rules::call_filter::CallFilter;
use crate::store::{ErrorWindow, GROUP_LIMIT, GROUP_PAGE, PageDirection, Store};
use crate::tui::theme::Theme;
use crate::tui::update::{self, Msg};
use crate::tui::views;

/// How long and how hard to measure.
#[derive(Clone, Debug)]
pub struct BenchPlan {
    /// Iterations of each query.
    pub iterations: usize,
    /// Seconds each tail-lag rate runs.
    pub tail_secs: u64,
    /// Insert rates for the tail-lag figure.
    pub tail_rates: Vec<u32>,
    /// Rows for the ingest figure.
    pub ingest_rows: usize,
    /// Seconds the real console is left idle for the idle-CPU figure (0 skips it).
    pub idle_secs: u64,
    /// How to start the real console for the idle-CPU figure.
    pub console: ConsoleCommand,
    /// Failed jobs in the Laravel and Symfony failure stores measured instead of the other
    /// figures (0: the other figures).
    pub failed_jobs: i64,
}

fn line(name: &str, ours: Summary, peer: Summary, target: &str) -> String {
    let ratio = ours.p50.as_secs_f64() / peer.p50.as_secs_f64().max(1e-9);
    format!(
        "{name:<34} b24ops p50 {} p99 {} | peer p50 {} p99 {} | ratio {ratio:.2}x | target {target}\n",
        ms(ours.p50),
        ms(ours.p99),
        ms(peer.p50),
        ms(peer.p99)
    )
}

/// Runs every figure and returns the report.
pub async fn run(store: &Store, url: &str, cfg: &Config, clock: Clock, plan: &BenchPlan) -> Result<String> {
    let d = store.dialect();
    let raw = Raw::connect(url, d).await?;
    let mut out = format!(
        "b24ops bench — {} ({}), {} cores\n",
        store.masked_url(),
        d.name(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if plan.failed_jobs > 0 {
        out.push_str(&failed_jobs::lines(store, &raw, plan.failed_jobs, plan.iterations).await?);
        raw.close().await;
        return Ok(out);
    }
    let newest = store.calls_page(&CallFilter::default(), PageDirection::Latest, 1).await?;
    let Some(last) = newest.rows.last() else {
        return Err(eyre!("the database has no calls: run `b24ops seed` first"));
    };
    let _ = writeln!(out, "dataset: newest call id {} (ids approximate the row count)", newest.newest_id);
    let now = last.ts;
    let heavy = heaviest_member(store).await?;

    // Time to first frame: connect, first queries, first draw.
    let started = Instant::now();
    let fresh = Store::connect(url, crate::store::OpenMode::Existing).await?;
    let mut console = crate::tui::setup::setup(fresh.clone(), cfg, clock)?;
    let fx = update::start(&mut console.state);
    settle(&console.runner, &mut console.state, fx).await;
    let mut term = Terminal::new(TestBackend::new(200, 50))?;
    term.draw(|f| views::draw(f, &mut console.state, &Theme::color()))?;
    let _ = writeln!(
        out,
        "{:<34} {} (connect, newest page, counts, draw; target ≤ 200 ms)",
        "time to first frame",
        ms(started.elapsed())
    );

    // Every tab opened, then memory.
    for key in ['2', '3', '4', '1'] {
        let fx = update::update(&mut console.state, Msg::Key(key_event(key))).effects;
        settle(&console.runner, &mut console.state, fx).await;
        term.draw(|f| views::draw(f, &mut console.state, &Theme::color()))?;
    }
    let fx = update::update(&mut console.state, Msg::Key(key_event('p'))).effects;
    settle(&console.runner, &mut console.state, fx).await;
    let _ = writeln!(out, "{:<34} {} MB (this process, every tab opened; target ≤ 50 MB)", "RSS", rss_mb());

    // Member filter: newest 200 of the heaviest member.
    let filter = CallFilter { member_id: Some(heavy.clone()), ..Default::default() };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..plan.iterations {
        let t = Instant::now();
        store.calls_page(&filter, PageDirection::Latest, 200).await?;
        a.push(t.elapsed());
        let t = Instant::now();
        raw.member_newest(d, heavy.as_str(), 200).await?;
        b.push(t.elapsed());
    }
    out.push_str(&line("member filter, newest 200", summarize(&mut a), summarize(&mut b), "p99 ≤ 2 ms, ≤ 3x"));

    // Error groups: what the Errors tab runs (15 min, 1 h and 24 h counts and the 24 hourly
    // buckets of its sparklines) — its first page, and every group it can hold once scrolled to
    // the end — against the raw 15-minute grouping.
    let w = ErrorWindow { now, window: ChronoDuration::minutes(15), threshold_15m: cfg.errors.threshold_15m };
    let since = (now - ChronoDuration::minutes(15)).timestamp_millis();
    let (mut a, mut b, mut c, mut all) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.iterations.min(200) {
        let t = Instant::now();
        store.error_groups_page(w, GroupBy::PortalAndType, None, GROUP_PAGE).await?;
        a.push(t.elapsed());
        let t = Instant::now();
        store.error_groups(w, GroupBy::PortalAndType, None).await?;
        all.push(t.elapsed());
        let t = Instant::now();
        store.groups_over_threshold(now, cfg.errors.threshold_15m).await?;
        c.push(t.elapsed());
        let t = Instant::now();
        raw.groups_15m(d, since, now.timestamp_millis()).await?;
        b.push(t.elapsed());
    }
    let peer = summarize(&mut b);
    // The page carries each group's 24 hourly buckets (the sparkline): no second statement.
    let first_page = format!("Errors tab, first {GROUP_PAGE} groups");
    out.push_str(&line(&first_page, summarize(&mut a), peer, "p99 ≤ 5 ms (SQLite), ≤ 10 ms, with sparklines"));
    let scrolled = format!("Errors tab, all {GROUP_LIMIT} groups");
    out.push_str(&line(&scrolled, summarize(&mut all), peer, "p99 ≤ 5 ms, with sparklines"));
    out.push_str(&line("groups over threshold (header)", summarize(&mut c), peer, "p99 ≤ 5 ms"));

    let token_service = crate::services::tokens::TokenService::new(
        store.clone(),
        crate::services::settings::token_settings(cfg)?,
        clock,
    )?;
    out.push_str(&tokens::lines(&token_service, &raw, plan.iterations).await?);
    out.push_str(&mapped_tokens::lines(store, &raw, cfg, clock, plan.iterations).await?);

    // The HTTP intake: Sentry events beside the NDJSON paths, every accepted record counted back.
    let before_intake = store.max_call_id().await?;
    out.push_str(&intake::lines(store, &raw, d, plan.iterations).await?);
    store.prune_bench_rows(before_intake).await?;

    // Ingest: the console's batched writer against the native driver, same rows and batches.
    let before_bench = store.max_call_id().await?;
    let rows = synthetic_rows(plan.ingest_rows, now);
    let calls: Vec<NewApiCall> = rows.iter().map(to_call).collect();
    let t = Instant::now();
    for chunk in calls.chunks(2000) {
        store.seed_writer().calls(chunk).await?;
    }
    let ours = plan.ingest_rows as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for chunk in rows.chunks(2000) {
        raw.insert(d, chunk).await?;
    }
    let peer = plan.ingest_rows as f64 / t.elapsed().as_secs_f64();
    let _ = writeln!(
        out,
        "{:<34} b24ops {ours:.0} rows/s | peer {peer:.0} rows/s | ratio {:.2}x | target ≥ 0.8x and ≥ 20,000 rows/s",
        "ingest (2,000-row transactions)",
        ours / peer
    );
    store.prune_bench_rows(before_bench).await?;

    // Tail lag: a writer at each rate, the console's tail poll at its interval.
    for rate in &plan.tail_rates {
        let lag = tail_lag(store, *rate, plan.tail_secs, Duration::from_millis(cfg.ui.tail_poll_ms)).await?;
        let _ = writeln!(
            out,
            "{:<34} p50 {} p99 {} over {} rows | target p99 ≤ poll ({} ms) + 50 ms",
            format!("tail lag at {rate} inserts/s"),
            ms(lag.0.p50),
            ms(lag.0.p99),
            lag.1,
            cfg.ui.tail_poll_ms
        );
    }
    store.prune_bench_rows(before_bench).await?;

    // One frame of the Calls tab at 200×50, against a bare Table of the same visible rows.
    let fx = update::update(&mut console.state, Msg::Key(key_event('1'))).effects;
    settle(&console.runner, &mut console.state, fx).await;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let bare: Vec<[String; 6]> = console
        .state
        .calls
        .rows
        .iter()
        .rev()
        .take(48)
        .map(|c| {
            [
                c.ts.to_rfc3339(),
                c.member_id.to_string(),
                c.method.to_string(),
                format!("{:?}", c.http_status),
                String::new(),
                format!("{:?}", c.duration_ms),
            ]
        })
        .collect();
    let theme = Theme::color();
    for i in 0..300 {
        console.state.calls.selected = console.state.calls.rows.len().saturating_sub(1 + i % 40);
        console.state.calls.follow = false;
        let t = Instant::now();
        term.draw(|f| views::draw(f, &mut console.state, &theme))?;
        a.push(t.elapsed());
        b.push(bare_frame(&mut term, &bare)?);
    }
    out.push_str(&line("one frame, Calls tab, 200×50", summarize(&mut a), summarize(&mut b), "p99 ≤ 2 ms"));
    out.push_str(&frames::lines(&console.runner, &mut console.state).await?);
    fresh.close().await;
    raw.close().await;
    out.push_str(&idle_line(plan).await?);
    Ok(out)
}

/// The idle-CPU figure: the real console in a pseudo-terminal, measured from outside.
async fn idle_line(plan: &BenchPlan) -> Result<String> {
    let name = "idle CPU (console, Calls tab)";
    if plan.idle_secs == 0 {
        return Ok(format!("{name:<34} skipped (--idle-secs 0)\n"));
    }
    let (console, over) = (plan.console.clone(), Duration::from_secs(plan.idle_secs));
    // The figures measured so far are kept when this one cannot be taken (no pseudo-terminal,
    // no /proc): the line says why instead.
    let idle = match tokio::task::spawn_blocking(move || idle::measure(&console, over)).await? {
        Ok(idle) => idle,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "idle CPU not measured");
            return Ok(format!("{name:<34} not measured: {e}\n"));
        }
    };
    Ok(format!(
        "{name:<34} {:.0} ms of CPU in {:.0} s: {:.3} % of one core, {} bytes drawn | target ≤ 0.3 %\n",
        idle.cpu.as_secs_f64() * 1000.0,
        idle.over.as_secs_f64(),
        idle.percent_of_a_core(),
        idle.drawn
    ))
}

/// How long one frame of a bare ratatui `Table` of `rows` takes: the peer of a frame figure.
fn bare_frame<const N: usize>(term: &mut Terminal<TestBackend>, rows: &[[String; N]]) -> Result<Duration> {
    let t = Instant::now();
    term.draw(|f| {
        let rows = rows.iter().map(|r| Row::new(r.clone()));
        f.render_widget(Table::new(rows, [Constraint::Length(25); N]), f.area());
    })?;
    Ok(t.elapsed())
}

fn key_event(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
}

/// Runs effects and everything they cause to completion.
async fn settle(runner: &crate::tui::runner::Runner, state: &mut crate::tui::state::AppState, fx: Vec<update::Effect>) {
    let mut queue: std::collections::VecDeque<update::Effect> = fx.into();
    while let Some(e) = queue.pop_front() {
        let msg = runner.execute(e).await;
        queue.extend(update::update(state, msg).effects);
    }
}

async fn heaviest_member(store: &Store) -> Result<MemberId> {
    // The member of the most recent calls is, with a power-law dataset, a heavy one.
    let page = store.calls_page(&CallFilter::default(), PageDirection::Latest, 200).await?;
    let mut counts = std::collections::HashMap::new();
    for c in &page.rows {
        *counts.entry(c.member_id.clone()).or_insert(0) += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(m, _)| m).ok_or_else(|| eyre!("no calls"))
}

const BENCH_METHOD: &str = "bench.synthetic";

fn synthetic_rows(n: usize, now: chrono::DateTime<Utc>) -> Vec<raw::RawRow> {
    (0..n)
        .map(|i| {
            let member = format!("{:032x}", (i as u128).wrapping_mul(2_654_435_761) % 5000);
            (now.timestamp_millis() - 1, member, BENCH_METHOD.to_owned(), 200, (i % 900) as i64)
        })
        .collect()
}

fn to_call(r: &raw::RawRow) -> NewApiCall {
    NewApiCall {
        ts: chrono::TimeZone::timestamp_millis_opt(&Utc, r.0).single().unwrap_or_else(Utc::now),
        member_id: r.1.clone(),
        method: r.2.clone(),
        http_status: Some(r.3),
        error_code: None,
        error_description: None,
        duration_ms: Some(r.4),
        operating: None,
        request_id: None,
        task_id: None,
        source: "app".into(),
    }
}

/// Lag between a row's write and the tail poll that first sees it.
async fn tail_lag(store: &Store, rate: u32, secs: u64, poll: Duration) -> Result<(Summary, usize)> {
    let writer_store = store.clone();
    let stop_at = Instant::now() + Duration::from_secs(secs);
    let writer = tokio::spawn(async move {
        let tick = Duration::from_millis(20);
        let per_tick = (rate as f64 * tick.as_secs_f64()).max(1.0) as usize;
        let mut interval = tokio::time::interval(tick);
        while Instant::now() < stop_at {
            interval.tick().await;
            let now = Utc::now();
            let batch: Vec<NewApiCall> = (0..per_tick)
                .map(|i| {
                    to_call(&(now.timestamp_millis(), format!("{:032x}", i % 50), BENCH_METHOD.to_owned(), 200, 1))
                })
                .collect();
            if writer_store.seed_writer().calls(&batch).await.is_err() {
                break;
            }
        }
    });
    let mut last = store.max_call_id().await?;
    let mut lags = Vec::new();
    let filter = CallFilter::default();
    let mut interval = tokio::time::interval(poll);
    while Instant::now() < stop_at + poll {
        interval.tick().await;
        let page = store.calls_page(&filter, PageDirection::After(last), 5000).await?;
        let seen = Utc::now();
        for r in &page.rows {
            if r.method.as_str() == BENCH_METHOD {
                lags.push((seen - r.ts).to_std().unwrap_or_default());
            }
        }
        if let Some(r) = page.rows.last() {
            last = r.id;
        }
    }
    let _ = writer.await;
    let n = lags.len();
    Ok((summarize(&mut lags), n))
}

fn rss_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1}", kb / 1024.0))
        .unwrap_or_else(|| "?".into())
}
