//! `b24ops` / `b24ops console`: open the console on the configured database.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;

use super::Ctx;
use crate::clock::Clock;
use crate::config::Config;
use crate::services::diagnose::Expectations;
use crate::services::tasks::Actor;
use crate::services::tokens::TokenService;
use crate::store::{OpenMode, Store};
use crate::tui::app::{ConsoleSetup, run as run_console};
use crate::tui::runner::{Runner, TokenSettings};
use crate::tui::state::{AppState, ReviewSettings};
use crate::tui::theme::Theme;
use crate::tui::zone::DisplayZone;

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
    let mut setup = setup(store, cfg, clock)?;
    tweak(&mut setup);
    run_console(setup).await
}

/// The console's initial state and context for `cfg`.
pub fn setup(store: Store, cfg: &Config, clock: Clock) -> Result<ConsoleSetup> {
    let state = AppState::new(
        store.masked_url().to_owned(),
        cfg.operator_name(),
        cfg.read_only,
        clock.now(),
        DisplayZone::from_setting(&cfg.timezone),
        cfg.errors.threshold_15m,
        cfg.ui.max_rows,
    );
    let mut state = state;
    state.review_settings = ReviewSettings {
        policy: cfg.review_policy(),
        // Checked when the configuration was loaded; the shipped ones if it broke since.
        templates: cfg.reply_templates().unwrap_or_else(|_| crate::rules::templates::shipped()),
        app_name: cfg.reviews.app_name.clone(),
        soft_limit: cfg.reviews.reply_soft_limit,
    };
    state.tokens.window_days = cfg.tokens.warning_days;
    let tokens = Arc::new(TokenService::new(store.clone(), cfg, clock)?);
    let token_settings = Arc::new(TokenSettings {
        expect: Expectations {
            scopes: cfg.bitrix.needed_scopes.clone(),
            placements: cfg.bitrix.expected_placements.clone(),
        },
        notify_template: cfg.tokens.notify_template.clone(),
        app_name: cfg.reviews.app_name.clone(),
        pace: Duration::from_millis(cfg.tokens.refresh_pace_ms),
    });
    let sla = Arc::new(cfg.sla.rules(&cfg.timezone)?);
    let alerts = Arc::new((cfg.alerts.rules()?, crate::services::alerts::Context::from_config(cfg)?));
    Ok(ConsoleSetup {
        runner: Runner {
            sla,
            alerts,
            zone: cfg.zone(),
            store,
            tokens,
            token_settings,
            policy: cfg.token_policy(),
            threshold_15m: cfg.errors.threshold_15m,
            actor: Actor { operator: cfg.operator_name(), read_only: cfg.read_only },
            review_policy: cfg.review_policy(),
        },
        state,
        clock,
        theme: Theme::detect(),
        tail_poll: Duration::from_millis(cfg.ui.tail_poll_ms),
        refresh: Duration::from_secs(cfg.ui.refresh_secs.max(1)),
    })
}
