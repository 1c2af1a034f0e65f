//! `b24ops demo`: a seeded SQLite database, simulated live traffic and the console, with nothing
//! left running (and, unless `--db` was given, nothing left on disk) when the console closes.

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::watch;

use super::Ctx;
use super::data::progress;
use crate::cli::DemoArgs;
use crate::demo::seed::{SeedSpec, make_portals_for, seed};
use crate::demo::simulator::{self, Pace};
use crate::store::{OpenMode, Store};

/// Runs the demo.
pub async fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let tmp =
        tempfile::Builder::new().prefix("b24ops-demo-").tempdir().wrap_err("cannot create a temporary directory")?;
    let path = a.db.clone().unwrap_or_else(|| tmp.path().join("demo.db"));
    let fresh = !path.exists();
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, OpenMode::CreateIfMissing).await?;
    store.migrate().await?;
    let spec = SeedSpec {
        seed: a.data.seed,
        portals: a.data.portals,
        calls: a.data.calls,
        now: ctx.clock.now(),
        hostile: true,
    };
    if fresh {
        eprintln!("b24ops demo: seeding {} ({} portals, {} calls)…", path.display(), a.data.portals, a.data.calls);
        seed(&store, &spec, progress).await?;
        eprintln!();
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let pace = Pace { calls_per_sec: a.rate, burst_every_secs: a.burst_every.max(10) };
    let sim =
        tokio::spawn(simulator::run(store.clone(), make_portals_for(&spec), ctx.clock, pace, a.data.seed, stop_rx));
    let mut cfg = ctx.cfg.clone();
    cfg.database_url = url;
    if cfg.reviews.app_name.is_empty() {
        // The demo's app, so reply templates read naturally; a real team sets reviews.app_name.
        cfg.reviews.app_name = "Deal Sync".into();
    }
    let result = super::console::open(store.clone(), &cfg, ctx.clock).await;
    let _ = stop_tx.send(true);
    let _ = sim.await;
    store.close().await;
    drop(tmp);
    if a.db.is_some() {
        eprintln!("b24ops demo: the database is kept at {}", path.display());
    }
    result
}
