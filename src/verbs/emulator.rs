//! `b24ops emulator`: the offline Bitrix24 until SIGTERM or Ctrl-C.

use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio::signal::unix::{SignalKind, signal};

use super::Ctx;
use super::report::open;
use crate::cli::EmulatorArgs;
use crate::emulator::from_store::{point_store_at, world_from_store};
use crate::emulator::{self, EmuApp, World, WorldSpec};

/// The keys the emulator's app uses when none are configured.
pub const DEFAULT_CLIENT_ID: &str = "app.b24ops.emulator";
/// The emulator's default secret (a test value, not a secret anyone relies on).
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";

/// The emulator's app: the configured keys, else the defaults.
pub fn app_for(ctx: &Ctx) -> Result<EmuApp> {
    Ok(EmuApp {
        client_id: ctx.cfg.bitrix.client_id().unwrap_or_else(|| DEFAULT_CLIENT_ID.into()),
        client_secret: ctx
            .cfg
            .bitrix
            .client_secret()?
            .map(|s| s.expose().to_owned())
            .unwrap_or_else(|| DEFAULT_CLIENT_SECRET.into()),
        refresh_lifetime_days: ctx.cfg.tokens.lifetime_days,
        operating_limit_secs: 480.0,
        redirect_uri: String::new(),
    })
}

/// Runs the emulator.
pub async fn run(ctx: &Ctx, a: EmulatorArgs) -> Result<()> {
    let listen: std::net::SocketAddr = a.listen.parse().map_err(|e| eyre!("--listen {}: {e}", a.listen))?;
    let now = ctx.clock.now();
    let (world, store) = match &a.portals {
        Some(path) => {
            let text = std::fs::read_to_string(path).wrap_err_with(|| format!("cannot read {}", path.display()))?;
            let spec: WorldSpec = if path.extension().is_some_and(|e| e == "json") {
                serde_json::from_str(&text).wrap_err_with(|| format!("in {}", path.display()))?
            } else {
                toml::from_str(&text).wrap_err_with(|| format!("in {}", path.display()))?
            };
            (World::new(spec, now), None)
        }
        None => {
            let store = open(ctx).await?;
            (world_from_store(&store, app_for(ctx)?, now, false).await?, Some(store))
        }
    };
    let mut world = world;
    world.event_handler = a.event_handler.clone().filter(|u| !u.trim().is_empty());
    let portals = world.portals.len();
    let client_id = world.app.client_id.clone();
    let running =
        emulator::start(world, listen, ctx.clock).await.wrap_err_with(|| format!("cannot listen on {listen}"))?;
    eprintln!("b24ops emulator: {portals} portals on http://{} (app {client_id})", running.addr);
    if a.point_db {
        if ctx.cfg.read_only {
            return Err(eyre!("--point-db: refused, b24ops is in read-only mode"));
        }
        let store = match &store {
            Some(s) => s.clone(),
            None => open(ctx).await?,
        };
        let n = point_store_at(&store, &running.emulator, now).await?;
        eprintln!("b24ops emulator: {n} portals in the database now point here");
    }
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    running.stop();
    if let Some(s) = store {
        s.close().await;
    }
    eprintln!("b24ops emulator: stopped");
    Ok(())
}
