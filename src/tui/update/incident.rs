//! The Incidents view: the open incident's timeline as it grows (reloaded with every refresh),
//! or the last one's with the path of its Markdown record.

use super::{Effect, Outcome, db_failed, flash};
use crate::services::incident_record::Sheet;
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Loadable, Screen};
use crate::tui::tabs::{IncidentEffect, IncidentMsg};

/// Shows the view and loads it.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.screen = Screen::Incident;
    reload(state)
}

/// Loads the incident, showing "loading" the first time.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.incident_view.sheet, Loadable::Ready(_)) {
        state.incident_view.sheet = Loadable::Loading;
    }
    reload_quietly(state)
}

/// Loads it again, keeping what is on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.incident_view.generation += 1;
    vec![Effect::Incident(IncidentEffect::Load { generation: state.incident_view.generation, now: state.now })]
}

/// The incident arrived; true when the screen changed.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Option<Box<Sheet>>, String>) -> bool {
    let v = &mut state.incident_view;
    if generation != v.generation {
        return false;
    }
    match result {
        Ok(sheet) => {
            let same = matches!(&v.sheet, Loadable::Ready(old) if *old == sheet);
            v.sheet = Loadable::Ready(sheet);
            !same
        }
        Err(e) => {
            v.sheet = Loadable::Failed(e.clone());
            db_failed(state, e);
            true
        }
    }
}

/// Keys of the view: the cursor keys scroll the timeline.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let v = &mut state.incident_view;
    let lines = match &v.sheet {
        Loadable::Ready(Some(s)) => s.entries.len() as u16,
        _ => 0,
    };
    v.scroll = match cmd {
        Command::Up => v.scroll.saturating_sub(1),
        Command::Down => v.scroll.saturating_add(1),
        Command::PageUp => v.scroll.saturating_sub(10),
        Command::PageDown => v.scroll.saturating_add(10),
        Command::Top => 0,
        Command::Bottom => lines,
        _ => return vec![],
    }
    .min(lines.saturating_sub(1));
    vec![]
}

/// Applies one of the Incident view's answers.
pub(super) fn on(state: &mut AppState, msg: IncidentMsg) -> Outcome {
    match msg {
        IncidentMsg::Done(result) => {
            match result {
                Ok(m) => flash(state, m, false),
                Err(e) => flash(state, e, true),
            }
            let mut fx = vec![Effect::LoadIncident];
            if state.screen == Screen::Incident {
                fx.extend(reload_quietly(state));
            }
            Outcome::redraw(fx)
        }
        IncidentMsg::Loaded { generation, result } => {
            Outcome { effects: vec![], dirty: loaded(state, generation, result) }
        }
    }
}
