//! `b24ops demo`: a seeded SQLite database, the Bitrix24 emulator, simulated live traffic and the console, with nothing
//! left running (and, unless `--db` was given, nothing left on disk) when the console closes.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::watch;

use super::Ctx;
use super::data::progress;
use crate::cli::DemoArgs;
use crate::demo::seed::{SeedSpec, make_portals_for, seed};
use crate::demo::simulator::{self, Pace};
use crate::emulator;
use crate::emulator::from_store::{DEMO_PLACEMENTS, point_store_at, world_from_store};
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
    // The demo's Bitrix24: the emulator, holding the seeded portals and their tokens, with the
    // database's portals aimed at it so refresh, diagnose and notify work offline.
    // Its app uses the configured keys when there are any (so B24OPS_CLIENT_* agree), else test keys.
    let app = super::emulator::app_for(ctx)?;
    let (client_id, client_secret) = (app.client_id.clone(), app.client_secret.clone());
    let world = world_from_store(&store, app, ctx.clock.now(), true).await?;
    let emu = emulator::start(world, "127.0.0.1:0".parse()?, ctx.clock).await.wrap_err("cannot start the emulator")?;
    point_store_at(&store, &emu.emulator, ctx.clock.now()).await?;
    let secret_file = write_private(tmp.path(), "client-secret", &client_secret)?;
    tracing::info!(emulator = %emu.addr, "demo: emulator started");
    let (stop_tx, stop_rx) = watch::channel(false);
    let pace = Pace { calls_per_sec: a.rate, burst_every_secs: a.burst_every.max(10) };
    let sim =
        tokio::spawn(simulator::run(store.clone(), make_portals_for(&spec), ctx.clock, pace, a.data.seed, stop_rx));
    let mut cfg = ctx.cfg.clone();
    cfg.database_url = url;
    cfg.bitrix.client_id = client_id;
    cfg.bitrix.client_secret_file = secret_file.display().to_string();
    cfg.bitrix.oauth_server = String::new();
    if cfg.bitrix.expected_placements.is_empty() {
        cfg.bitrix.expected_placements = DEMO_PLACEMENTS.iter().map(|s| s.to_string()).collect();
    }
    if cfg.reviews.app_name.is_empty() {
        // The demo's app, so reply templates read naturally; a real team sets reviews.app_name.
        cfg.reviews.app_name = "Deal Sync".into();
    }
    let emulator_url = format!("http://{}", emu.addr);
    let result = super::console::open_with(store.clone(), &cfg, ctx.clock, |setup| {
        setup.state.tokens.bitrix_label = Some(format!("Bitrix24: emulator {emulator_url}"));
    })
    .await;
    let _ = stop_tx.send(true);
    let _ = sim.await;
    emu.stop();
    store.close().await;
    drop(tmp);
    if a.db.is_some() {
        eprintln!("b24ops demo: the database is kept at {}", path.display());
    }
    result
}

/// Writes `text` to `dir/name` readable by the owner alone, in a directory only the owner may
/// enter. The directory is the demo's temporary one, removed on every way out of the console
/// (`q`, SIGINT, SIGQUIT, SIGHUP, SIGTERM, an error).
fn write_private(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .wrap_err("cannot make the demo's directory private")?;
    let path = dir.join(name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .wrap_err("cannot write the demo's client secret")?;
    file.write_all(text.as_bytes()).wrap_err("cannot write the demo's client secret")?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_file_is_the_owners_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = write_private(dir.path(), "client-secret", "s3cret").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "s3cret");
    }
}
