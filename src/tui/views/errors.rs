//! The Errors tab: groups by portal and type (or by type), busiest in 15 minutes first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState};

use super::columns::{self, Column, Plan};
use super::filter_note;
use super::sparkline;
use super::util::{ready_or_note, scroll_to};
use crate::model::{ErrorGroup, ErrorSource, GroupBy};
use crate::rules::{remedies, timefmt};
use crate::services::error_sample::ErrorSample;
use crate::store::GROUP_LIMIT;
use crate::tui::state::Screen;
use crate::tui::state::{AppState, Loadable};
use crate::tui::theme::Theme;

/// Draws the tab: the groups and, for an app-error group, its newest occurrence below them.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let sample = state.errors.sample.as_ref().map(|(_, s)| s.clone());
    match sample {
        Some(sample) if area.height >= 16 => {
            let frames = sample.ready().and_then(|s| s.as_ref()).map_or(0, |s| s.frames.len() as u16);
            let [list, detail] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length((frames + 5).min(area.height / 2))])
                    .areas(area);
            draw_list(frame, list, state, theme);
            draw_sample(frame, detail, &sample, state, theme);
        }
        _ => draw_list(frame, area, state, theme),
    }
}

/// The newest occurrence: when, the message, release and URL, then the frames newest first.
fn draw_sample(frame: &mut Frame, area: Rect, sample: &Loadable<Option<ErrorSample>>, state: &AppState, theme: &Theme) {
    let block = Block::bordered().title(Line::styled(" Newest occurrence ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(found) = ready_or_note(frame, inner, sample, "the newest occurrence", theme) else { return };
    let Some(s) = found else {
        frame.render_widget(Paragraph::new("no occurrence stored for this group").style(theme.muted), inner);
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{}  ", state.zone.time(s.ts)), theme.muted),
        Span::raw(s.message.as_str().lines().next().unwrap_or_default().to_owned()),
    ])];
    let mut about = Vec::new();
    if let Some(o) = &s.origin {
        about.push(o.as_str().to_owned());
    }
    if let Some(u) = &s.url {
        about.push(u.as_str().to_owned());
    }
    if !about.is_empty() {
        lines.push(Line::styled(about.join("  "), theme.muted));
    }
    for f in &s.frames {
        lines.push(Line::from(format!("  at {f}")));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let e = &mut state.errors;
    let mode = match e.group_by {
        GroupBy::PortalAndType => "by portal + type",
        GroupBy::Type => "by type, all portals",
    };
    let mut title = vec![
        Span::styled(" Errors ", theme.title),
        Span::raw(format!("— {mode} · over threshold: >{} in 15m ", state.threshold_15m)),
    ];
    if let Some(t) = e.as_of {
        title.push(Span::styled(format!("· as of {} ", state.zone.time(t)), theme.muted));
    }
    title.extend(filter_note::title_span(state, Screen::Errors, theme));
    let e = &mut state.errors;
    let mut block = Block::bordered().title(Line::from(title));
    if let Loadable::Ready(groups) = &e.list.rows {
        let count = if e.has_more() {
            format!(" busiest {} · more as you scroll ", groups.len())
        } else if groups.len() as i64 >= GROUP_LIMIT {
            format!(" busiest {} ", groups.len())
        } else {
            let n = groups.len();
            format!(" {n} group{} ", if n == 1 { "" } else { "s" })
        };
        block = block.title_bottom(Line::styled(count, theme.muted).right_aligned());
        // What to do about the selected group, where its code says.
        if let Some(r) = groups.get(e.list.selected).and_then(remedies::group_remedy) {
            block = block.title_bottom(Line::styled(format!(" → {r} "), theme.warn));
        }
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if e.list.rows.ready().is_some_and(Vec::is_empty)
        && filter_note::draw_empty(frame, inner, state, Screen::Errors, theme)
    {
        return;
    }
    let needle = crate::tui::tab_filter::needle(state, Screen::Errors);
    let e = &mut state.errors;
    let Some(groups) = ready_or_note(frame, inner, &e.list.rows, "error groups", theme) else { return };
    if groups.is_empty() {
        frame.render_widget(Paragraph::new("no errors in the last 24 hours").style(theme.ok), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    e.list.offset = scroll_to(e.list.selected, e.list.offset, height, groups.len());
    let end = (e.list.offset + height).min(groups.len());
    let by_type = e.group_by == GroupBy::Type;
    let now = state.now;
    let visible = &groups[e.list.offset..end];
    // The day's shape beside its count; narrower terminals get 2 or 3 hours a character, the
    // narrowest none (the counts and the error keep their room).
    let spark = sparkline::width_for(inner.width);
    let texts: Vec<[String; 10]> = visible.iter().map(|g| texts(g, by_type, now, spark)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let trend = match spark {
        0 => Column::absent("by hour"),
        w if w >= 24 => Column::fixed("24h by hour", 0, w as u16),
        w => Column::fixed("by hour", 0, w as u16),
    };
    let columns = [
        Column::fixed("", 0, 1),
        Column::new("15m", 0).right().measure(col(1)),
        Column::new("1h", 2).right().measure(col(2)),
        Column::new("24h", 1).right().measure(col(3)),
        trend,
        if by_type {
            Column::new("portals", 0).right().measure(col(5))
        } else {
            Column::new("portal", 0).middle().min(12).measure(col(5))
        },
        Column::new("error", 0).min(12).measure(col(6)),
        Column::new("src", 1).measure(col(7)),
        Column::new("last", 2).measure(col(8)),
        Column::new("first", 4).measure(col(9)),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), e.list.sort_mark());
    let rows: Vec<Row> = visible.iter().zip(&texts).map(|(g, t)| row(g, t, &plan, needle.as_deref(), theme)).collect();
    let table = columns::table(&plan, rows, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(e.list.selected - e.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// The text of each column, measured before the widths are chosen.
fn texts(g: &ErrorGroup, by_type: bool, now: chrono::DateTime<chrono::Utc>, spark: usize) -> [String; 10] {
    let who = if by_type {
        g.portals.to_string()
    } else {
        match (&g.domain, &g.member_id) {
            (Some(d), _) if !d.is_empty() => d.to_string(),
            (_, Some(m)) => m.to_string(),
            _ => "(no portal)".into(),
        }
    };
    let src = match g.source {
        ErrorSource::Rest => "rest",
        ErrorSource::App => "app",
    };
    [
        if g.over_threshold { "!" } else { " " }.to_owned(),
        g.last_15m.to_string(),
        g.last_1h.to_string(),
        g.last_24h.to_string(),
        sparkline::bars(&g.hourly, spark),
        who,
        g.error_type.to_string(),
        src.to_owned(),
        timefmt::ago(g.last_seen, now),
        timefmt::ago(g.first_seen, now),
    ]
}

fn row<'a>(g: &ErrorGroup, t: &[String; 10], plan: &Plan, needle: Option<&str>, theme: &Theme) -> Row<'a> {
    let hot = g.over_threshold;
    let style = if hot {
        theme.danger
    } else if g.last_15m > 0 {
        theme.warn
    } else {
        theme.text
    };
    let cells = vec![
        Cell::from(plan.line(0, &t[0])).style(theme.danger),
        Cell::from(plan.line(1, &t[1])).style(if hot { style.add_modifier(Modifier::BOLD) } else { style }),
        Cell::from(plan.line(2, &t[2])),
        Cell::from(plan.line(3, &t[3])),
        Cell::from(plan.line(4, &t[4])).style(if hot { theme.danger } else { theme.text }),
        Cell::from(filter_note::highlight(plan.fit(5, &t[5]), needle)),
        Cell::from(plan.line(6, &t[6])).style(style),
        Cell::from(plan.line(7, &t[7])).style(theme.muted),
        Cell::from(plan.line(8, &t[8])).style(theme.muted),
        Cell::from(plan.line(9, &t[9])).style(theme.muted),
    ];
    Row::new(plan.keep(cells))
}
