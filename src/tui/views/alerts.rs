//! The Alerts tab: what fires now, most severe first, with whether someone acknowledged or
//! snoozed it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::filter_note;
use super::util::{ready_or_note, scroll_to};
use crate::rules::alerts::Severity;
use crate::rules::timefmt;
use crate::tui::state::AppState;
use crate::tui::state::Screen;
use crate::tui::theme::Theme;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let mut title = vec![Span::styled(" Alerts ", theme.title), Span::raw("— firing now ")];
    if let crate::tui::state::Loadable::Ready(rows) = &state.alerts.list.rows {
        let crit = rows.iter().filter(|r| r.firing.severity == Severity::Critical).count();
        title.push(Span::styled(format!("· {crit} critical "), if crit > 0 { theme.danger } else { theme.muted }));
        title.push(Span::styled(format!("· {} warning ", rows.len() - crit), theme.muted));
    }
    title.extend(filter_note::title_span(state, Screen::Alerts, theme));
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let empty = state.alerts.list.rows.ready().is_some_and(Vec::is_empty);
    if empty && filter_note::draw_empty(frame, inner, state, Screen::Alerts, theme) {
        return;
    }
    let now = state.now;
    let a = &mut state.alerts;
    let Some(rows) = ready_or_note(frame, inner, &a.list.rows, "alerts", theme) else { return };
    if rows.is_empty() {
        frame.render_widget(Paragraph::new("nothing fires — all quiet").style(theme.ok), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    a.list.offset = scroll_to(a.list.selected, a.list.offset, height, rows.len());
    let end = (a.list.offset + height).min(rows.len());
    let wide = inner.width >= 140;
    let widths = [
        Constraint::Length(5),
        Constraint::Length(if wide { 28 } else { 18 }),
        Constraint::Fill(1),
        Constraint::Length(if wide { 34 } else { 0 }),
        Constraint::Length(22),
    ];
    let header = Row::new(["sev", "rule", "what", "portals", "standing"]).style(theme.muted);
    let body: Vec<Row> = rows[a.list.offset..end]
        .iter()
        .map(|r| {
            let (sev, style) = match r.firing.severity {
                Severity::Critical => ("CRIT", theme.danger),
                Severity::Warning => ("WARN", theme.warn),
            };
            let standing = match &r.state {
                Some(s) if s.snoozed_until.is_some_and(|u| u > now) => {
                    format!("snoozed {}", s.snoozed_until.map(|u| timefmt::countdown(u, now)).unwrap_or_default())
                }
                Some(s) if s.acked_by.is_some() && s.firing => {
                    format!("ack {}", s.acked_by.clone().unwrap_or_default())
                }
                Some(s) if s.firing => format!("since {}", timefmt::ago(s.since, now)),
                _ => "new".into(),
            };
            Row::new(vec![
                Cell::from(sev).style(style),
                Cell::from(r.firing.rule.clone()),
                Cell::from(r.firing.figure.summary.clone()),
                Cell::from(r.firing.figure.portals.join(", ")).style(theme.muted),
                Cell::from(standing).style(theme.muted),
            ])
        })
        .collect();
    let table = Table::new(body, widths).header(header).row_highlight_style(theme.selection).highlight_symbol("▶");
    let mut ts = TableState::default().with_selected(Some(a.list.selected - a.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}
