//! The Reviews tab: the inbox by reply deadline, and the selected review with its draft.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState, Wrap};

use super::columns::{self, Column, Plan};
use super::filter_note;
use super::util::{ellipsize, ready_or_note, scroll_to};
use crate::rules::deadline::Urgency;
use crate::rules::reviews::ReviewClock;
use crate::rules::timefmt;
use crate::services::reviews::InboxEntry;
use crate::tui::state::Screen;
use crate::tui::state::{AppState, Loadable};
use crate::tui::theme::Theme;

/// `★★☆☆☆`
pub fn stars(rating: i64) -> String {
    let r = rating.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(r), "☆".repeat(5 - r))
}

/// The countdown text of a review's clock: `in 5h 12m`, `-3h` once late, `answered`.
pub fn due_text(clock: &ReviewClock, now: DateTime<Utc>) -> String {
    match clock.urgency {
        Urgency::Done => "answered".into(),
        _ => timefmt::countdown(clock.reply_due, now),
    }
}

/// Draws the tab.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let show_detail = state.show_detail && area.height >= 14;
    let wide = area.width >= 160;
    let (list_area, detail_area) = match (show_detail, wide) {
        (false, _) => (area, None),
        (true, true) => {
            let [l, d] = Layout::horizontal([Constraint::Min(90), Constraint::Length(72)]).areas(area);
            (l, Some(d))
        }
        (true, false) => {
            let [l, d] = Layout::vertical([Constraint::Min(5), Constraint::Length(10)]).areas(area);
            (l, Some(d))
        }
    };
    draw_list(frame, list_area, state, theme);
    if let Some(d) = detail_area {
        draw_detail(frame, d, state, theme);
    }
}

fn draw_list(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let r = &mut state.reviews;
    let filtered = !r.filter.to_text().is_empty();
    // With a `/` filter the title says it once, with its count (below).
    let scope = if !filtered {
        r.filter.to_string()
    } else if r.filter.open_only {
        "awaiting reply".into()
    } else {
        "all reviews".into()
    };
    let mut title = vec![Span::styled(" Reviews ", theme.title), Span::raw(format!("— {scope} "))];
    if let Loadable::Ready(rows) = &r.list.rows {
        let late = rows.iter().filter(|e| e.clock.urgency == Urgency::Breached).count();
        if !filtered {
            title.push(Span::styled(format!("· {} ", rows.len()), theme.muted));
        }
        if late > 0 {
            title.push(Span::styled(format!("· {late} past 48h "), theme.danger));
        }
    }
    title.extend(filter_note::title_span(state, Screen::Reviews, theme));
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if state.reviews.list.rows.ready().is_some_and(Vec::is_empty)
        && filter_note::draw_empty(frame, inner, state, Screen::Reviews, theme)
    {
        return;
    }
    let needle = crate::tui::tab_filter::needle(state, Screen::Reviews);
    let r = &mut state.reviews;
    let Some(rows) = ready_or_note(frame, inner, &r.list.rows, "reviews", theme) else { return };
    if rows.is_empty() {
        let msg = if r.filter.open_only {
            "no review awaits a reply — all answered (a: show answered ones, n: add one)"
        } else {
            "no reviews match"
        };
        frame.render_widget(Paragraph::new(msg).style(theme.ok), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    r.list.offset = scroll_to(r.list.selected, r.list.offset, height, rows.len());
    let end = (r.list.offset + height).min(rows.len());
    let now = state.now;
    let visible = &rows[r.list.offset..end];
    let texts: Vec<[String; 7]> = visible.iter().map(|e| texts(e, now)).collect();
    let col = |i: usize| texts.iter().map(move |t| t[i].clone());
    let columns = [
        Column::new("id", 0).right().measure(col(0)),
        Column::new("reply due", 0).measure(col(1)),
        Column::new("stars", 1).measure(col(2)),
        Column::new("reply", 1).measure(col(3)),
        Column::new("author", 2).min(10).measure(col(4)),
        Column::new("portal", 2).middle().min(12).measure(col(5)),
        Column::new("review", 1).min(16).measure(col(6)).grows(),
    ];
    let plan = Plan::new(&columns, columns::room(inner.width), r.list.sort_mark());
    let body: Vec<Row> = visible.iter().zip(&texts).map(|(e, t)| row(e, t, &plan, needle.as_deref(), theme)).collect();
    let table = columns::table(&plan, body, theme.muted, theme.selection);
    let mut ts = TableState::default().with_selected(Some(r.list.selected - r.list.offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// The text of each column, measured before the widths are chosen.
fn texts(e: &InboxEntry, now: DateTime<Utc>) -> [String; 7] {
    let r = &e.review;
    let portal = match (&r.domain, &r.member_id) {
        (Some(d), _) if !d.is_empty() => d.to_string(),
        (_, Some(m)) => m.to_string(),
        _ => "—".into(),
    };
    [
        format!("#{}", r.id),
        due_text(&e.clock, now),
        stars(r.rating),
        r.reply_status.to_string(),
        r.author.to_string(),
        portal,
        r.excerpt.as_str().chars().take(400).collect(),
    ]
}

fn row<'a>(e: &InboxEntry, t: &[String; 7], plan: &Plan, needle: Option<&str>, theme: &Theme) -> Row<'a> {
    let r = &e.review;
    let reply_style = match r.reply_status {
        crate::model::ReplyStatus::Outdated => theme.danger,
        crate::model::ReplyStatus::Ready => theme.ok,
        crate::model::ReplyStatus::Published => theme.muted,
        _ => theme.text,
    };
    Row::new(plan.keep(vec![
        Cell::from(plan.line(0, &t[0])),
        Cell::from(plan.line(1, &t[1])).style(theme.urgency(e.clock.urgency)),
        Cell::from(plan.line(2, &t[2])).style(theme.stars(r.rating)),
        Cell::from(plan.line(3, &t[3])).style(reply_style),
        Cell::from(plan.line(4, &t[4])),
        Cell::from(filter_note::highlight(plan.fit(5, &t[5]), needle)).style(theme.muted),
        Cell::from(plan.line(6, &t[6])),
    ]))
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::bordered().title(Span::styled(" Review (d hides) ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(sel) = state.reviews.selected_entry() else { return };
    let Some(d) = state.reviews.detail.as_ref().filter(|d| d.row.id == sel.review.id) else {
        frame.render_widget(Paragraph::new("loading…").style(theme.muted), inner);
        return;
    };
    let z = state.zone;
    let label = |s: &str| Span::styled(format!("{s:<9}"), theme.muted);
    let c = &sel.clock;
    let r = &d.row;
    let mut lines = vec![
        Line::from(vec![
            label("review"),
            Span::styled(stars(r.rating), theme.stars(r.rating)),
            Span::raw(format!(" #{} by {} · Marketplace id {}", r.id, r.author, r.source_id)),
        ]),
        Line::from(vec![
            label("portal"),
            Span::raw(format!(
                "{} {}",
                r.member_id.as_ref().map(|m| m.as_str()).unwrap_or("— (unknown)"),
                r.domain.as_ref().map(|x| x.as_str()).unwrap_or("")
            )),
        ]),
        Line::from(vec![
            label("times"),
            Span::raw(format!("submitted {}", z.short(r.submitted_at))),
            Span::raw(r.edited_at.map(|e| format!(" · edited {}", z.short(e))).unwrap_or_default()),
            Span::raw(format!(" · publishes {}", z.short(c.publishes_at))),
        ]),
        Line::from(vec![
            label("reply"),
            Span::styled(format!("{} ", r.reply_status), theme.text),
            Span::styled(
                format!("due {} ({})", z.short(c.reply_due), due_text(c, state.now)),
                theme.urgency(c.urgency),
            ),
            Span::raw(r.published_at.map(|p| format!(" · published {}", z.short(p))).unwrap_or_default()),
        ]),
    ];
    // Only what can be seen is laid out: a megabyte review must not cost a megabyte a frame.
    lines.extend(ellipsize(d.text.as_str(), 4000).lines().take(40).map(|l| Line::from(l.to_owned())));
    lines.push(Line::from(Span::styled("— reply draft —", theme.muted)));
    match &d.reply_draft {
        Some(t) if !t.is_empty() => lines.extend(
            ellipsize(t.as_str(), 4000).lines().take(40).map(|l| Line::from(Span::styled(l.to_owned(), theme.ok))),
        ),
        _ => lines.push(Line::from(Span::styled("(none yet — e or ↵ writes one)", theme.muted))),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
