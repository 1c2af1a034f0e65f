//! Drawing. Views read state and draw it; the only thing they write back is scroll geometry
//! (which rows fit), the way ratatui's own `TableState` does.

mod alerts;
mod audit;
mod calls;
mod columns;
mod confirm;
mod errors;
mod filter_note;
mod header;
mod help;
mod hints;
mod incident;
mod maintenance;
mod messages;
mod portal;
mod prompt;
mod reply_editor;
mod reviews;
pub mod sparkline;
mod tasks;
mod tickets;
mod tokens;
mod util;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::state::{AppState, Overlay, Screen};
use super::theme::Theme;

/// Draws the whole console.
pub fn draw(frame: &mut Frame, state: &mut AppState, theme: &Theme) {
    let [head, tabs, body, status, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::draw_header(frame, head, state, theme);
    header::draw_tabs(frame, tabs, state, theme);
    state.hits.read_tabs(frame.buffer_mut(), tabs);
    state.hits.body = body;
    match state.screen {
        Screen::Calls => calls::draw(frame, body, state, theme),
        Screen::Errors => errors::draw(frame, body, state, theme),
        Screen::Tasks => tasks::draw(frame, body, state, theme),
        Screen::Audit => audit::draw(frame, body, state, theme),
        Screen::Portal => portal::draw(frame, body, state, theme),
        Screen::Reviews => reviews::draw(frame, body, state, theme),
        Screen::Tokens => tokens::draw(frame, body, state, theme),
        Screen::Tickets => tickets::draw(frame, body, state, theme),
        Screen::Alerts => alerts::draw(frame, body, state, theme),
        Screen::Maintenance => maintenance::draw(frame, body, state, theme),
        Screen::Incident => incident::draw(frame, body, state, theme),
        Screen::Messages => messages::draw(frame, body, state, theme),
    }
    hints::draw_status(frame, status, state, theme);
    hints::draw_hints(frame, hint, state, theme);
    match &state.overlay {
        Some(Overlay::Help(h)) => help::draw(frame, frame.area(), h, state, theme),
        Some(Overlay::ReplyEditor(ed)) => reply_editor::draw(frame, body, ed, state, theme),
        Some(Overlay::AddReview(form)) => reply_editor::draw_form(frame, body, form, theme),
        Some(Overlay::Filter(p)) => prompt::draw(frame, body, status, "/", p, None, theme),
        Some(Overlay::Confirm { question, .. }) => confirm::draw(frame, body, question, theme),
        Some(Overlay::TicketReply(ed)) => tickets::draw_editor(frame, body, ed, state, theme),
        Some(Overlay::MaintenanceNote { prompt, .. }) => prompt::draw(frame, body, status, "m", prompt, None, theme),
        Some(Overlay::TicketPrompt { field, prompt, .. }) => {
            let sigil = match field {
                crate::tui::state::TicketField::Status => "s",
                crate::tui::state::TicketField::Priority => "P",
                crate::tui::state::TicketField::Portal => "L",
            };
            let options: Vec<(&str, &str)> = prompt.options.iter().map(|(v, d)| (v.as_str(), d.as_str())).collect();
            prompt::draw(frame, body, status, sigil, prompt, (!options.is_empty()).then_some(&options[..]), theme)
        }
        Some(Overlay::PickPortal { prompt, .. }) => {
            let options: Vec<(&str, &str)> = prompt.options.iter().map(|(v, d)| (d.as_str(), v.as_str())).collect();
            prompt::draw(frame, body, status, ":", prompt, Some(&options), theme)
        }
        Some(Overlay::Palette(p)) => {
            let list = crate::tui::palette::suggestions(&p.text(), state.read_only);
            prompt::draw(frame, body, status, ":", p, Some(&list), theme)
        }
        None => {}
    }
}
