//! The Tokens tab: counts per class, portals by refresh-token days left, a bulk refresh's
//! progress, and the selected portal's diagnosis.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Gauge, Paragraph, Row, Table, TableState, Wrap};

use super::filter_note;
use super::util::{ready_or_note, scroll_to};
use crate::rules::timefmt;
use crate::rules::tokens::TokenClass;
use crate::services::diagnose::{Diagnosis, Section};
use crate::services::tokens::TokenRow;
use crate::tui::state::AppState;
use crate::tui::state::Screen;
use crate::tui::theme::Theme;

fn class_style(class: TokenClass, theme: &Theme) -> Style {
    match class {
        TokenClass::Dead => theme.danger,
        TokenClass::Critical => theme.danger,
        TokenClass::Warning => theme.warn,
        TokenClass::Ok => theme.ok,
        TokenClass::Uninstalled | TokenClass::Unknown => theme.muted,
    }
}

fn class_word(class: TokenClass) -> &'static str {
    match class {
        TokenClass::Dead => "DEAD",
        TokenClass::Critical => "critical",
        TokenClass::Warning => "warning",
        TokenClass::Ok => "ok",
        TokenClass::Uninstalled => "uninstalled",
        TokenClass::Unknown => "no token",
    }
}

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let run_h = if state.tokens.run.is_some() { 3 } else { 0 };
    let diag = state.tokens.diagnosis.is_some() && area.height >= 14;
    let wide = area.width >= 150;
    let [run_area, rest] = Layout::vertical([Constraint::Length(run_h), Constraint::Min(3)]).areas(area);
    let (list_area, diag_area) = match (diag, wide) {
        (false, _) => (rest, None),
        (true, true) => {
            let [l, d] = Layout::horizontal([Constraint::Min(90), Constraint::Length(64)]).areas(rest);
            (l, Some(d))
        }
        (true, false) => {
            let [l, d] = Layout::vertical([Constraint::Min(5), Constraint::Length(rest.height / 2)]).areas(rest);
            (l, Some(d))
        }
    };
    if run_h > 0 {
        draw_run(frame, run_area, state, theme);
    }
    draw_list(frame, list_area, state, theme);
    if let Some(d) = diag_area {
        draw_diagnosis(frame, d, state, theme);
    }
}

fn draw_run(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(r) = &state.tokens.run else { return };
    let ratio = if r.total > 0 { (r.done as f64 / r.total as f64).clamp(0.0, 1.0) } else { 1.0 };
    let label = if r.finished {
        format!("done: {} of {} hold a working pair", r.alive, r.total)
    } else {
        format!("{} / {} ({} alive)", r.done, r.total, r.alive)
    };
    let title = format!(" Refreshing portals within {} days ", r.days);
    let gauge = Gauge::default()
        .block(Block::bordered().title(Span::styled(title, theme.title)))
        .gauge_style(theme.ok)
        .ratio(ratio)
        .label(label);
    frame.render_widget(gauge, area);
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let mut title = vec![Span::styled(" Tokens ", theme.title)];
    if let Some(c) = state.tokens.counts {
        let part = |n: i64, word: String, style: Style| {
            let style = if n > 0 { style } else { theme.muted };
            [Span::styled(format!("{word} {n}"), style), Span::styled(" · ", theme.muted)]
        };
        title.push(Span::styled("— ", theme.muted));
        title.extend(part(c.dead, "dead".into(), theme.danger));
        title.extend(part(c.critical, "≤7d".into(), theme.danger));
        title.extend(part(c.warning, format!("≤{}d", state.tokens.window_days), theme.warn));
        title.extend(part(c.ok, "ok".into(), theme.ok));
        title.push(Span::styled(format!("uninstalled {} ", c.uninstalled), theme.muted));
    }
    if state.read_only {
        title.push(Span::styled("· read-only ", theme.warn));
    }
    title.extend(filter_note::title_span(state, Screen::Tokens, theme));
    let mut block = Block::bordered().title(Line::from(title));
    if let Some(label) = &state.tokens.bitrix_label {
        block = block.title_bottom(Line::styled(format!(" {label} "), theme.muted).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if state.tokens.list.rows.ready().is_some_and(Vec::is_empty)
        && filter_note::draw_empty(frame, inner, state, Screen::Tokens, theme)
    {
        return;
    }
    let now = state.now;
    let t = &mut state.tokens;
    let Some(rows) = ready_or_note(frame, inner, &t.list.rows, "tokens", theme) else { return };
    if rows.is_empty() {
        frame.render_widget(Paragraph::new("no installed portal has a refresh token stored").style(theme.muted), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    t.list.offset = scroll_to(t.list.selected, t.list.offset, height, rows.len());
    let end = (t.list.offset + height).min(rows.len());
    let wide = inner.width >= 150;
    let mid = inner.width >= 110;
    let widths = [
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(if wide { 30 } else { 24 }),
        Constraint::Length(if wide { 32 } else { 0 }),
        Constraint::Length(if mid { 22 } else { 0 }),
        Constraint::Length(if mid { 12 } else { 0 }),
        Constraint::Length(if wide { 12 } else { 0 }),
        Constraint::Fill(1),
    ];
    let header =
        Row::new(["days", "class", "domain", "member_id", "last refresh", "last open", "app", "last refresh error"])
            .style(theme.muted);
    let busy = &t.busy;
    let body: Vec<Row> =
        rows[t.list.offset..end].iter().map(|r| row(r, busy.contains(&r.portal.member_id), now, theme)).collect();
    let table = Table::new(body, widths).header(header).row_highlight_style(theme.selection).highlight_symbol("▶");
    let mut ts = TableState::default().with_selected(Some(t.list.selected - t.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

fn row<'a>(r: &'a TokenRow, busy: bool, now: chrono::DateTime<chrono::Utc>, theme: &Theme) -> Row<'a> {
    let p = &r.portal;
    let style = class_style(r.state.class, theme);
    let days = r.state.days_left.map(|d| format!("{d}d")).unwrap_or_else(|| "—".into());
    let refreshed = match (p.last_refresh_at, &p.last_refresh_by) {
        (Some(t), Some(by)) => format!("{} by {}", timefmt::ago(t, now), by.as_str()),
        (Some(t), None) => format!("{} by app", timefmt::ago(t, now)),
        _ => "—".into(),
    };
    let class = if busy { "working…" } else { class_word(r.state.class) };
    Row::new(vec![
        Cell::from(Line::from(days).right_aligned()).style(style),
        Cell::from(class).style(style),
        Cell::from(p.domain.to_string()),
        Cell::from(p.member_id.as_str().to_owned()).style(theme.muted),
        Cell::from(refreshed).style(theme.muted),
        Cell::from(p.last_seen_at.map(|t| timefmt::ago(t, now)).unwrap_or_else(|| "—".into())).style(theme.muted),
        Cell::from(p.app_status.map(|s| s.label()).unwrap_or("?")),
        Cell::from(p.last_refresh_error.as_ref().map(|e| e.to_string()).unwrap_or_default()).style(theme.danger),
    ])
}

fn draw_diagnosis(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some((m, d)) = &state.tokens.diagnosis else { return };
    let block = Block::bordered().title(Span::styled(format!(" Diagnosis {} (Esc closes) ", m.short(12)), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(d) = ready_or_note(frame, inner, d, "the diagnosis", theme) else { return };
    frame.render_widget(Paragraph::new(lines(d, theme)).wrap(Wrap { trim: false }), inner);
}

/// The diagnosis as lines: problems first, then each section.
pub fn lines<'a>(d: &'a Diagnosis, theme: &Theme) -> Vec<Line<'a>> {
    let label = |s: &str| Span::styled(format!("{s:<11}"), theme.muted);
    let mut out = Vec::new();
    let problems = d.problems();
    if problems.is_empty() {
        out.push(Line::styled("no problems found", theme.ok));
    } else {
        out.push(Line::styled(format!("{} problem(s):", problems.len()), theme.danger));
        for p in problems {
            out.push(Line::styled(format!(" • {p}"), theme.danger));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::from(vec![label("domain"), Span::raw(d.domain.clone())]));
    out.push(match &d.app {
        Section::Ok(a) => Line::from(vec![
            label("app"),
            Span::raw(format!(
                "status {} · licence {} · {}",
                a.status,
                a.license.as_deref().unwrap_or("?"),
                a.days_left.map(|n| format!("{n} days left")).unwrap_or_else(|| "no end date".into())
            )),
            Span::styled(if a.payment_expired { " · PAYMENT EXPIRED" } else { "" }, theme.danger),
        ]),
        Section::Error(e) => Line::from(vec![label("app"), Span::styled(e.clone(), theme.danger)]),
    });
    for (name, s) in [("scopes", &d.scopes), ("placements", &d.placements)] {
        out.push(match s {
            Section::Ok(c) if c.missing.is_empty() => {
                Line::from(vec![label(name), Span::styled("ok ", theme.ok), Span::raw(c.present.join(", "))])
            }
            Section::Ok(c) => Line::from(vec![
                label(name),
                Span::styled(format!("missing {} ", c.missing.join(", ")), theme.danger),
                Span::styled(format!("(has {})", c.present.join(", ")), theme.muted),
            ]),
            Section::Error(e) => Line::from(vec![label(name), Span::styled(e.clone(), theme.danger)]),
        });
    }
    match &d.methods {
        Section::Ok(ms) => {
            let flagged: Vec<_> = ms.iter().filter(|m| m.finding().is_some() || m.deprecated).collect();
            out.push(Line::from(vec![
                label("methods"),
                Span::raw(format!("{} called in 30 days, {} flagged", ms.len(), flagged.len())),
            ]));
            for m in flagged {
                let (note, style) = if let Some(f) = m.finding() {
                    (f.to_owned(), if m.exists.is_none() { theme.warn } else { theme.danger })
                } else if m.replacements.is_empty() {
                    ("deprecated".to_owned(), theme.warn)
                } else {
                    (format!("deprecated → {}", m.replacements.join(", ")), theme.warn)
                };
                out.push(Line::from(vec![Span::raw(format!("  {} ", m.method)), Span::styled(note, style)]));
            }
        }
        Section::Error(e) => out.push(Line::from(vec![label("methods"), Span::styled(e.clone(), theme.danger)])),
    }
    out.push(match &d.clock {
        Section::Ok(c) => Line::from(vec![
            label("clock"),
            Span::raw(format!(
                "{} (drift {})",
                c.server_time,
                c.drift_secs.map(|s| format!("{s} s")).unwrap_or_else(|| "?".into())
            )),
        ]),
        Section::Error(e) => Line::from(vec![label("clock"), Span::styled(e.clone(), theme.danger)]),
    });
    out
}
