//! `?`: every key, generated from the registry, in columns — keys, name, description wrapped
//! under itself — with the keys of the screen it was opened on first, narrowed by `/`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::util::centered;
use crate::tui::commands::{REGISTRY, Scope, Spec, key_label};
use crate::tui::help_view::HelpView;
use crate::tui::palette::ARG_COMMANDS;
use crate::tui::screen::{Screen, TABS};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

/// The sections, the screen help was opened on first.
fn sections(first: Screen) -> Vec<(Scope, String)> {
    let screens = TABS.iter().map(|(screen, _, name)| (*screen, (*name).to_owned()));
    let named: Vec<(Screen, String)> = screens.chain([(Screen::Portal, "Portal view".to_owned())]).collect();
    let mut out = Vec::new();
    if let Some((s, name)) = named.iter().find(|(s, _)| *s == first) {
        out.push((Scope::Screen(*s), format!("{name} (this screen)")));
    }
    out.push((Scope::Global, "Everywhere".into()));
    out.push((Scope::List, "Lists".into()));
    out.extend(named.into_iter().filter(|(s, _)| *s != first).map(|(s, n)| (Scope::Screen(s), n)));
    out
}

/// `text` cut into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (have, need) = (line.chars().count(), word.chars().count());
        if have > 0 && have + 1 + need > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn matches(s: &Spec, keys: &str, query: &str) -> bool {
    query.is_empty() || [keys, s.name, s.description].iter().any(|t| t.to_lowercase().contains(&query.to_lowercase()))
}

/// Draws the help overlay.
pub fn draw(frame: &mut Frame, area: Rect, h: &HelpView, state: &AppState, theme: &Theme) {
    let read_only = state.read_only;
    let popup = centered(area, area.width.min(150), area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let title = match (h.searching, h.query.is_empty()) {
        (true, _) => format!(" Keys — search: {}▏ (↵ keeps, Esc drops) ", h.query),
        (false, false) => format!(" Keys matching {:?} — / searches again, Esc shows all ", h.query),
        (false, true) => " Keys — j/k scroll, / searches, Esc closes ".to_owned(),
    };
    let block = Block::bordered().title(Span::styled(title, theme.title));
    let inner = block.inner(popup).width as usize;
    let allowed = |s: &&Spec| !(read_only && s.writes);
    let keys_of = |s: &Spec| state.keys.keys(s).iter().map(key_label).collect::<Vec<_>>().join(" ");
    let key_w = REGISTRY.iter().map(|s| keys_of(s).chars().count()).max().unwrap_or(8) + 2;
    let name_w = REGISTRY.iter().map(|s| s.name.len()).max().unwrap_or(8) + 2;
    let desc_w = inner.saturating_sub(2 + key_w + name_w);
    let mut lines = Vec::new();
    for (scope, name) in sections(h.screen) {
        let specs: Vec<&Spec> = REGISTRY
            .iter()
            .filter(|s| s.scope == scope)
            .filter(allowed)
            .filter(|s| matches(s, &keys_of(s), &h.query))
            .collect();
        if specs.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(name, theme.title)));
        for s in specs {
            let keys = keys_of(s);
            // Too narrow for three columns: the description goes under the name.
            let (first, rest) = if desc_w >= 24 {
                let mut w = wrap(s.description, desc_w).into_iter();
                (w.next().unwrap_or_default(), w.collect::<Vec<_>>())
            } else {
                (String::new(), wrap(s.description, inner.saturating_sub(4)))
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_w$}"), theme.key),
                Span::raw(format!("{:<name_w$}", s.name)),
                Span::styled(first, theme.muted),
            ]));
            let indent = if desc_w >= 24 { 2 + key_w + name_w } else { 4 };
            for more in rest {
                lines.push(Line::from(Span::styled(format!("{:indent$}{more}", ""), theme.muted)));
            }
        }
        lines.push(Line::raw(""));
    }
    let query = h.query.to_lowercase();
    let args: Vec<&str> = ARG_COMMANDS
        .iter()
        .map(|(_, d)| *d)
        .filter(|d| query.is_empty() || d.to_lowercase().contains(&query))
        .collect();
    if !args.is_empty() {
        lines.push(Line::from(Span::styled("Palette (:) also takes", theme.title)));
        for desc in args {
            for l in wrap(desc, inner.saturating_sub(4)) {
                lines.push(Line::from(Span::styled(format!("  {l}"), theme.muted)));
            }
        }
        lines.push(Line::raw(""));
    }
    if query.is_empty() {
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
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(format!("no key matches {:?} — Esc shows all", h.query), theme.muted)));
    }
    if read_only {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("READ-ONLY: commands that write are hidden", theme.warn)));
    }
    frame.render_widget(Paragraph::new(lines).block(block).scroll((h.scroll, 0)), popup);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 8), vec!["abcdefgh", "ij"]);
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn the_screen_help_opens_on_comes_first() {
        let s = sections(Screen::Tickets);
        assert_eq!(s[0], (Scope::Screen(Screen::Tickets), "Tickets (this screen)".into()));
        assert_eq!(s.iter().filter(|(sc, _)| *sc == Scope::Screen(Screen::Tickets)).count(), 1);
    }
}
