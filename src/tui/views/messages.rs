//! `:messages`: every status message shown so far, newest first, errors marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::state::AppState;
use crate::tui::theme::Theme;

/// Draws the log.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let log = &state.messages;
    let block = Block::bordered().title(Line::from(vec![
        Span::styled(" Messages ", theme.title),
        Span::raw(format!("— {} so far, newest first ", log.entries.len())),
        Span::styled("(Esc back) ", theme.muted),
    ]));
    if log.entries.is_empty() {
        frame.render_widget(Paragraph::new("no messages yet").style(theme.muted).block(block), area);
        return;
    }
    let lines: Vec<Line> = log
        .entries
        .iter()
        .rev()
        .map(|l| {
            let (mark, style) = if l.error { ("✗ ", theme.danger) } else { ("  ", theme.text) };
            Line::from(vec![
                Span::styled(format!("{} ", state.zone.time(l.at)), theme.muted),
                Span::styled(mark, style),
                Span::styled(l.text.clone(), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((log.scroll, 0)), area);
}
