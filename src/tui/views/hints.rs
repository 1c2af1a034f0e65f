//! The status line (messages, database trouble) and the hint bar generated from the key registry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::commands::scopes;
use crate::tui::state::{AppState, Health, Overlay};
use crate::tui::theme::Theme;

/// The status line.
pub fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let line = if let Some(f) = &state.flash {
        Line::from(Span::styled(format!(" {}", f.text), if f.error { theme.danger } else { theme.ok }))
    } else if let Health::Down { reason, .. } = &state.health {
        Line::from(Span::styled(
            format!(
                " database unreachable: {} — retrying; nothing you typed is lost",
                reason.lines().next().unwrap_or("")
            ),
            theme.danger,
        ))
    } else {
        Line::raw("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn owned(keys: &[(&str, &str)]) -> Vec<(String, String)> {
    keys.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()
}

/// The hint bar: the current screen's keys, then the global ones, as many as fit; while an
/// editor has focus, its keys.
pub fn draw_hints(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let used = 1usize;
    // While an editor has focus every other key is text: its own keys are the ones to show.
    let hints: Vec<(String, String)> = match &state.overlay {
        Some(Overlay::ReplyEditor(_)) => owned(crate::tui::editor::EDITOR_KEYS),
        Some(Overlay::TicketReply(_)) => owned(crate::tui::ticket_editor::EDITOR_KEYS),
        _ => state
            .keys
            .hints(&scopes(state.screen), state.read_only)
            .into_iter()
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .collect(),
    };
    // `? help` and `q quit` are how a new user finds the rest and leaves: they always stay, and
    // the keys listed before them give way instead.
    let kept = |label: &str| label == "help" || label == "quit";
    let width = |key: &str, label: &str| key.chars().count() + label.chars().count() + 3;
    let reserved: usize = hints.iter().filter(|(_, l)| kept(l)).map(|(k, l)| width(k, l)).sum();
    let mut budget = (area.width as usize).saturating_sub(used + reserved);
    for (key, label) in hints {
        let w = width(&key, &label);
        if !kept(&label) {
            if w > budget {
                continue;
            }
            budget -= w;
        }
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
