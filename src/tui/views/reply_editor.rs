//! The reply editor over the Reviews tab: the review on top, the draft below, the portal's
//! context beside it (open tickets, error groups, token state), and a footer with the character
//! count, save state and keys. Also the "add a review" form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::reviews::{due_text, stars};
use super::util::{centered, ellipsize};
use crate::rules::templates::unfilled;
use crate::rules::tokens::TokenClass;
use crate::services::overview::PortalOverview;
use crate::tui::editor::{FORM_FIELDS, ReplyEditor, ReviewForm};
use crate::tui::state::{AppState, Loadable, ReviewSettings};
use crate::tui::theme::Theme;

/// Draws the editor over `area`.
pub fn draw(frame: &mut Frame, area: Rect, ed: &ReplyEditor, state: &AppState, theme: &Theme) {
    frame.render_widget(Clear, area);
    let r = &ed.review.row;
    let title = Line::from(vec![
        Span::styled(format!(" Reply to review #{} ", r.id), theme.title),
        Span::styled(stars(r.rating), theme.stars(r.rating)),
        Span::raw(format!(" {} ", r.author)),
    ]);
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let side = inner.width >= 110;
    let (main, context_area) = if side {
        let [m, c] = Layout::horizontal([Constraint::Min(60), Constraint::Length(44)]).areas(inner);
        (m, Some(c))
    } else {
        (inner, None)
    };
    // As tall as the review needs, up to a third of the screen.
    let width = main.width.max(1) as usize;
    let needed: usize =
        1 + ed.review.text.as_str().lines().map(|l| l.chars().count().div_ceil(width).max(1)).sum::<usize>();
    let review_h = (needed as u16).clamp(2, (main.height / 3).max(2));
    let summary_h = if side { 0 } else { 1 };
    let [review_area, summary_area, editor_area, footer] = Layout::vertical([
        Constraint::Length(review_h),
        Constraint::Length(summary_h),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(main);
    draw_review(frame, review_area, ed, state, theme);
    let context = match &ed.context {
        Loadable::Ready(o) => Some(o.as_ref()),
        _ => None,
    };
    if summary_h > 0 {
        frame.render_widget(Paragraph::new(summary_line(ed, context, theme)), summary_area);
    }
    let editor_block = Block::bordered().title(Span::styled(
        match &ed.template_name {
            Some(t) => format!(" Draft · template {t} "),
            None => " Draft ".into(),
        },
        theme.muted,
    ));
    let editor_inner = editor_block.inner(editor_area);
    frame.render_widget(editor_block, editor_area);
    frame.render_widget(ed.widget(), editor_inner);
    draw_footer(frame, footer, ed, &state.review_settings, theme);
    if let Some(c) = context_area {
        draw_context(frame, c, ed, theme);
    }
}

fn draw_review(frame: &mut Frame, area: Rect, ed: &ReplyEditor, state: &AppState, theme: &Theme) {
    let r = &ed.review.row;
    let clock = state.review_settings.policy.clock(r.reply_status, r.submitted_at, r.edited_at, state.now);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("reply {} · due ", r.reply_status), theme.muted),
        Span::styled(due_text(&clock, state.now), theme.urgency(clock.urgency)),
        Span::styled(format!(" · publishes {}", state.zone.short(clock.publishes_at)), theme.muted),
    ])];
    lines.extend(ellipsize(ed.review.text.as_str(), 3000).lines().take(30).map(|l| Line::from(l.to_owned())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn token_words(o: &PortalOverview) -> (String, TokenClass) {
    match &o.token {
        None => ("token unknown".into(), TokenClass::Unknown),
        Some(t) => {
            let days = t.days_left.map(|d| if d < 0 { format!("dead {}d", -d) } else { format!("{d}d left") });
            (format!("token {}", days.unwrap_or_else(|| format!("{:?}", t.class).to_lowercase())), t.class)
        }
    }
}

fn token_style(class: TokenClass, theme: &Theme) -> ratatui::style::Style {
    match class {
        TokenClass::Dead | TokenClass::Critical => theme.danger,
        TokenClass::Warning => theme.warn,
        TokenClass::Ok => theme.ok,
        _ => theme.muted,
    }
}

fn open_tickets(o: &PortalOverview) -> impl Iterator<Item = &crate::model::TicketBrief> {
    o.tickets.iter().filter(|t| t.is_open())
}

fn summary_line<'a>(ed: &ReplyEditor, context: Option<&PortalOverview>, theme: &Theme) -> Line<'a> {
    let Some(o) = context else {
        let text = match (&ed.context, &ed.review.row.member_id) {
            (_, None) => "portal unknown (no member_id on this review)".to_owned(),
            (Loadable::Failed(e), _) => format!("portal context: {e}"),
            _ => "portal context loading…".to_owned(),
        };
        return Line::from(Span::styled(text, theme.muted));
    };
    let (tok, class) = token_words(o);
    let domain = o.portal.as_ref().map(|p| p.domain.to_string()).unwrap_or_else(|| o.member_id.short(12).to_owned());
    Line::from(vec![
        Span::styled(format!("{domain} · "), theme.muted),
        Span::styled(tok, token_style(class, theme)),
        Span::styled(
            format!(
                " · {} · {}",
                counted(open_tickets(o).count(), "open ticket"),
                counted(o.errors.len(), "error group")
            ),
            theme.muted,
        ),
    ])
}

fn draw_context(frame: &mut Frame, area: Rect, ed: &ReplyEditor, theme: &Theme) {
    let block = Block::bordered().title(Span::styled(" Portal ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let o = match (&ed.context, &ed.review.row.member_id) {
        (_, None) => {
            let msg = "This review has no member_id, so its portal is not known.";
            frame.render_widget(Paragraph::new(msg).style(theme.muted).wrap(Wrap { trim: true }), inner);
            return;
        }
        (Loadable::Ready(o), _) => o,
        (Loadable::Failed(e), _) => {
            frame.render_widget(Paragraph::new(format!("could not load: {e}")).style(theme.danger), inner);
            return;
        }
        _ => {
            frame.render_widget(Paragraph::new("loading…").style(theme.muted), inner);
            return;
        }
    };
    let w = inner.width as usize;
    let head = |s: &str| Line::from(Span::styled(s.to_owned(), theme.title));
    let mut lines =
        vec![Line::from(o.portal.as_ref().map(|p| p.domain.to_string()).unwrap_or_else(|| o.member_id.to_string()))];
    let (tok, class) = token_words(o);
    lines.push(Line::from(Span::styled(tok, token_style(class, theme))));
    lines.push(Line::raw(""));
    lines.push(head("Open tickets"));
    let mut any = false;
    for t in open_tickets(o).take(5) {
        any = true;
        lines.push(Line::from(vec![
            Span::styled(format!("#{} ", t.id), theme.key),
            Span::raw(ellipsize(&format!("{} · {}", t.subject, t.status), w.saturating_sub(7))),
        ]));
    }
    if !any {
        lines.push(Line::from(Span::styled("none", theme.muted)));
    }
    lines.push(Line::raw(""));
    lines.push(head("Errors (15 min / 24 h)"));
    if o.errors.is_empty() {
        lines.push(Line::from(Span::styled("none", theme.ok)));
    }
    for g in o.errors.iter().take(6) {
        let style = if g.over_threshold { theme.danger } else { theme.text };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>4}/{:<5}", g.last_15m, g.last_24h), style),
            Span::raw(ellipsize(g.error_type.as_str(), w.saturating_sub(11))),
        ]));
    }
    if !o.failed_tasks.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(format!("{} failed tasks", o.failed_tasks.len()), theme.danger)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_footer(frame: &mut Frame, area: Rect, ed: &ReplyEditor, settings: &ReviewSettings, theme: &Theme) {
    let chars = ed.chars();
    let count_style = if chars > settings.soft_limit { theme.danger } else { theme.muted };
    let state = if ed.saving {
        Span::styled("saving…", theme.muted)
    } else if ed.conflict_version.is_some() {
        Span::styled("CONFLICT", theme.danger)
    } else if ed.dirty() {
        Span::styled("unsaved", theme.warn)
    } else {
        Span::styled("saved", theme.ok)
    };
    let text = ed.text();
    let left = unfilled(&text);
    let mut first = vec![Span::styled(format!("{chars}/{} chars ", settings.soft_limit), count_style), state];
    if !left.is_empty() {
        first.push(Span::styled(
            format!(" · fill {}", left.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")),
            theme.warn,
        ));
    }
    if let Some((note, err)) = &ed.note {
        first.push(Span::styled(format!(" · {note}"), if *err { theme.danger } else { theme.muted }));
    }
    let keys: Vec<Span> =
        [("^S", "save"), ("Esc", "save+close"), ("^T", "template"), ("^O", "$EDITOR"), ("^Q", "undo all")]
            .iter()
            .flat_map(|(k, d)| [Span::styled(format!("{k} "), theme.key), Span::styled(format!("{d}  "), theme.muted)])
            .collect();
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(keys)]), area);
}

/// Draws the "add a review" form.
pub fn draw_form(frame: &mut Frame, area: Rect, form: &ReviewForm, theme: &Theme) {
    let box_area = centered(area, 90, 20);
    frame.render_widget(Clear, box_area);
    let block = Block::bordered().title(Span::styled(" Add a review ", theme.title));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let mut rows: Vec<Constraint> =
        FORM_FIELDS.iter().take(FORM_FIELDS.len() - 1).map(|_| Constraint::Length(1)).collect();
    rows.push(Constraint::Min(3));
    rows.push(Constraint::Length(1));
    let areas = Layout::vertical(rows).split(inner);
    for (i, label) in FORM_FIELDS.iter().enumerate() {
        let [l, f] = Layout::horizontal([Constraint::Length(17), Constraint::Min(10)]).areas(areas[i]);
        let style = if i == form.focus { theme.key } else { theme.muted };
        let marker = if i == form.focus { "▶ " } else { "  " };
        frame.render_widget(Paragraph::new(Span::styled(format!("{marker}{label}"), style)), l);
        if i == FORM_FIELDS.len() - 1 {
            let b = Block::bordered();
            let fi = b.inner(f);
            frame.render_widget(b, f);
            frame.render_widget(&form.widgets()[i], fi);
        } else {
            frame.render_widget(&form.widgets()[i], f);
        }
    }
    let footer = match &form.error {
        Some(e) => Line::from(Span::styled(e.clone(), theme.danger)),
        None => Line::from(vec![
            Span::styled("Tab ", theme.key),
            Span::styled("next field  ", theme.muted),
            Span::styled("^S ", theme.key),
            Span::styled("add  ", theme.muted),
            Span::styled("Esc ", theme.key),
            Span::styled("cancel", theme.muted),
        ]),
    };
    frame.render_widget(Paragraph::new(footer), areas[areas.len() - 1]);
}

/// "1 error group", "3 error groups".
fn counted(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
