//! A yes/no question before a write that changes many rows or cannot be undone.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::util::centered;
use crate::tui::theme::Theme;

/// Draws the question in the middle of `area`.
pub fn draw(frame: &mut Frame, area: Rect, question: &str, theme: &Theme) {
    let popup = centered(area, 70, 7);
    frame.render_widget(Clear, popup);
    let lines = vec![
        Line::raw(question.to_owned()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" / Enter: do it    "),
            Span::styled("n", theme.key),
            Span::raw(" / Esc: cancel"),
        ]),
    ];
    let block = Block::bordered().title(Span::styled(" Confirm ", theme.danger));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }), popup);
}
