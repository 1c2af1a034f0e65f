//! The Alerts tab: what fires now, most severe first, with whether someone acknowledged or
//! snoozed it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState};

use super::columns::{self, Column, Plan};
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
    let sev = |s: Severity| match s {
        Severity::Critical => ("CRIT", theme.danger),
        Severity::Warning => ("WARN", theme.warn),
    };
    // Each line's cells as text with their styles, measured before the widths are chosen.
    let cells: Vec<[(String, ratatui::style::Style); 5]> = lines[a.list.offset..end]
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
                [
                    (label.to_owned(), style),
                    (rule.clone(), theme.text),
                    (what, theme.text),
                    (format!("{portals} portals"), theme.muted),
                    (if acked > 0 { format!("{acked} of {count} acked") } else { "↵ lists them".into() }, theme.muted),
                ]
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
                [
                    (label.to_owned(), style),
                    (rule, if *nested { theme.muted } else { theme.text }),
                    (r.firing.figure.summary.clone(), theme.text),
                    (r.firing.figure.portals.join(", "), theme.muted),
                    (standing, theme.muted),
                ]
            }
        })
        .collect();
    let col = |i: usize| cells.iter().map(move |c| c[i].0.clone());
    let columns = [
        Column::new("sev", 0).measure(col(0)),
        Column::new("rule", 0).min(12).measure(col(1)),
        Column::new("what", 1).min(16).measure(col(2)).grows(),
        Column::new("portals", 3).middle().min(12).measure(col(3)),
        Column::new("standing", 2).min(8).measure(col(4)),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), None);
    let body: Vec<Row> = cells
        .iter()
        .map(|c| {
            let drawn: Vec<Cell> =
                c.iter().enumerate().map(|(i, (text, style))| Cell::from(plan.line(i, text)).style(*style)).collect();
            Row::new(plan.keep(drawn))
        })
        .collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(a.cursor.saturating_sub(a.list.offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}
