//! `b24ops` / `b24ops console`: open the console on the configured database.

use color_eyre::eyre::Result;

use super::Ctx;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::{OpenMode, Store};
use crate::tui::app::{ConsoleSetup, run as run_console};
use crate::tui::setup::setup;

/// Opens the console.
pub async fn run(ctx: &Ctx) -> Result<()> {
    let store = Store::connect(&ctx.cfg.database_url, OpenMode::Existing).await?;
    store.check_schema().await?;
    let store = store
        .with_portals(crate::store::PortalSource::from_config(&ctx.cfg.portals)?)
        .with_tasks(crate::store::TaskSource::from_config(&ctx.cfg.tasks)?);
    let result = open(store.clone(), &ctx.cfg, ctx.clock).await;
    store.close().await;
    result
}

/// Opens the console on an open store.
pub async fn open(store: Store, cfg: &Config, clock: Clock) -> Result<()> {
    open_with(store, cfg, clock, |_| {}).await
}

/// Opens the console after `tweak` adjusts its start (the demo names its emulator).
pub async fn open_with(store: Store, cfg: &Config, clock: Clock, tweak: impl FnOnce(&mut ConsoleSetup)) -> Result<()> {
    // Replies on every channel go out while the console is open (email, Bitrix24 bot, Telegram).
    let _deliverer =
        crate::services::outbox::spawn_deliverer(&store, &crate::services::settings::outbox_settings(cfg), clock);
    let mut setup = setup(store, cfg, clock)?;
    tweak(&mut setup);
    run_console(setup).await
}
