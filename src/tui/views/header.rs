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

/// The width of `› portal ` and `  (Esc back)` around the open portal's name.
const CRUMB_WORDS: usize = 21;

/// The tab bar: `1 Calls  2 Errors`, plus the open portal as a breadcrumb. When the tabs do not
/// all fit, the bar shows a window around the active tab with `‹`/`›` where more tabs are.
pub fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let active_at = |screen: Screen| {
        state.screen == screen
            || (state.screen == Screen::Portal && state.portal.as_ref().map(|p| p.back_to) == Some(screen))
    };
    let labels: Vec<usize> = TABS.iter().map(|(_, _, name)| 2 + name.chars().count() + 3).collect();
    // The open portal's name, cut in the middle to at most half the bar.
    let crumb = match (state.screen, &state.portal) {
        (Screen::Portal, Some(p)) => {
            let name = match &p.overview {
                Loadable::Ready(o) => {
                    o.portal.as_ref().map(|x| x.domain.to_string()).unwrap_or_else(|| o.member_id.to_string())
                }
                _ => p.label.clone(),
            };
            let room = (area.width as usize / 2).saturating_sub(CRUMB_WORDS);
            Some(super::columns::cut(&name, room, super::columns::Cut::Middle))
        }
        _ => None,
    };
    let crumb_w = crumb.as_ref().map_or(0, |c| CRUMB_WORDS + c.chars().count());
    let room = (area.width as usize).saturating_sub(1 + crumb_w);
    let active = TABS.iter().position(|(s, _, _)| active_at(*s)).unwrap_or(0);
    let (first, last) = tab_window(&labels, active, room);
    if first > 0 {
        spans.push(Span::styled(format!("‹{first}  "), theme.muted));
    }
    for (screen, key, name) in &TABS[first..=last] {
        spans.push(Span::styled(key.to_string(), theme.key));
        let style = if active_at(*screen) { theme.title.add_modifier(Modifier::UNDERLINED) } else { theme.text };
        spans.push(Span::styled(format!(" {name}"), style));
        spans.push(Span::raw("   "));
    }
    if last + 1 < TABS.len() {
        spans.push(Span::styled(format!("{}›", TABS.len() - last - 1), theme.muted));
        spans.push(Span::raw(" "));
    }
    if let Some(name) = crumb {
        spans.push(Span::styled("› portal ", theme.muted));
        spans.push(Span::styled(name, theme.title));
        spans.push(Span::styled("  (Esc back)", theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(Style::default()), area);
}

/// The tabs `first..=last` to draw in `room` columns: all when they fit, else the active one and
/// as many neighbours as fit beside it (a marker of 4 columns each side where tabs are hidden).
pub fn tab_window(labels: &[usize], active: usize, room: usize) -> (usize, usize) {
    let n = labels.len();
    if labels.iter().sum::<usize>() <= room || n == 0 {
        return (0, n.saturating_sub(1));
    }
    let marker = 4;
    let cost = |first: usize, last: usize| {
        labels[first..=last].iter().sum::<usize>()
            + if first > 0 { marker } else { 0 }
            + if last + 1 < n { marker } else { 0 }
    };
    let (mut first, mut last) = (active, active);
    loop {
        let grow_right = last + 1 < n && cost(first, last + 1) <= room;
        if grow_right {
            last += 1;
        }
        let grow_left = first > 0 && cost(first - 1, last) <= room;
        if grow_left {
            first -= 1;
        }
        if !grow_right && !grow_left {
            return (first, last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tab_window;

    #[test]
    fn the_active_tab_and_its_neighbours_stay_in_the_bar() {
        let labels = [10, 11, 10, 10, 12, 11, 12, 11, 12];
        assert_eq!(tab_window(&labels, 0, 200), (0, 8), "everything fits");
        let (first, last) = tab_window(&labels, 8, 79);
        assert_eq!(last, 8, "the last tab (Planned) is shown when active");
        assert!(first > 0 && first < 8);
        let (first, last) = tab_window(&labels, 4, 50);
        assert!(first < 4 && last > 4, "both neighbours: {first}..{last}");
    }
}
