//! The header (database, health, clock, operator, alerts) and the tab bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::rules::timefmt;
use crate::tui::state::{AppState, Health, Loadable, Screen, TABS};
use crate::tui::theme::Theme;

/// The top line.
pub fn draw_header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut left = vec![Span::styled(" b24ops ", theme.header.add_modifier(Modifier::BOLD))];
    left.push(Span::styled(format!("{} ", state.db_label), theme.header));
    match &state.health {
        Health::Up => left.push(Span::styled("● ok ", theme.header)),
        Health::Down { reason, since, .. } => left.push(Span::styled(
            format!("✖ DOWN {} — {} ", timefmt::compact(state.now - *since), first_line(reason)),
            theme.danger.add_modifier(Modifier::REVERSED),
        )),
    }
    let firing = match state.firing {
        Some(0) => Span::styled(" 0 firing ", theme.header),
        Some(n) => Span::styled(format!(" ⚠ {n} firing "), theme.danger.add_modifier(Modifier::REVERSED)),
        None => Span::styled(" … ", theme.header),
    };
    let mut right = Vec::new();
    if let Some((i, respond)) = &state.incident {
        let clock = respond.map(|r| format!(" respond {}", timefmt::countdown(r, state.now))).unwrap_or_default();
        right.push(Span::styled(
            format!(" INCIDENT #{} {}{clock} ", i.id, i.severity),
            theme.danger.add_modifier(Modifier::REVERSED),
        ));
    }
    right.push(firing);
    if state.read_only {
        right.push(Span::styled(" READ-ONLY ", theme.badge));
    }
    right.push(Span::styled(format!(" {} ", state.operator), theme.header));
    right.push(Span::styled(format!("{} ", state.zone.clock(state.now)), theme.header));
    let used: usize = left.iter().chain(right.iter()).map(|s| s.width()).sum();
    let pad = (area.width as usize).saturating_sub(used);
    left.push(Span::styled(" ".repeat(pad), theme.header));
    left.extend(right);
    frame.render_widget(Paragraph::new(Line::from(left)).style(theme.header), area);
}

fn first_line(s: &str) -> String {
    crate::tui::views::util::ellipsize(s.lines().next().unwrap_or(""), 60)
}

/// The tab bar: `1 Calls  2 Errors`, plus the open portal as a breadcrumb.
pub fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (screen, key, name) in TABS {
        let active = state.screen == *screen
            || (state.screen == Screen::Portal && state.portal.as_ref().map(|p| p.back_to) == Some(*screen));
        spans.push(Span::styled(key.to_string(), theme.key));
        let style = if active { theme.title.add_modifier(Modifier::UNDERLINED) } else { theme.text };
        spans.push(Span::styled(format!(" {name}"), style));
        spans.push(Span::raw("   "));
    }
    if let (Screen::Portal, Some(p)) = (state.screen, &state.portal) {
        let name = match &p.overview {
            Loadable::Ready(o) => {
                o.portal.as_ref().map(|x| x.domain.to_string()).unwrap_or_else(|| o.member_id.to_string())
            }
            _ => p.label.clone(),
        };
        spans.push(Span::styled("› portal ", theme.muted));
        spans.push(Span::styled(name, theme.title));
        spans.push(Span::styled("  (Esc back)", theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(Style::default()), area);
}
