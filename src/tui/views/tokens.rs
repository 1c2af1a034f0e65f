//! The Tokens tab: counts per class, portals by refresh-token days left, a bulk refresh's
//! progress, and the selected portal's diagnosis.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Gauge, Paragraph, Row, TableState, Wrap};

use super::columns::{self, Column, Plan};
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
    let busy = &t.busy;
    let visible = &rows[t.list.offset..end];
    let texts: Vec<[String; 8]> = visible.iter().map(|r| texts(r, busy.contains(&r.portal.member_id), now)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let columns = [
        Column::new("days", 0).right().measure(col(0)),
        Column::new("class", 0).measure(col(1)),
        Column::new("domain", 0).middle().min(12).measure(col(2)),
        Column::new("member_id", 4).middle().min(12).measure(col(3)),
        Column::new("last refresh", 2).min(10).measure(col(4)),
        Column::new("last open", 3).measure(col(5)),
        Column::new("app", 3).measure(col(6)),
        Column::new("last refresh error", 1).min(16).measure(col(7)).grows(),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), t.list.sort_mark());
    let body: Vec<Row> = visible.iter().zip(&texts).map(|(r, t)| row(r, t, &plan, theme)).collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(t.list.selected - t.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// The text of each column, measured before the widths are chosen.
fn texts(r: &TokenRow, busy: bool, now: chrono::DateTime<chrono::Utc>) -> [String; 8] {
    let p = &r.portal;
    let refreshed = match (p.last_refresh_at, &p.last_refresh_by) {
        (Some(t), Some(by)) => format!("{} by {}", timefmt::ago(t, now), by.as_str()),
        (Some(t), None) => format!("{} by app", timefmt::ago(t, now)),
        _ => "—".into(),
    };
    [
        r.state.days_left.map(|d| format!("{d}d")).unwrap_or_else(|| "—".into()),
        if busy { "working…" } else { class_word(r.state.class) }.to_owned(),
        p.domain.to_string(),
        p.member_id.as_str().to_owned(),
        refreshed,
        p.last_seen_at.map(|t| timefmt::ago(t, now)).unwrap_or_else(|| "—".into()),
        p.app_status.map(|s| s.label()).unwrap_or("?").to_owned(),
        p.last_refresh_error.as_ref().map(|e| e.as_str().chars().take(400).collect()).unwrap_or_default(),
    ]
}

fn row<'a>(r: &TokenRow, t: &[String; 8], plan: &Plan, theme: &Theme) -> Row<'a> {
    let style = class_style(r.state.class, theme);
    Row::new(plan.keep(vec![
        Cell::from(plan.line(0, &t[0])).style(style),
        Cell::from(plan.line(1, &t[1])).style(style),
        Cell::from(plan.line(2, &t[2])),
        Cell::from(plan.line(3, &t[3])).style(theme.muted),
        Cell::from(plan.line(4, &t[4])).style(theme.muted),
        Cell::from(plan.line(5, &t[5])).style(theme.muted),
        Cell::from(plan.line(6, &t[6])),
        Cell::from(plan.line(7, &t[7])).style(theme.danger),
    ]))
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
