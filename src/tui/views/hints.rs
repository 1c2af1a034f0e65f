//! The status line (messages, database trouble) and the hint bar generated from the key registry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::commands;
use crate::tui::commands::scopes;
use crate::tui::state::{AppState, Health};
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

/// The hint bar: the current screen's keys, then the global ones, as many as fit.
pub fn draw_hints(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for (key, label) in commands::hints(&scopes(state.screen), state.read_only) {
        let w = key.chars().count() + label.chars().count() + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
