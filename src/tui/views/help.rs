//! `?`: every key, generated from the registry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::util::centered;
use crate::tui::commands::{REGISTRY, Scope, key_label};
use crate::tui::palette::ARG_COMMANDS;
use crate::tui::screen::{Screen, TABS};
use crate::tui::theme::Theme;

/// Draws the help overlay.
pub fn draw(frame: &mut Frame, area: Rect, scroll: u16, read_only: bool, theme: &Theme) {
    let popup = centered(area, 86, area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(" Keys — j/k scroll, Esc closes ", theme.title));
    let mut lines = Vec::new();
    let screens = TABS.iter().map(|(screen, _, name)| (Scope::Screen(*screen), *name));
    let sections = [(Scope::Global, "Everywhere"), (Scope::List, "Lists")]
        .into_iter()
        .chain(screens)
        .chain([(Scope::Screen(Screen::Portal), "Portal view")]);
    for (scope, name) in sections {
        lines.push(Line::from(Span::styled(name, theme.title)));
        for s in REGISTRY.iter().filter(|s| s.scope == scope && !(read_only && s.writes)) {
            let keys: Vec<String> = s.keys.iter().map(key_label).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", keys.join(" ")), theme.key),
                Span::raw(format!("{:<14}", s.name)),
                Span::styled(s.description, theme.muted),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled("Palette (:) also takes", theme.title)));
    for (_, desc) in ARG_COMMANDS {
        lines.push(Line::from(Span::styled(format!("  {desc}"), theme.muted)));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Filter (/) words, combined with AND", theme.title)));
    for l in [
        "  on every tab: member: takes a member_id, a domain or a piece of either;",
        "  free words match the tab's text and portal; Esc clears the filter",
        "  Calls: method:PREFIX  code:ERROR_CODE  errors  slow:MS (>500: slower than",
        "  500 ms; a bare word with 'bitrix24' is a domain, any other a method prefix)",
        "  Tasks: kind:K status:S   Reviews: stars:1-2 status:S",
    ] {
        lines.push(Line::from(Span::styled(l, theme.muted)));
    }
    if read_only {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("READ-ONLY: commands that write are hidden", theme.warn)));
    }
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
