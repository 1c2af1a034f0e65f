//! The Tickets tab: the queue by next SLA deadline with live countdowns, the thread of the
//! selected ticket, and the reply editor.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, TableState, Wrap};

use super::columns::{self, Column, Plan};
use super::filter_note;
use super::util::{ready_or_note, scroll_to};
use crate::rules::deadline::Urgency;
use crate::rules::sla::TargetState;
use crate::rules::timefmt;
use crate::services::tickets::QueuedTicket;
use crate::tui::state::{AppState, Loadable, Screen};
use crate::tui::theme::Theme;
use crate::tui::ticket_editor::TicketEditor;

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let thread = state.tickets.thread.is_some() && area.height >= 12;
    let wide = area.width >= 160;
    let (list_area, thread_area) = match (thread, wide) {
        (false, _) => (area, None),
        (true, true) => {
            let [l, t] = Layout::horizontal([Constraint::Min(100), Constraint::Length(70)]).areas(area);
            (l, Some(t))
        }
        (true, false) => {
            let [l, t] = Layout::vertical([Constraint::Min(5), Constraint::Length(area.height / 2)]).areas(area);
            (l, Some(t))
        }
    };
    draw_list(frame, list_area, state, theme);
    if let Some(t) = thread_area {
        draw_thread(frame, t, state, theme);
    }
}

/// The countdown of one clock, in calendar time.
fn clock(s: Option<TargetState>, now: DateTime<Utc>) -> String {
    match s {
        None => String::new(),
        Some(TargetState::Running { due } | TargetState::Breached { due }) => timefmt::countdown(due, now),
        Some(TargetState::Paused { left_minutes }) => {
            format!("paused {}", timefmt::compact(chrono::Duration::minutes(left_minutes.max(0))))
        }
        Some(TargetState::Met { .. }) => "met".into(),
        Some(TargetState::Missed { .. }) => "missed".into(),
    }
}

fn next_target(q: &QueuedTicket, now: DateTime<Utc>) -> String {
    let first = q.sla.first_response.and_then(|s| s.due());
    let res = q.sla.resolution.and_then(|s| s.due());
    match (first, res) {
        (Some(f), Some(r)) if f <= r => format!("{} reply", timefmt::countdown(f, now)),
        (_, Some(r)) => format!("{} solve", timefmt::countdown(r, now)),
        (Some(f), None) => format!("{} reply", timefmt::countdown(f, now)),
        (None, None) => {
            let paused = [q.sla.first_response, q.sla.resolution].iter().flatten().find_map(|s| match s {
                TargetState::Paused { .. } => Some(clock(Some(*s), now)),
                _ => None,
            });
            paused.unwrap_or_else(|| "—".into())
        }
    }
}

/// True while the ticket waits on the customer: its status pauses the clocks.
fn waiting(q: &QueuedTicket) -> bool {
    q.waiting || matches!(q.sla.resolution, Some(TargetState::Paused { .. }))
}

/// The queue's SLA load as a stacked bar with its counts: breached, near, ok, and paused
/// (waiting on the customer) — each its own glyph, so the bar reads without colour too.
fn sla_load(q: &[QueuedTicket], width: u16, theme: &Theme) -> Line<'static> {
    let class = |x: &QueuedTicket| match (waiting(x), x.urgency) {
        (true, _) => 3,
        (false, Urgency::Breached) => 0,
        (false, Urgency::Near) => 1,
        _ => 2,
    };
    let mut counts = [0usize; 4];
    for x in q {
        counts[class(x)] += 1;
    }
    let parts = [
        ("█", "breached", theme.danger),
        ("▓", "near", theme.warn),
        ("▒", "ok", theme.ok),
        ("░", "paused", theme.muted),
    ];
    let cells = super::sparkline::shares(&counts, if width >= 100 { 20 } else { 10 });
    let mut spans = vec![Span::styled(" SLA ", theme.muted)];
    for (i, (glyph, _, style)) in parts.iter().enumerate() {
        spans.push(Span::styled(glyph.repeat(cells[i]), *style));
    }
    let legend: Vec<String> =
        parts.iter().zip(counts).filter(|(_, n)| *n > 0).map(|((_, name, _), n)| format!("{n} {name}")).collect();
    spans.push(Span::styled(format!(" {} ", legend.join(" · ")), theme.muted));
    Line::from(spans)
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let t = &mut state.tickets;
    let mut title = vec![Span::styled(" Tickets ", theme.title)];
    title.push(Span::raw(if t.all { "— all, newest first " } else { "— open, by next SLA deadline " }));
    if let crate::tui::state::Loadable::Ready(q) = &t.list.rows {
        let breached = q.iter().filter(|x| x.urgency == Urgency::Breached && !waiting(x)).count();
        let paused = q.iter().filter(|x| waiting(x)).count();
        let near = q.iter().filter(|x| x.urgency == Urgency::Near).count();
        let orphans = q.iter().filter(|x| x.ticket.member_id.is_none()).count();
        title.push(Span::styled(format!("· {} ", q.len()), theme.muted));
        if breached > 0 {
            title.push(Span::styled(format!("· {breached} breached "), theme.danger));
        }
        if near > 0 {
            title.push(Span::styled(format!("· {near} near "), theme.warn));
        }
        if paused > 0 {
            title.push(Span::styled(format!("· ⏸ {paused} waiting on the customer "), theme.muted));
        }
        if orphans > 0 {
            title.push(Span::styled(format!("· ⚑ {orphans} without portal "), theme.warn));
        }
    }
    if state.read_only {
        title.push(Span::styled("· read-only ", theme.warn));
    }
    title.extend(filter_note::title_span(state, Screen::Tickets, theme));
    let mut block = Block::bordered().title(Line::from(title));
    if let crate::tui::state::Loadable::Ready(q) = &state.tickets.list.rows {
        block = block.title_bottom(sla_load(q, area.width, theme));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if state.tickets.list.rows.ready().is_some_and(Vec::is_empty)
        && filter_note::draw_empty(frame, inner, state, Screen::Tickets, theme)
    {
        return;
    }
    let needle = crate::tui::tab_filter::needle(state, Screen::Tickets);
    let t = &mut state.tickets;
    let now = state.now;
    let Some(rows) = ready_or_note(frame, inner, &t.list.rows, "tickets", theme) else { return };
    if rows.is_empty() {
        frame.render_widget(Paragraph::new("no open tickets — the queue is clear").style(theme.ok), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    t.list.offset = scroll_to(t.list.selected, t.list.offset, height, rows.len());
    let end = (t.list.offset + height).min(rows.len());
    // Status and assignee are what a lead scans the queue for: they come before the channel.
    let visible = &rows[t.list.offset..end];
    let texts: Vec<[(String, Style); 8]> = visible.iter().map(|q| texts(q, now, theme)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].0.clone());
    let columns = [
        Column::new("#", 0).right().measure(col(0)),
        Column::new("next target", 0).measure(col(1)),
        Column::new("priority", 1).measure(col(2)),
        Column::new("portal", 1).middle().min(12).measure(col(3)),
        Column::new("subject", 1).min(16).measure(col(4)).grows(),
        Column::new("status", 1).measure(col(5)),
        Column::new("assignee", 1).min(8).measure(col(6)),
        Column::new("via", 3).measure(col(7)),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), t.list.sort_mark());
    let body: Vec<Row> = visible
        .iter()
        .zip(&texts)
        .map(|(q, t)| {
            let cells: Vec<Cell> = t
                .iter()
                .enumerate()
                .map(|(i, (text, style))| match i {
                    3 if q.ticket.member_id.is_some() => {
                        Cell::from(filter_note::highlight(plan.fit(i, text), needle.as_deref()))
                    }
                    4 => match q.ticket.claimed_thread_of {
                        Some(of) => {
                            let claim = format!("⚠ claims #{of} · ");
                            let room = plan.width(i).unwrap_or(0).saturating_sub(claim.chars().count() as u16);
                            Cell::from(Line::from(vec![
                                Span::styled(plan.fit(i, &claim), theme.danger),
                                Span::raw(columns::cut(q.ticket.subject.as_str(), room as usize, columns::Cut::End)),
                            ]))
                        }
                        None => Cell::from(plan.line(i, text)),
                    },
                    _ => Cell::from(plan.line(i, text)).style(*style),
                })
                .collect();
            Row::new(plan.keep(cells))
        })
        .collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(t.list.selected - t.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// Each column's text and style, measured before the widths are chosen.
fn texts(q: &QueuedTicket, now: DateTime<Utc>, theme: &Theme) -> [(String, Style); 8] {
    let tk = &q.ticket;
    let portal = match (&tk.domain, &tk.member_id) {
        (Some(d), Some(_)) => (d.to_string(), theme.text),
        (_, Some(m)) => (m.to_string(), theme.text),
        (Some(d), None) => (format!("⚑ {d}"), theme.warn),
        (None, None) => ("⚑ no portal".to_owned(), theme.warn),
    };
    let pr_style = match tk.priority.as_str() {
        "critical" => theme.danger,
        "high" => theme.warn,
        _ => theme.text,
    };
    // Waiting on the customer: grey with a marker, whatever an earlier clock says, so a paused
    // ticket never reads as a breached one (with or without colour).
    let target = if waiting(q) {
        let left = match (q.sla.resolution, next_target(q, now)) {
            (Some(TargetState::Paused { .. }), _) => clock(q.sla.resolution, now),
            (_, none) if none == "—" => "paused".into(),
            // Breached before the pause: the overdue time, but waiting, not to act on.
            (_, target) => target,
        };
        (format!("⏸ {left}"), theme.muted)
    } else if q.urgency == Urgency::Breached {
        (format!("! {}", next_target(q, now)), theme.urgency(q.urgency))
    } else {
        (next_target(q, now), theme.urgency(q.urgency))
    };
    let subject = match tk.claimed_thread_of {
        Some(of) => format!("⚠ claims #{of} · {}", tk.subject),
        None => tk.subject.as_str().chars().take(400).collect(),
    };
    [
        (format!("{}", tk.id), theme.text),
        target,
        (tk.priority.to_string(), pr_style),
        portal,
        (subject, theme.text),
        (tk.status.to_string(), theme.text),
        (tk.assignee.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "—".into()), theme.muted),
        (tk.channel.to_string(), theme.muted),
    ]
}

fn draw_thread(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some((id, messages)) = &state.tickets.thread else { return };
    let q = state.tickets.list.rows.ready().and_then(|q| q.iter().find(|x| x.ticket.id == *id));
    let title = match q {
        Some(q) => format!(" #{} {} (↵ closes) ", id, q.ticket.subject),
        None => format!(" #{id} (↵ closes) "),
    };
    let block = Block::bordered().title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(msgs) = ready_or_note(frame, inner, messages, "the thread", theme) else { return };
    let z = state.zone;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(q) = q {
        let t = &q.ticket;
        let who = match (&t.requester_name, &t.requester_email) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n.to_string(),
            (None, Some(e)) => e.to_string(),
            _ => "—".into(),
        };
        lines.push(Line::from(vec![Span::styled("from      ", theme.muted), Span::raw(who)]));
        if let Some(of) = t.claimed_thread_of {
            lines.push(Line::styled(
                format!("⚠ answers ticket #{of}, but not from its requester: kept apart — check before acting"),
                theme.danger,
            ));
        }
        lines.push(Line::from(vec![
            Span::styled("reply     ", theme.muted),
            Span::styled(clock(q.sla.first_response, state.now), theme.urgency(q.urgency)),
            Span::styled("   solve ", theme.muted),
            Span::raw(clock(q.sla.resolution, state.now)),
        ]));
        lines.push(Line::raw(""));
    }
    for m in msgs {
        let (label, style) = match m.direction.as_str() {
            "out" => ("replied", theme.ok),
            "note" => ("note", theme.warn),
            _ => ("wrote", theme.title),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", z.short(m.ts)), theme.muted),
            Span::styled(format!("{} {label}", m.author), style),
        ]));
        if m.direction.as_str() == "out" {
            lines.push(delivery_line(m.delivery.as_ref(), z, theme));
        }
        for l in m.body.as_str().lines() {
            lines.push(Line::raw(format!("  {l}")));
        }
        lines.push(Line::raw(""));
    }
    // The newest messages matter most: show the end of the thread.
    let width = inner.width.max(1) as usize;
    let total: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let skip = total.saturating_sub(inner.height as usize) as u16;
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((skip, 0)), inner);
}

/// Where a public reply is: queued, sent at …, failed: … — retrying.
fn delivery_line(
    d: Option<&crate::model::MessageDelivery>,
    z: crate::tui::zone::DisplayZone,
    theme: &Theme,
) -> Line<'static> {
    let Some(d) = d else { return Line::styled("  ⚑ not delivered: no customer address", theme.warn) };
    let style = match d.state.as_str() {
        "sent" => theme.ok,
        "failed" => theme.danger,
        _ => theme.warn,
    };
    Line::styled(format!("  ✉ {}", d.describe(|t| z.short(t))), style)
}

/// Draws the reply editor at the bottom of the body, below the customer's last message: the
/// reply is written looking at what it answers.
pub fn draw_editor(frame: &mut Frame, area: Rect, ed: &TicketEditor, state: &AppState, theme: &Theme) {
    // Up to 14 rows; at least 4 rows above it go to the customer's message when there is room.
    let h = area.height.min(14).min(area.height.saturating_sub(5).max(area.height.min(6)));
    let box_area = Rect { y: area.y + area.height.saturating_sub(h), height: h, ..area };
    let above = Rect { height: area.height.saturating_sub(h), ..area };
    if above.height >= 3 {
        frame.render_widget(Clear, above);
        draw_last_message(frame, above, ed.id, state, theme);
    }
    frame.render_widget(Clear, box_area);
    let block = Block::bordered().title(Span::styled(format!(" Reply to #{} {} ", ed.id, ed.subject), theme.title));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let [text, foot] = Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(inner);
    frame.render_widget(ed.widget(), text);
    let note = match &ed.note {
        Some((n, true)) => Span::styled(n.clone(), theme.danger),
        Some((n, false)) => Span::styled(n.clone(), theme.muted),
        None => Span::styled("^S send reply · ^N internal note · Esc keep draft", theme.muted),
    };
    frame.render_widget(Paragraph::new(Line::from(note)), foot);
}

/// The customer's newest message of ticket `id`, its end shown when it is long.
fn draw_last_message(frame: &mut Frame, area: Rect, id: i64, state: &AppState, theme: &Theme) {
    let block = Block::bordered().title(Span::styled(format!(" #{id}: the customer's last message "), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let msgs = match &state.tickets.thread {
        Some((tid, Loadable::Ready(m))) if *tid == id => m,
        Some((tid, Loadable::Failed(e))) if *tid == id => {
            frame.render_widget(Paragraph::new(format!("could not load the thread: {e}")).style(theme.danger), inner);
            return;
        }
        _ => {
            frame.render_widget(Paragraph::new("loading…").style(theme.muted), inner);
            return;
        }
    };
    let Some(m) = msgs.iter().rev().find(|m| m.direction.as_str() == "in") else {
        frame.render_widget(Paragraph::new("the customer has written nothing yet").style(theme.muted), inner);
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", state.zone.short(m.ts)), theme.muted),
        Span::styled(format!("{} wrote", m.author), theme.title),
    ])];
    lines.extend(m.body.as_str().lines().map(|l| Line::raw(format!("  {l}"))));
    let width = inner.width.max(1) as usize;
    let total: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let skip = total.saturating_sub(inner.height as usize) as u16;
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((skip, 0)), inner);
}
