//! The Incidents view: the open incident's facts and its timeline as it grows, or the last one's
//! with where its Markdown record is kept.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::util::ready_or_note;
use crate::model::SafeText;
use crate::rules::timefmt;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

/// Draws the view.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let block = Block::bordered().title(Line::from(vec![
        Span::styled(" Incident ", theme.title),
        Span::raw("— timeline "),
        Span::styled("(Esc back) ", theme.muted),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let now = state.now;
    let zone = state.zone;
    let v = &state.incident_view;
    let Some(sheet) = ready_or_note(frame, inner, &v.sheet, "the incident", theme) else { return };
    let Some(s) = sheet else {
        let text = "no incident so far — `:incident TITLE` declares one (critical, all portals by default)";
        frame.render_widget(Paragraph::new(text).style(theme.muted).wrap(Wrap { trim: true }), inner);
        return;
    };
    let i = &s.incident;
    let open = i.resolved_at.is_none();
    let mut facts = vec![Line::from(vec![
        Span::styled(format!("#{} ", i.id), theme.title),
        Span::styled(format!("{} ", i.severity.to_uppercase()), if open { theme.danger } else { theme.muted }),
        Span::raw(SafeText::line(&i.title).as_str().to_owned()),
    ])];
    let portals = if s.portals.is_empty() { "all portals".to_owned() } else { s.portals.join(", ") };
    facts.push(Line::styled(
        format!(
            "declared {} by {} · {}",
            timefmt::ago(i.declared_at, now),
            SafeText::line(&i.declared_by).as_str(),
            SafeText::line(&portals).as_str()
        ),
        theme.muted,
    ));
    facts.push(match (i.resolved_at, s.respond_by) {
        (Some(r), _) => Line::styled(format!("resolved {}", timefmt::ago(r, now)), theme.ok),
        (None, Some(by)) if by <= now => {
            Line::styled(format!("response overdue since {}", zone.short(by)), theme.danger)
        }
        (None, Some(by)) => {
            Line::styled(format!("respond by {} ({})", zone.short(by), timefmt::countdown(by, now)), theme.warn)
        }
        (None, None) => Line::raw("open"),
    });
    facts.push(match &s.record {
        Some(p) => Line::from(vec![
            Span::styled("record: ", theme.muted),
            Span::raw(SafeText::line(&p.display().to_string()).as_str().to_owned()),
        ]),
        None if open => Line::styled("record: written when resolved — `:resolve-incident SUMMARY`", theme.muted),
        None => Line::styled("record: not kept on this machine (`b24ops incident show` prints it)", theme.muted),
    });
    let [head, body] = Layout::vertical([Constraint::Length(facts.len() as u16 + 1), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(facts).wrap(Wrap { trim: true }), head);
    if s.entries.is_empty() {
        frame.render_widget(
            Paragraph::new("nothing on the timeline yet — `:note TEXT` adds to it").style(theme.muted),
            body,
        );
        return;
    }
    let lines: Vec<Line> = s
        .entries
        .iter()
        .map(|e| {
            // Seconds matter within the day an incident runs; older lines say the day.
            let at = if now - e.ts < chrono::Duration::hours(20) { zone.time(e.ts) } else { zone.short(e.ts) };
            Line::from(vec![
                Span::styled(format!("{at:<11} "), theme.muted),
                Span::styled(format!("{:<10} ", SafeText::line(&e.who).as_str()), theme.key),
                Span::raw(SafeText::line(&e.what).as_str().to_owned()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).scroll((v.scroll, 0)), body);
}
