//! `b24ops migrate` and `b24ops seed`.

#[cfg(feature = "demo")]
use std::io::Write;
#[cfg(feature = "demo")]
use std::time::Instant;

use color_eyre::eyre::Result;

use super::Ctx;
#[cfg(feature = "demo")]
use crate::cli::SeedArgs;
#[cfg(feature = "demo")]
use crate::demo::seed::{SeedSpec, seed as run_seed};
use crate::store::{OpenMode, Store};

/// Creates or upgrades the tables.
pub async fn migrate(ctx: &Ctx) -> Result<()> {
    let store = Store::connect(&ctx.cfg.database_url, OpenMode::CreateIfMissing).await?;
    let applied = store.migrate().await?;
    let version = store.schema_version().await?;
    if applied.is_empty() {
        println!("{}: schema already at version {version}", store.masked_url());
    } else {
        println!("{}: applied {applied:?}, schema now at version {version}", store.masked_url());
    }
    store.close().await;
    Ok(())
}

/// Fills the database.
#[cfg(feature = "demo")]
pub async fn seed(ctx: &Ctx, a: SeedArgs) -> Result<()> {
    let store = Store::connect(&ctx.cfg.database_url, OpenMode::CreateIfMissing).await?;
    store.migrate().await?;
    let spec = SeedSpec {
        seed: a.data.seed,
        portals: a.data.portals,
        calls: a.data.calls,
        now: ctx.clock.now(),
        hostile: !a.no_hostile,
    };
    let started = Instant::now();
    let report = run_seed(&store, &spec, progress).await?;
    eprintln!();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {}: {} portals, {} calls ({:.0} calls/s), {} app errors, {} tasks, {} tickets, {} reviews in {secs:.1}s",
        store.masked_url(),
        report.portals,
        report.calls,
        report.calls as f64 / secs.max(0.001),
        report.app_errors,
        report.tasks,
        report.tickets,
        report.reviews
    );
    store.close().await;
    Ok(())
}

/// Progress on stderr, one updating line.
#[cfg(feature = "demo")]
pub fn progress(what: &str, done: u64, total: u64) {
    let pct = if total == 0 { 100.0 } else { done as f64 * 100.0 / total as f64 };
    eprint!("\r{what:<8} {done:>10} / {total:<10} {pct:5.1}%   ");
    let _ = std::io::stderr().flush();
}
