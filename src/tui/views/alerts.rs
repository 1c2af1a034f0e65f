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
use crate::tui::alert_lines::AlertLine;
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
        let rules = crate::tui::alert_lines::lines(rows, &[]).len();
        title.push(Span::styled(format!("· {rules} rules "), theme.muted));
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
    let lines = crate::tui::alert_lines::lines(rows, &a.expanded);
    let height = inner.height.saturating_sub(1) as usize;
    a.list.offset = scroll_to(a.cursor, a.list.offset, height, lines.len());
    let end = (a.list.offset + height).min(lines.len());
    let wide = inner.width >= 140;
    let widths = [
        Constraint::Length(5),
        Constraint::Length(if wide { 28 } else { 18 }),
        Constraint::Fill(1),
        Constraint::Length(if wide { 34 } else { 0 }),
        Constraint::Length(if inner.width < 100 { 14 } else { 22 }),
    ];
    let sev = |s: Severity| match s {
        Severity::Critical => ("CRIT", theme.danger),
        Severity::Warning => ("WARN", theme.warn),
    };
    let header = Row::new(["sev", "rule", "what", "portals", "standing"]).style(theme.muted);
    let body: Vec<Row> = lines[a.list.offset..end]
        .iter()
        .map(|line| match line {
            AlertLine::Group { rule, count, first, severity, expanded } => {
                let (label, style) = sev(*severity);
                let members = &rows[*first..*first + *count];
                let acked = members.iter().filter(|r| r.state.as_ref().is_some_and(|s| s.acked_by.is_some())).count();
                let what = format!(
                    "{} {count} alerts — e.g. {}",
                    if *expanded { "▾" } else { "▸" },
                    members[0].firing.figure.summary
                );
                let portals: usize = members.iter().map(|r| r.firing.figure.portals.len()).sum();
                Row::new(vec![
                    Cell::from(label).style(style),
                    Cell::from(rule.clone()),
                    Cell::from(what),
                    Cell::from(format!("{portals} portals")).style(theme.muted),
                    Cell::from(if acked > 0 { format!("{acked} of {count} acked") } else { "↵ lists them".into() })
                        .style(theme.muted),
                ])
            }
            AlertLine::Alert { index, nested } => {
                let r = &rows[*index];
                let (label, style) = sev(r.firing.severity);
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
                let rule = if *nested { "  └".to_owned() } else { r.firing.rule.clone() };
                Row::new(vec![
                    Cell::from(label).style(style),
                    Cell::from(rule).style(if *nested { theme.muted } else { theme.text }),
                    Cell::from(r.firing.figure.summary.clone()),
                    Cell::from(r.firing.figure.portals.join(", ")).style(theme.muted),
                    Cell::from(standing).style(theme.muted),
                ])
            }
        })
        .collect();
    let table = Table::new(body, widths).header(header).row_highlight_style(theme.selection).highlight_symbol("▶");
    let mut ts = TableState::default().with_selected(Some(a.cursor.saturating_sub(a.list.offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}
