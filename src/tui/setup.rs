//! The console's start: its first state and the runner's context, built from the configuration.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;

use crate::clock::Clock;
use crate::config::Config;
use crate::services::diagnose::Expectations;
use crate::services::tasks::Actor;
use crate::services::tokens::TokenService;
use crate::store::Store;
use crate::tui::app::ConsoleSetup;
use crate::tui::runner::{Runner, TokenSettings};
use crate::tui::state::{AppState, ReviewSettings};
use crate::tui::theme::Theme;
use crate::tui::zone::DisplayZone;

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
    state.tasks.member_window = store.task_source().member_scan_window();
    state.keys = crate::tui::keymap::Keymap::from_config(&cfg.keys).map_err(|e| color_eyre::eyre::eyre!(e))?;
    let tokens = Arc::new(TokenService::new(store.clone(), crate::services::settings::token_settings(cfg)?, clock)?);
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
    let alerts = Arc::new((cfg.alerts.rules()?, crate::services::settings::alert_context(cfg)?));
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
            records: cfg.incident_dir(),
        },
        state,
        clock,
        theme: Theme::detect(),
        tail_poll: Duration::from_millis(cfg.ui.tail_poll_ms),
        refresh: Duration::from_secs(cfg.ui.refresh_secs.max(1)),
    })
}
