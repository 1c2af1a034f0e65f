//! The Tasks tab: the queue, the selected task in full, and a running bulk action's progress.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Gauge, Paragraph, Row, TableState, Wrap};

use super::columns::{self, Column, Plan};
use super::filter_note;
use super::util::{ellipsize, ready_or_note, scroll_to};
use crate::model::TaskBrief;
use crate::rules::timefmt;
use crate::store::TaskAction;
use crate::tui::state::Screen;
use crate::tui::state::{AppState, Loadable};
use crate::tui::theme::Theme;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let bulk_h = if state.tasks.bulk.is_some() { 3 } else { 0 };
    let show_detail = state.show_detail && area.height >= 16;
    let wide = area.width >= 160;
    let [bulk_area, rest] = Layout::vertical([Constraint::Length(bulk_h), Constraint::Min(3)]).areas(area);
    let (list_area, detail_area) = match (show_detail, wide) {
        (false, _) => (rest, None),
        (true, true) => {
            let [l, d] = Layout::horizontal([Constraint::Min(90), Constraint::Length(70)]).areas(rest);
            (l, Some(d))
        }
        (true, false) => {
            let [l, d] = Layout::vertical([Constraint::Min(6), Constraint::Length(9)]).areas(rest);
            (l, Some(d))
        }
    };
    if bulk_h > 0 {
        draw_bulk(frame, bulk_area, state, theme);
    }
    draw_list(frame, list_area, state, theme);
    if let Some(d) = detail_area {
        draw_detail(frame, d, state, theme);
    }
}

fn draw_bulk(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(b) = &state.tasks.bulk else { return };
    let verb = if b.action == TaskAction::Restart { "Restarting" } else { "Discarding" };
    let done = b.report.changed + b.report.skipped;
    let ratio = if b.report.total > 0 { (done as f64 / b.report.total as f64).clamp(0.0, 1.0) } else { 1.0 };
    let label = if b.done {
        format!("done: {} changed, {} no longer failed, of {}", b.report.changed, b.report.skipped, b.report.total)
    } else {
        format!("{done} / {}", b.report.total)
    };
    let gauge = Gauge::default()
        .block(Block::bordered().title(Span::styled(format!(" {verb} {} ", b.filter), theme.title)))
        .gauge_style(theme.ok)
        .ratio(ratio)
        .label(label);
    frame.render_widget(gauge, area);
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let t = &mut state.tasks;
    let filtered = !t.filter.to_text().is_empty();
    // With a `/` filter the title says it once, with its count (below); the status stays here.
    let scope =
        if filtered { t.filter.status.clone().unwrap_or_else(|| "all statuses".into()) } else { t.filter.to_string() };
    let mut title = vec![Span::styled(" Tasks ", theme.title), Span::raw(format!("— {scope} "))];
    if let (Loadable::Ready(rows), false) = (&t.list.rows, filtered) {
        let more = if rows.len() as i64 >= crate::tui::limits::TASK_LIMIT { "+" } else { "" };
        title.push(Span::styled(format!("· {}{more} ", rows.len()), theme.muted));
    }
    if state.read_only {
        title.push(Span::styled("· read-only ", theme.warn));
    }
    title.extend(filter_note::title_span(state, Screen::Tasks, theme));
    let block = Block::bordered().title(Line::from(title));
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(ids) = state.tasks.searched_window() {
        // Without the app's member column a portal is looked for in the newest ids only, so an
        // empty or short answer is not the whole table's; the line says so above the rows.
        let [note, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let text =
            format!("portal searched in the newest {} job ids only — tasks.member_column searches all", thousands(ids));
        frame.render_widget(Paragraph::new(text).style(theme.warn), note);
        inner = rest;
    }
    if state.tasks.list.rows.ready().is_some_and(Vec::is_empty)
        && filter_note::draw_empty(frame, inner, state, Screen::Tasks, theme)
    {
        return;
    }
    let needle = crate::tui::tab_filter::needle(state, Screen::Tasks);
    let t = &mut state.tasks;
    let Some(rows) = ready_or_note(frame, inner, &t.list.rows, "tasks", theme) else { return };
    if rows.is_empty() {
        let msg = if t.filter.status.as_deref() == Some("failed") {
            "no failed tasks — all clear"
        } else {
            "no tasks match"
        };
        frame.render_widget(Paragraph::new(msg).style(theme.ok), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    t.list.offset = scroll_to(t.list.selected, t.list.offset, height, rows.len());
    let end = (t.list.offset + height).min(rows.len());
    let now = state.now;
    let visible = &rows[t.list.offset..end];
    let texts: Vec<[String; 7]> = visible.iter().map(|task| texts(task, now)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let columns = [
        Column::new("id", 0).right().measure(col(0)),
        Column::new("status", 3).measure(col(1)),
        Column::new("kind", 1).min(10).measure(col(2)),
        Column::new("portal", 0).middle().min(12).measure(col(3)),
        Column::new("tries", 2).measure(col(4)),
        Column::new("failed", 2).measure(col(5)),
        Column::new("error", 2).min(12).measure(col(6)).grows(),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), t.list.sort_mark());
    let body: Vec<Row> =
        visible.iter().zip(&texts).map(|(task, t)| row(task, t, &plan, needle.as_deref(), theme)).collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(t.list.selected - t.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// The text of each column, measured before the widths are chosen.
fn texts(t: &TaskBrief, now: chrono::DateTime<chrono::Utc>) -> [String; 7] {
    let portal = match (&t.domain, &t.member_id) {
        (Some(d), _) if !d.is_empty() => d.to_string(),
        (_, Some(m)) => m.to_string(),
        _ => "—".into(),
    };
    [
        format!("#{}", t.id),
        t.status.to_string(),
        t.kind.to_string(),
        portal,
        format!("{}/{}", t.attempts, t.max_attempts),
        t.failed_at.map(|f| timefmt::ago(f, now)).unwrap_or_default(),
        t.last_error
            .as_ref()
            .map(|e| e.as_str().lines().next().unwrap_or("").chars().take(400).collect())
            .unwrap_or_default(),
    ]
}

fn row<'a>(t: &TaskBrief, cells: &[String; 7], plan: &Plan, needle: Option<&str>, theme: &Theme) -> Row<'a> {
    let status_style = match t.status.as_str() {
        "failed" => theme.danger,
        "queued" | "running" => theme.warn,
        "done" => theme.ok,
        _ => theme.muted,
    };
    Row::new(plan.keep(vec![
        Cell::from(plan.line(0, &cells[0])),
        Cell::from(plan.line(1, &cells[1])).style(status_style),
        Cell::from(plan.line(2, &cells[2])),
        Cell::from(filter_note::highlight(plan.fit(3, &cells[3]), needle)),
        Cell::from(plan.line(4, &cells[4])),
        Cell::from(plan.line(5, &cells[5])).style(theme.muted),
        Cell::from(plan.line(6, &cells[6])).style(theme.danger),
    ]))
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::bordered().title(Span::styled(" Task (d hides) ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(sel) = state.tasks.selected_task() else { return };
    let Some(d) = state.tasks.detail.as_ref().filter(|d| d.id == sel.id) else {
        frame.render_widget(Paragraph::new("loading…").style(theme.muted), inner);
        return;
    };
    let label = |s: &str| Span::styled(format!("{s:<9}"), theme.muted);
    let z = state.zone;
    let mut lines = vec![
        Line::from(vec![
            label("task"),
            Span::raw(format!("#{} {} · {} · {}/{} attempts", d.id, d.kind, d.status, d.attempts, d.max_attempts)),
        ]),
        Line::from(vec![
            label("portal"),
            Span::raw(format!(
                "{} {}",
                d.member_id.as_ref().map(|m| m.as_str()).unwrap_or("—"),
                d.domain.as_ref().map(|x| x.as_str()).unwrap_or("")
            )),
        ]),
        Line::from(vec![
            label("times"),
            Span::raw(format!(
                "created {} · due {} · failed {}",
                z.short(d.created_at),
                z.short(d.run_at),
                d.failed_at.map(|f| z.short(f)).unwrap_or_else(|| "—".into())
            )),
        ]),
    ];
    if let Some(e) = &d.last_error {
        let text = ellipsize(e.as_str(), 2000);
        let mut parts = text.lines();
        lines.push(Line::from(vec![label("error"), Span::styled(parts.next().unwrap_or("").to_owned(), theme.danger)]));
        lines.extend(parts.take(8).map(|l| Line::from(Span::styled(l.to_owned(), theme.danger))));
    }
    for h in d.history.iter().rev().take(5) {
        lines.push(Line::from(vec![
            label(&format!("try {}", h.attempt)),
            Span::raw(format!("{} ", z.short(h.started_at))),
            Span::styled(h.error.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "ok".into()), theme.muted),
        ]));
    }
    if let Some(p) = &d.payload {
        let tag = if d.payload_invalid_json { "payload (not JSON, shown as stored)" } else { "payload" };
        lines.push(Line::from(Span::styled(tag, theme.muted)));
        // Only what can be seen is laid out: a megabyte payload must not cost a megabyte a frame.
        lines.extend(ellipsize(p.as_str(), 4000).lines().take(60).map(|l| Line::from(l.to_owned())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// `200000` as `200,000`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}
