//! The Audit tab: every change the console made.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::filter_note;
use super::util::{ready_or_note, scroll_to};
use crate::tui::state::AppState;
use crate::tui::state::Screen;
use crate::tui::theme::Theme;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let scope = if state.audit.filter.is_empty() { "— all portals · newest first " } else { "— newest first " };
    let mut title = vec![Span::styled(" Audit ", theme.title), Span::raw(scope)];
    title.extend(filter_note::title_span(state, Screen::Audit, theme));
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let empty = state.audit.list.rows.ready().is_some_and(Vec::is_empty);
    if empty && filter_note::draw_empty(frame, inner, state, Screen::Audit, theme) {
        return;
    }
    let a = &mut state.audit;
    let Some(rows) = ready_or_note(frame, inner, &a.list.rows, "the audit log", theme) else { return };
    if rows.is_empty() {
        frame.render_widget(Paragraph::new("no changes recorded yet").style(theme.muted), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    a.list.offset = scroll_to(a.list.selected, a.list.offset, height, rows.len());
    let end = (a.list.offset + height).min(rows.len());
    let wide = inner.width >= 120;
    let widths = [
        Constraint::Length(if wide { 19 } else { 11 }),
        Constraint::Length(12),
        Constraint::Length(17),
        Constraint::Length(13),
        Constraint::Length(if wide { 32 } else { 0 }),
        Constraint::Fill(1),
    ];
    let header = Row::new(["when", "operator", "action", "target", "portal", "before → after"]).style(theme.muted);
    let z = state.zone;
    let body: Vec<Row> = rows[a.list.offset..end]
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell::from(if wide { z.full(r.ts) } else { z.short(r.ts) }).style(theme.muted),
                Cell::from(r.operator.to_string()),
                Cell::from(r.action.to_string()).style(theme.warn),
                Cell::from(r.target.to_string()),
                Cell::from(r.member_id.as_ref().map(|m| m.to_string()).unwrap_or_default()),
                Cell::from(format!(
                    "{} → {}",
                    r.before.as_ref().map(|b| b.as_str()).unwrap_or("—"),
                    r.after.as_ref().map(|b| b.as_str()).unwrap_or("—")
                )),
            ])
        })
        .collect();
    let table = Table::new(body, widths).header(header).row_highlight_style(theme.selection).highlight_symbol("▶");
    let mut ts = TableState::default().with_selected(Some(a.list.selected - a.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}
