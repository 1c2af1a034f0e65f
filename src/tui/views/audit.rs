//! The Audit tab: every change the console made.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState};

use super::columns::{self, Column, Plan};
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
    let z = state.zone;
    let texts: Vec<[String; 6]> = rows[a.list.offset..end]
        .iter()
        .map(|r| {
            [
                if wide { z.full(r.ts) } else { z.short(r.ts) },
                r.operator.to_string(),
                r.action.to_string(),
                r.target.to_string(),
                r.member_id.as_ref().map(|m| m.to_string()).unwrap_or_default(),
                format!(
                    "{} → {}",
                    r.before.as_ref().map(|b| b.as_str()).unwrap_or("—"),
                    r.after.as_ref().map(|b| b.as_str()).unwrap_or("—")
                ),
            ]
        })
        .collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let columns = [
        Column::new("when", 0).measure(col(0)),
        Column::new("operator", 1).min(8).measure(col(1)),
        Column::new("action", 0).min(10).measure(col(2)),
        Column::new("target", 0).min(12).measure(col(3)),
        Column::new("portal", 3).middle().min(12).measure(col(4)),
        Column::new("before → after", 2).min(12).measure(col(5)).grows(),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), a.list.sort_mark());
    let body: Vec<Row> = texts
        .iter()
        .map(|t| {
            Row::new(plan.keep(vec![
                Cell::from(plan.line(0, &t[0])).style(theme.muted),
                Cell::from(plan.line(1, &t[1])),
                Cell::from(plan.line(2, &t[2])).style(theme.warn),
                Cell::from(plan.line(3, &t[3])),
                Cell::from(plan.line(4, &t[4])),
                Cell::from(plan.line(5, &t[5])),
            ]))
        })
        .collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(a.list.selected - a.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}
