//! The Calls tab: the live REST-call log and the selected call's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState, Wrap};

use super::columns::{self, Column, Plan};
use super::filter_note;
use super::util::scroll_to;
use crate::model::ApiCall;
use crate::rules::deprecations;
use crate::tui::state::AppState;
use crate::tui::state::Screen;
use crate::tui::theme::Theme;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let show_detail = state.show_detail && area.height >= 14;
    let wide = area.width >= 160;
    let (list_area, detail_area) = if !show_detail {
        (area, None)
    } else if wide {
        let [l, d] = Layout::horizontal([Constraint::Min(100), Constraint::Length(64)]).areas(area);
        (l, Some(d))
    } else {
        let [l, d] = Layout::vertical([Constraint::Min(6), Constraint::Length(8)]).areas(area);
        (l, Some(d))
    };
    draw_list(frame, list_area, state, theme);
    if let Some(d) = detail_area {
        draw_detail(frame, d, state, theme, wide);
    }
}

fn title(state: &AppState, theme: &Theme) -> Line<'static> {
    let c = &state.calls;
    let mut spans = vec![Span::styled(" Calls ", theme.title)];
    if c.filter.is_empty() {
        spans.push(Span::raw(format!("— {} ", c.filter)));
    }
    spans.extend(filter_note::title_span(state, Screen::Calls, theme));
    if c.loading {
        spans.push(Span::styled("· loading… ", theme.muted));
    } else if c.follow && !c.newest_dropped {
        spans.push(Span::styled("· ▶ following ", theme.ok));
    } else if c.new_since_pause > 0 {
        let n = if c.new_since_pause >= 1000 { "999+".to_owned() } else { c.new_since_pause.to_string() };
        spans.push(Span::styled(format!("· ‖ paused, {n} new (G) "), theme.warn));
    } else {
        spans.push(Span::styled("· ‖ paused (f follows) ", theme.warn));
    }
    if c.loading_older {
        spans.push(Span::styled("· loading older… ", theme.muted));
    } else if c.at_oldest && !c.rows.is_empty() && c.selected == 0 {
        spans.push(Span::styled("· oldest reached ", theme.muted));
    }
    Line::from(spans)
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let block = Block::bordered().title(title(state, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = &mut state.calls;
    if c.rows.is_empty() {
        let msg = if c.loading {
            "loading…".to_owned()
        } else if let Some(e) = &c.error {
            format!("could not load calls: {e}")
        } else if c.filter.is_empty() {
            "no calls yet — rows appear here as the app logs them".to_owned()
        } else {
            crate::tui::tab_filter::empty_note(state, Screen::Calls).unwrap_or_default()
        };
        frame.render_widget(Paragraph::new(msg).style(theme.muted), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    c.viewport = height.max(1);
    c.offset = if c.follow {
        c.rows.len().saturating_sub(height)
    } else {
        scroll_to(c.selected, c.offset, height, c.rows.len())
    };
    let end = (c.offset + height).min(c.rows.len());
    let wide = inner.width >= 120;
    let texts: Vec<[String; 7]> = c.rows.range(c.offset..end).map(|call| texts(call, state.zone, wide)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let columns = [
        Column::fixed("time", 0, if wide { 12 } else { 8 }),
        Column::new("portal", 0).middle().min(12).measure(col(1)),
        Column::new("method", 0).min(12).measure(col(2)),
        Column::fixed("st", 0, 3),
        Column::new("error", 0).min(8).measure(col(4)),
        Column::new("ms", 0).right().measure(col(5)),
        Column::new("description", 3).min(16).measure(col(6)).grows(),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), None);
    let rows: Vec<Row> = c.rows.range(c.offset..end).zip(&texts).map(|(call, t)| row(call, t, &plan, theme)).collect();
    let table = columns::table(&plan, rows, theme.muted, theme.selection);
    c.on_screen = c.rows.get(c.selected).map(|r| r.id);
    let mut ts = TableState::default().with_selected(Some(c.selected.saturating_sub(c.offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}

fn portal_label(call: &ApiCall) -> String {
    match &call.domain {
        Some(d) if !d.is_empty() => d.to_string(),
        _ => call.member_id.to_string(),
    }
}

/// The text of each column, measured before the widths are chosen.
fn texts(call: &ApiCall, zone: crate::tui::zone::DisplayZone, wide: bool) -> [String; 7] {
    let deprecated = deprecations::lookup(call.method.as_str()).is_some();
    [
        if wide { zone.time_ms(call.ts) } else { zone.time(call.ts) },
        portal_label(call),
        if deprecated { format!("{}*", call.method) } else { call.method.to_string() },
        call.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
        call.error_code.as_ref().map(|e| e.to_string()).unwrap_or_default(),
        call.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
        call.error_description.as_ref().map(|d| one_line(d.as_str())).unwrap_or_default(),
    ]
}

/// A description on one line, and no longer than the widest screen needs.
fn one_line(d: &str) -> String {
    super::util::ellipsize(&d.chars().take(400).collect::<String>().replace('\n', " ⏎ "), 400)
}

fn row<'a>(call: &ApiCall, t: &[String; 7], plan: &Plan, theme: &Theme) -> Row<'a> {
    let deprecated = deprecations::lookup(call.method.as_str()).is_some();
    let status_style = theme.http_status(call.http_status);
    let cells = vec![
        Cell::from(plan.line(0, &t[0])).style(theme.muted),
        Cell::from(plan.line(1, &t[1])),
        Cell::from(plan.line(2, &t[2])).style(if deprecated { theme.warn } else { Style::default() }),
        Cell::from(plan.line(3, &t[3])).style(status_style),
        Cell::from(plan.line(4, &t[4])).style(status_style),
        Cell::from(plan.line(5, &t[5])),
        Cell::from(plan.line(6, &t[6])).style(theme.muted),
    ];
    Row::new(plan.keep(cells))
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, tall: bool) {
    let block = Block::bordered().title(Span::styled(" Detail (d hides) ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = &state.calls;
    let Some(sel) = c.selected_call() else { return };
    let call = c.detail.as_ref().filter(|d| d.id == sel.id).unwrap_or(sel);
    let label = |s: &str| Span::styled(format!("{s:<10}"), theme.muted);
    let mut lines =
        vec![Line::from(vec![label("call"), Span::raw(format!("#{}  {}", call.id, state.zone.full(call.ts)))])];
    lines.push(Line::from(vec![
        label("portal"),
        Span::raw(format!(
            "{}  {}",
            call.member_id,
            call.domain.as_ref().map(|d| d.as_str()).unwrap_or("(unknown portal)")
        )),
    ]));
    let mut method = vec![label("method"), Span::raw(call.method.to_string())];
    if let Some(dep) = deprecations::lookup(call.method.as_str()) {
        let repl =
            if dep.replacements.is_empty() { "no replacement named".to_owned() } else { dep.replacements.join(" | ") };
        method.push(Span::styled(format!("  * deprecated → {repl}"), theme.warn));
    }
    lines.push(Line::from(method));
    let status = call.http_status.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into());
    let mut result = vec![label("result"), Span::styled(status, theme.http_status(call.http_status))];
    if let Some(code) = &call.error_code {
        result.push(Span::styled(format!("  {code}"), theme.http_status(call.http_status)));
    }
    result.push(Span::raw(format!(
        "  {} ms{}",
        call.duration_ms.map(|d| d.to_string()).unwrap_or_else(|| "?".into()),
        call.operating.map(|o| format!("  operating {o:.2} s")).unwrap_or_default()
    )));
    lines.push(Line::from(result));
    let mut extra = vec![label("source"), Span::raw(call.source.to_string())];
    if let Some(r) = &call.request_id {
        extra.push(Span::raw(format!("  request {r}")));
    }
    if let Some(t) = call.task_id {
        extra.push(Span::raw(format!("  task #{t}")));
    }
    lines.push(Line::from(extra));
    if let Some(d) = &call.error_description {
        // Only what fits is wrapped: a megabyte description must not cost a megabyte per frame.
        let budget = if tall { 3000 } else { 400 };
        let text = super::util::ellipsize(d.as_str(), budget);
        let mut parts = text.lines();
        lines.push(Line::from(vec![label("error"), Span::raw(parts.next().unwrap_or("").to_owned())]));
        lines.extend(parts.take(if tall { 40 } else { 3 }).map(|l| Line::from(l.to_owned())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
