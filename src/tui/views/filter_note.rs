//! What every tab draws about its `/` filter: the filter and its match count in the title, an
//! empty list that says the filter hides rows (never "all clear"), and the match highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::rules::search::find_match;
use crate::tui::state::{AppState, Screen};
use crate::tui::tab_filter;
use crate::tui::theme::Theme;

/// `/ FILTER · N match` for the title of `screen`, when a filter is set.
pub fn title_span(state: &AppState, screen: Screen, theme: &Theme) -> Option<Span<'static>> {
    tab_filter::title(state, screen).map(|t| Span::styled(t, theme.warn))
}

/// For an empty list: draws "0 match FILTER — Esc clears" and gives true when a filter is set.
pub fn draw_empty(frame: &mut Frame, area: Rect, state: &AppState, screen: Screen, theme: &Theme) -> bool {
    match tab_filter::empty_note(state, screen) {
        Some(note) => {
            frame.render_widget(Paragraph::new(note).style(theme.warn), area);
            true
        }
        None => false,
    }
}

/// `text` as a cell's line with the filter's match (if any) reversed, so it shows without colour.
pub fn highlight(text: String, needle: Option<&str>) -> Line<'static> {
    match needle.and_then(|n| find_match(&text, n)) {
        Some((a, b)) => Line::from(vec![
            Span::raw(text[..a].to_owned()),
            Span::styled(text[a..b].to_owned(), ratatui::style::Style::default().add_modifier(Modifier::REVERSED)),
            Span::raw(text[b..].to_owned()),
        ]),
        None => Line::raw(text),
    }
}
