//! `update(state, msg) -> effects`: every change to the console's state happens here, and nothing
//! here waits on the database. Queries are returned as [`Effect`]s for the runner to spawn; their
//! answers come back as [`Msg`]s tagged with the generation they were asked for.

mod alerts;
mod audit;
mod back;
mod calls;
mod copy_value;
mod errors;
mod help;
mod incident;
mod jump;
mod maintenance;
mod messages;
mod mouse;
mod overlay;
mod portal;
mod portal_pick;
mod reviews;
mod sort;
mod tabs;
mod tasks;
mod tickets;
mod tokens;

pub use crate::tui::limits::PAGE;

use chrono::Duration;
use crossterm::event::KeyEvent;

use super::commands::{self, Command, scopes};
use super::prompt::{Prompt, PromptOutcome};
use super::state::{AppState, Flash, Health, Loadable, Overlay, Screen};
use crate::rules::call_filter::CallFilter;
use crate::services::overview::PortalRef;
use crate::tui::tabs::TicketsEffect;

pub use crate::tui::effect::{Effect, Outcome};
pub use crate::tui::msg::Msg;
pub use crate::tui::state::OpenIncident;

/// The effects to run when the console opens.
pub fn start(state: &mut AppState) -> Vec<Effect> {
    let mut fx = calls::reload(state);
    fx.push(Effect::LoadFiring(state.now));
    fx.push(Effect::LoadIncident);
    fx
}

/// Applies `msg` to `state`.
pub fn update(state: &mut AppState, msg: Msg) -> Outcome {
    // A jump to one row waits for its tab's rows: they may be these.
    let answered = state.nav.seek.as_ref().and(jump::answered(&msg));
    let mut out = apply(state, msg);
    if let Some((screen, generation)) = answered {
        out.effects.extend(jump::settle(state, screen, generation));
        out.dirty = true;
    }
    out
}

fn apply(state: &mut AppState, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(key) => {
            // Someone is at the keyboard: the tail answers at full rate again.
            state.calls.quiet_polls = 0;
            let from = back::here(state);
            let fx = on_key(state, key);
            back::arrived(state, from);
            Outcome::redraw(fx)
        }
        Msg::Mouse(m) => match mouse::event(state, m) {
            Some(fx) => Outcome::redraw(fx),
            None => Outcome { effects: vec![], dirty: false },
        },
        Msg::Paste(text) => {
            overlay::paste(state, &text);
            Outcome::redraw(vec![])
        }
        Msg::Resize => Outcome::redraw(vec![]),
        Msg::ClockTick(now) => {
            // The header shows minutes; a frame a second would cost CPU for nothing.
            let minute_changed = now.timestamp() / 60 != state.now.timestamp() / 60;
            state.now = now;
            let flash_expired = state.flash.as_ref().is_some_and(|f| f.until <= now);
            if flash_expired {
                state.flash = None;
            }
            let down = matches!(state.health, Health::Down { .. });
            let effects = reviews::autosave(state);
            let editing = matches!(state.overlay, Some(Overlay::ReplyEditor(_)));
            Outcome { dirty: minute_changed || flash_expired || down || (editing && !effects.is_empty()), effects }
        }
        Msg::TailTick => Outcome { effects: calls::tail(state), dirty: false },
        Msg::RefreshTick => Outcome { effects: refresh(state), dirty: false },
        Msg::Firing(result) => {
            // Polled with every refresh; the header changes only when the count does.
            let dirty = match result {
                Ok(n) => state.firing.replace(n) != Some(n),
                Err(e) => {
                    db_failed(state, e);
                    true
                }
            };
            Outcome { effects: vec![], dirty }
        }
        Msg::Ping(result) => {
            // The ping runs on every refresh: one that finds the database as it was draws nothing.
            let before = state.health.clone();
            let effects = on_ping(state, result);
            Outcome { dirty: state.health != before, effects }
        }
        Msg::IncidentLoaded(result) => match result {
            Ok(i) => {
                let dirty = state.incident != i;
                state.incident = i;
                Outcome { effects: vec![], dirty }
            }
            Err(e) => {
                db_failed(state, e);
                Outcome::redraw(vec![])
            }
        },
        Msg::Counted { what, result } => {
            tasks::counted(state, what, result);
            Outcome::redraw(vec![])
        }
        Msg::Copied(result) => {
            match result {
                Ok(m) => flash(state, m, false),
                Err(e) => flash(state, format!("not copied: {e}"), true),
            }
            Outcome::redraw(vec![])
        }
        Msg::PortalsFound { piece, then, result } => Outcome::redraw(portal_pick::found(state, piece, then, result)),
        Msg::Calls(m) => calls::on(state, m),
        Msg::Errors(m) => errors::on(state, m),
        Msg::Portal(m) => portal::on(state, m),
        Msg::Incident(m) => incident::on(state, m),
        Msg::Tasks(m) => tasks::on(state, m),
        Msg::Reviews(m) => reviews::on(state, m),
        Msg::Audit(m) => audit::on(state, m),
        Msg::Tokens(m) => tokens::on(state, m),
        Msg::Tickets(m) => tickets::on(state, m),
        Msg::Alerts(m) => alerts::on(state, m),
        Msg::Maintenance(m) => maintenance::on(state, m),
    }
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.overlay.is_some() {
        return overlay::key(state, key);
    }
    match state.keys.lookup(&key, &scopes(state.screen), state.read_only) {
        Some(cmd) => run(state, cmd),
        None if state.read_only => {
            // The key would write: say why nothing happens rather than ignore it.
            if let Some(spec) = state
                .keys
                .lookup(&key, &scopes(state.screen), false)
                .and_then(|cmd| commands::REGISTRY.iter().find(|s| s.command == cmd && s.writes))
            {
                flash(state, format!("{}: refused, b24ops is in read-only mode", spec.name), true);
            }
            vec![]
        }
        None => vec![],
    }
}

/// Runs a command (from a key or the palette).
pub fn run(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    if state.screen == Screen::Calls
        && let Some(fx) = calls::pause_for(state, cmd)
    {
        return fx;
    }
    match cmd {
        Command::Quit => {
            state.quit = true;
            vec![]
        }
        Command::Help => {
            state.overlay = Some(Overlay::Help(crate::tui::help_view::HelpView::new(state.screen)));
            vec![]
        }
        Command::Palette => {
            state.overlay = Some(Overlay::Palette(super::prompt::Prompt::new("", "command — Tab cycles, ↵ runs")));
            vec![]
        }
        Command::Filter => {
            // `/` filters the tab in front, starting from its current filter.
            let text = super::tab_filter::text(state, state.screen);
            let text = if text.is_empty() { text } else { format!("{text} ") };
            let hint = super::tab_filter::hint(state.screen);
            state.overlay = Some(Overlay::Filter(super::prompt::Prompt::new(&text, hint)));
            vec![]
        }
        Command::Back => back(state),
        Command::NextTab => switch(state, state.screen.tab_after(1)),
        Command::PrevTab => switch(state, state.screen.tab_after(-1)),
        Command::Suspend => vec![Effect::Suspend],
        Command::CopyValue => copy_value::copy(state, false),
        Command::CopyMember => copy_value::copy(state, true),
        Command::Messages => messages::open(state),
        Command::TabCalls => switch(state, Screen::Calls),
        Command::TabErrors => switch(state, Screen::Errors),
        Command::TabTasks => switch(state, Screen::Tasks),
        Command::TabAudit => switch(state, Screen::Audit),
        Command::TabReviews => switch(state, Screen::Reviews),
        Command::TabTokens => switch(state, Screen::Tokens),
        Command::TabTickets => switch(state, Screen::Tickets),
        Command::TabAlerts => switch(state, Screen::Alerts),
        Command::TabMaintenance => switch(state, Screen::Maintenance),
        Command::OpenPortal => match state.selected_member() {
            Some(m) => portal::open(state, PortalRef::Member(m)),
            None => {
                flash(state, "no portal on this row", true);
                vec![]
            }
        },
        Command::Refresh => (tabs::of(state.screen).reload)(state),
        Command::SortNext => sort::run(state, false),
        Command::SortReverse => sort::run(state, true),
        other => (tabs::of(state.screen).command)(state, other),
    }
}

/// Opens a portal's view. Tabs move to another tab through here (and [`filter_calls`]), never by
/// naming each other: the dispatcher is the one place that knows every tab.
pub(crate) fn open_portal(state: &mut AppState, who: PortalRef) -> Vec<Effect> {
    portal::open(state, who)
}

/// Shows the Incidents view.
pub(crate) fn open_incident(state: &mut AppState) -> Vec<Effect> {
    incident::open(state)
}

/// Sets the filter of the tab in front from the `/` prompt's text.
pub(crate) fn filter_current(state: &mut AppState, text: &str) -> Result<Vec<Effect>, String> {
    (tabs::of(state.screen).filter)(state, text)
}

/// Shows the Calls tab narrowed by `filter`.
pub(crate) fn filter_calls(state: &mut AppState, filter: CallFilter) -> Vec<Effect> {
    calls::set_filter(state, filter)
}

fn switch(state: &mut AppState, to: Screen) -> Vec<Effect> {
    if state.screen == to {
        return vec![];
    }
    state.screen = to;
    back::forget(state);
    enter(state)
}

/// Loads the screen now in front, as arriving there does.
fn enter(state: &mut AppState) -> Vec<Effect> {
    (tabs::of(state.screen).open)(state)
}

fn back(state: &mut AppState) -> Vec<Effect> {
    // What is open inside the screen closes first; then Esc goes back the way a jump came.
    let inner = match state.screen {
        Screen::Tokens => state.tokens.diagnosis.is_some(),
        Screen::Tickets => state.tickets.thread.is_some(),
        _ => false,
    };
    if !inner && let Some(fx) = back::pop(state) {
        return fx;
    }
    match state.screen {
        Screen::Portal => {
            let to = state.portal.as_ref().map(|p| p.back_to).unwrap_or(Screen::Calls);
            state.screen = to;
            if to == Screen::Calls { calls::tail(state) } else { vec![] }
        }
        // Esc drops a `/` filter first, on every tab: a list narrowed out of sight misleads.
        s if !super::tab_filter::text(state, s).is_empty() => (tabs::of(s).clear)(state),
        Screen::Tokens => {
            state.tokens.diagnosis = None;
            vec![]
        }
        Screen::Tickets => {
            state.tickets.thread = None;
            vec![]
        }
        _ => vec![],
    }
}

/// How often the header's count of firing alerts is evaluated.
const FIRING_EVERY: chrono::Duration = chrono::Duration::seconds(30);

fn refresh(state: &mut AppState) -> Vec<Effect> {
    if let Health::Down { retry_at, .. } = state.health {
        return if state.now >= retry_at { vec![Effect::Ping] } else { vec![] };
    }
    // On the Alerts tab its own load counts what fires too: one evaluation, not two. Elsewhere
    // the header's count is asked for every FIRING_EVERY: every rule is evaluated for it, and
    // windows of minutes do not need a fresher count (idle CPU is a target).
    // The ping also tells a SQLite file deleted or replaced under the console (the header says
    // so and writes stop) from one that is merely quiet.
    let mut fx = vec![Effect::LoadIncident, Effect::Ping];
    let due = state.firing_asked.is_none_or(|at| state.now - at >= FIRING_EVERY);
    if state.screen != Screen::Alerts && due {
        state.firing_asked = Some(state.now);
        fx.push(Effect::LoadFiring(state.now));
    }
    match state.screen {
        Screen::Errors => fx.extend(errors::reload_quietly(state)),
        Screen::Portal => fx.extend(portal::reload_quietly(state)),
        Screen::Tasks if state.tasks.bulk.as_ref().is_none_or(|b| b.done) => fx.extend(tasks::reload_quietly(state)),
        Screen::Audit => fx.extend(audit::reload_quietly(state)),
        Screen::Tokens => fx.extend(tokens::reload_quietly(state)),
        Screen::Alerts => fx.extend(alerts::reload_quietly(state)),
        // The open incident's timeline grows while it is looked at.
        Screen::Incident => fx.extend(incident::reload_quietly(state)),
        // While a reply is being written the queue stays put under it.
        Screen::Tickets if state.overlay.is_none() => {
            fx.extend(tickets::reload_quietly(state));
            fx.extend(tickets::thread_in_flight(state).map(|id| Effect::Tickets(TicketsEffect::LoadThread(id))));
        }
        // While the editor is open the list stays put under it.
        Screen::Reviews if state.overlay.is_none() => fx.extend(reviews::reload_quietly(state)),
        Screen::Calls | Screen::Tasks | Screen::Reviews | Screen::Tickets | Screen::Maintenance | Screen::Messages => {}
    }
    fx
}

fn on_ping(state: &mut AppState, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            let was_down = matches!(state.health, Health::Down { .. });
            state.health = Health::Up;
            if was_down {
                flash(state, "database is back", false);
                let mut fx = calls::reload(state);
                fx.push(Effect::LoadFiring(state.now));
                if state.screen == Screen::Errors {
                    fx.extend(errors::reload(state));
                }
                return fx;
            }
            vec![]
        }
        Err(e) => {
            db_failed(state, e);
            if let Health::Down { retry_at, backoff_secs, .. } = &mut state.health {
                *retry_at = state.now + Duration::seconds(*backoff_secs);
                *backoff_secs = (*backoff_secs * 2).min(60);
            }
            vec![]
        }
    }
}

/// Records a database failure: the header turns red and refreshes turn into health checks.
pub(crate) fn db_failed(state: &mut AppState, reason: String) {
    if !matches!(state.health, Health::Down { .. }) {
        tracing::warn!(%reason, "database unreachable");
        state.health = Health::Down { reason, since: state.now, retry_at: state.now, backoff_secs: 2 };
    }
}

/// Shows a message in the status line for a few seconds.
pub(crate) fn flash(state: &mut AppState, text: impl Into<String>, error: bool) {
    let text = text.into();
    state.messages.push(state.now, &text, error);
    state.flash = Some(Flash { text, error, until: state.now + Duration::seconds(if error { 8 } else { 4 }) });
}

/// A key for the prompt open in `state.overlay` (the `/` filter, the palette, the pick list, a
/// ticket's field, a check's note): Esc closes it, Enter hands its text to `submit`, which decides
/// whether it closes; any other key edits it. Every prompt reads its keys through here, so Esc and
/// Enter mean the same in each.
pub(crate) fn prompt_key(
    state: &mut AppState,
    key: KeyEvent,
    submit: impl FnOnce(&mut AppState, String) -> Vec<Effect>,
) -> Vec<Effect> {
    let Some(prompt) = open_prompt(state) else { return vec![] };
    match prompt.input(key) {
        PromptOutcome::Editing => vec![],
        PromptOutcome::Cancel => {
            state.overlay = None;
            vec![]
        }
        PromptOutcome::Submit(text) => submit(state, text),
    }
}

/// The prompt of the overlay open, if it is one.
pub(crate) fn open_prompt(state: &mut AppState) -> Option<&mut Prompt> {
    match state.overlay.as_mut()? {
        Overlay::Filter(p)
        | Overlay::Palette(p)
        | Overlay::PickPortal { prompt: p, .. }
        | Overlay::TicketPrompt { prompt: p, .. }
        | Overlay::MaintenanceNote { prompt: p, .. } => Some(p),
        _ => None,
    }
}

pub(crate) use crate::tui::list_tab::clamp;

/// `Loadable::Ready` contents, if ready.
pub(crate) fn ready<T>(l: &Loadable<T>) -> Option<&T> {
    l.ready()
}
