//! The Planned tab: each recurring check with its standing, and the selected one's findings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::filter_note;
use super::util::ready_or_note;
use crate::tui::state::AppState;
use crate::tui::state::Screen;
use crate::tui::theme::Theme;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut title = vec![Span::styled(" Planned checks ", theme.title)];
    title.extend(filter_note::title_span(state, Screen::Maintenance, theme));
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let empty = state.maintenance.list.rows.ready().is_some_and(Vec::is_empty);
    if empty && filter_note::draw_empty(frame, inner, state, Screen::Maintenance, theme) {
        return;
    }
    let Some(checks) = ready_or_note(frame, inner, &state.maintenance.list.rows, "the planned checks", theme) else {
        return;
    };
    let [list, detail] =
        Layout::vertical([Constraint::Length(checks.len() as u16 + 1), Constraint::Min(1)]).areas(inner);
    let zone = state.zone;
    let lines: Vec<Line> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (word, style) = if c.standing.overdue {
                ("OVERDUE", theme.danger)
            } else if c.standing.done {
                ("done", theme.ok)
            } else {
                ("due", theme.warn)
            };
            let last = c
                .last_done
                .as_ref()
                .map(|d| format!("{} by {}", zone.short(d.done_at), d.operator))
                .unwrap_or_else(|| "never".into());
            let mark = if i == state.maintenance.list.selected { "▶" } else { " " };
            let line = Line::from(vec![
                Span::raw(format!("{mark}{:<13}", c.name)),
                Span::styled(format!("{word:<8}"), style),
                Span::styled(format!("{:<8} ", format!("{:?}", c.cadence).to_lowercase()), theme.muted),
                Span::raw(format!("{:>4} found  ", c.findings.len())),
                Span::styled(format!("last {last:<24} next due {}  ", zone.date(c.standing.next_due)), theme.muted),
                Span::raw(c.title),
            ]);
            if i == state.maintenance.list.selected { line.style(theme.selection) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    let Some(c) = checks.get(state.maintenance.list.selected) else { return };
    let mut lines = vec![Line::styled(c.title, theme.title)];
    lines.extend(c.context.iter().map(|n| Line::styled(n.clone(), theme.muted)));
    if let Some(n) = c.last_done.as_ref().and_then(|d| d.notes.as_deref()) {
        lines.push(Line::from(vec![Span::styled("last note  ", theme.muted), Span::raw(n.to_owned())]));
    }
    if c.findings.is_empty() {
        lines.push(Line::styled("nothing found", theme.ok));
    }
    lines.extend(c.findings.iter().map(|f| Line::raw(format!("  {f}"))));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), detail);
}
