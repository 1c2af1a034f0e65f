//! The portal view: one portal's whole picture.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::sparkline;
use crate::rules::tokens::TokenClass;
use crate::rules::{remedies, timefmt};
use crate::services::overview::PortalOverview;
use crate::tui::state::{AppState, Loadable};
use crate::tui::theme::Theme;
use crate::tui::zone::DisplayZone;

/// Draws the view.
pub fn draw(frame: &mut Frame, area: Rect, state: &mut AppState, theme: &Theme) {
    let Some(p) = state.portal.as_ref() else {
        return;
    };
    // Which portal, in full: the domain and the member_id every action here goes to.
    let who = match &p.overview {
        Loadable::Ready(o) => match &o.portal {
            Some(portal) => format!("{} · {}", portal.domain, o.member_id),
            None => o.member_id.to_string(),
        },
        _ => p.label.clone(),
    };
    let block = Block::bordered().title(Line::from(vec![
        Span::styled(" Portal ", theme.title),
        Span::raw(format!("{who} ")),
        Span::styled("· c its calls · Esc back ", theme.muted),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let o = match &p.overview {
        Loadable::Ready(o) => o,
        Loadable::Failed(e) => {
            frame.render_widget(Paragraph::new(e.clone()).style(theme.danger), inner);
            return;
        }
        _ => {
            frame.render_widget(Paragraph::new("loading…").style(theme.muted), inner);
            return;
        }
    };
    let ctx = Ctx { theme, zone: state.zone, now: state.now };
    let mut left = identity(o, &ctx);
    left.extend(token(o, &ctx));
    left.extend(errors(o, &ctx));
    left.extend(chart(o, &ctx));
    left.extend(tasks(o, &ctx));
    let mut right = calls(o, &ctx);
    right.extend(tickets(o, &ctx));
    right.extend(reviews(o, &ctx));
    if inner.width >= 140 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
        frame.render_widget(Paragraph::new(left).scroll((p.scroll, 0)), l);
        frame.render_widget(Paragraph::new(right).scroll((p.scroll, 0)), r);
    } else {
        left.extend(right);
        frame.render_widget(Paragraph::new(left).scroll((p.scroll, 0)), inner);
    }
}

struct Ctx<'a> {
    theme: &'a Theme,
    zone: DisplayZone,
    now: chrono::DateTime<chrono::Utc>,
}

fn section<'a>(title: &str, ctx: &Ctx) -> Line<'a> {
    Line::from(Span::styled(format!("── {title} "), ctx.theme.title))
}

fn kv<'a>(k: &str, v: String, ctx: &Ctx) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{k:<15}"), ctx.theme.muted), Span::raw(v)])
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>, ctx: &Ctx) -> String {
    match t {
        Some(t) => format!("{} ({})", ctx.zone.full(t), timefmt::ago(t, ctx.now)),
        None => "—".into(),
    }
}

fn identity<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Portal", ctx)];
    v.push(kv("member_id", o.member_id.to_string(), ctx));
    let Some(p) = &o.portal else {
        v.push(Line::from(Span::styled("not in b24ops_portals: calls only, no tokens known", ctx.theme.warn)));
        v.push(Line::raw(""));
        return v;
    };
    v.push(kv("domain", p.domain.to_string(), ctx));
    let status = match (p.app_status, p.uninstalled_at) {
        (_, Some(_)) => Span::styled("UNINSTALLED", ctx.theme.danger),
        (Some(s), None) => Span::raw(format!("{} ({})", s.label(), s.code())),
        (None, None) => Span::styled("unknown", ctx.theme.muted),
    };
    v.push(Line::from(vec![Span::styled(format!("{:<15}", "app status"), ctx.theme.muted), status]));
    v.push(kv("installed", when(p.installed_at, ctx), ctx));
    if p.uninstalled_at.is_some() {
        v.push(kv("uninstalled", when(p.uninstalled_at, ctx), ctx));
    }
    v.push(kv("last opened", when(p.last_seen_at, ctx), ctx));
    v.push(kv("scope", p.scope.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "—".into()), ctx));
    v.push(kv("REST endpoint", p.client_endpoint.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "—".into()), ctx));
    v.push(Line::raw(""));
    v
}

fn token<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Refresh token", ctx)];
    let Some(t) = &o.token else {
        v.push(Line::from(Span::styled("unknown", ctx.theme.muted)));
        v.push(Line::raw(""));
        return v;
    };
    let (label, style) = match t.class {
        TokenClass::Dead => ("DEAD — needs reinstall or re-authorisation", ctx.theme.danger),
        TokenClass::Critical => ("critical", ctx.theme.danger),
        TokenClass::Warning => ("expiring soon", ctx.theme.warn),
        TokenClass::Ok => ("ok", ctx.theme.ok),
        TokenClass::Uninstalled => ("app uninstalled", ctx.theme.muted),
        TokenClass::Unknown => ("no refresh token stored", ctx.theme.muted),
    };
    let days =
        t.days_left.map(|d| if d < 0 { format!("  (died {} days ago)", -d) } else { format!("  ({d} days left)") });
    v.push(Line::from(vec![
        Span::styled(format!("{:<15}", "state"), ctx.theme.muted),
        Span::styled(label.to_owned(), style),
        Span::raw(days.unwrap_or_default()),
    ]));
    v.push(kv("dies at", when(t.expires_at, ctx), ctx));
    if let Some(p) = &o.portal {
        v.push(kv("access expires", when(p.access_expires_at, ctx), ctx));
        if let Some(e) = &p.last_refresh_error {
            v.push(Line::from(vec![
                Span::styled(format!("{:<15}", "last refresh"), ctx.theme.muted),
                Span::styled(e.to_string(), ctx.theme.danger),
            ]));
        }
    }
    v.push(Line::raw(""));
    v
}

/// The last 24 hours by hour: calls (read on the portal's index) above errors (the sum of its
/// groups' rollup buckets), each scaled to its own busiest hour.
fn chart<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let (calls, capped) = &o.calls_by_hour;
    let mut errors = vec![0i64; crate::model::SPARK_HOURS];
    for g in &o.errors {
        for (sum, n) in errors.iter_mut().zip(&g.hourly) {
            *sum += n;
        }
    }
    let total = |v: &[i64]| v.iter().sum::<i64>();
    let note = if *capped { format!(" (newest {} counted)", crate::store::CALL_HOURS_CAP) } else { String::new() };
    vec![
        section("Last 24 hours, by hour (now on the right)", ctx),
        Line::from(vec![
            Span::styled(format!("{:<8}", "calls"), ctx.theme.muted),
            Span::styled(sparkline::bars(calls, 24), ctx.theme.ok),
            Span::styled(format!("  {}{note}", total(calls)), ctx.theme.muted),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<8}", "errors"), ctx.theme.muted),
            Span::styled(sparkline::bars(&errors, 24), ctx.theme.danger),
            Span::styled(format!("  {}", total(&errors)), ctx.theme.muted),
        ]),
        Line::raw(""),
    ]
}

fn errors<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Error groups, 24 h (15m / 1h / 24h)", ctx)];
    if o.errors.is_empty() {
        v.push(Line::from(Span::styled("none", ctx.theme.ok)));
    }
    for g in o.errors.iter().take(12) {
        let style = if g.over_threshold { ctx.theme.danger } else { ctx.theme.text };
        v.push(Line::from(vec![
            Span::styled(
                format!(
                    "{}{:>4} {:>4} {:>5}  ",
                    if g.over_threshold { "!" } else { " " },
                    g.last_15m,
                    g.last_1h,
                    g.last_24h
                ),
                style,
            ),
            Span::styled(g.error_type.to_string(), style),
            Span::styled(format!("  {}", timefmt::ago(g.last_seen, ctx.now)), ctx.theme.muted),
            Span::styled(remedies::group_remedy(g).map(|r| format!("  → {r}")).unwrap_or_default(), ctx.theme.warn),
        ]));
    }
    v.push(Line::raw(""));
    v
}

fn tasks<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Failed tasks", ctx)];
    if o.failed_tasks.is_empty() {
        v.push(Line::from(Span::styled("none", ctx.theme.ok)));
    }
    for t in o.failed_tasks.iter().take(10) {
        v.push(Line::from(vec![
            Span::raw(format!("#{:<7} {:<18} {}/{}  ", t.id, t.kind.as_str(), t.attempts, t.max_attempts)),
            Span::styled(t.failed_at.map(|f| timefmt::ago(f, ctx.now)).unwrap_or_default(), ctx.theme.muted),
            Span::styled(format!("  {}", t.last_error.as_ref().map(|e| e.as_str()).unwrap_or("")), ctx.theme.danger),
        ]));
    }
    v.push(Line::raw(""));
    v
}

fn calls<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Latest calls", ctx)];
    if o.calls.is_empty() {
        v.push(Line::from(Span::styled("no calls logged", ctx.theme.muted)));
    }
    for c in o.calls.iter().rev().take(12) {
        v.push(Line::from(vec![
            Span::styled(format!("{} ", ctx.zone.time(c.ts)), ctx.theme.muted),
            Span::raw(format!("{:<26} ", c.method.as_str())),
            Span::styled(
                format!(
                    "{} {}",
                    c.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                    c.error_code.as_ref().map(|e| e.as_str()).unwrap_or("")
                ),
                ctx.theme.http_status(c.http_status),
            ),
            Span::styled(format!("  {} ms", c.duration_ms.unwrap_or(0)), ctx.theme.muted),
        ]));
    }
    v.push(Line::raw(""));
    v
}

fn tickets<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Tickets", ctx)];
    if o.tickets.is_empty() {
        v.push(Line::from(Span::styled("none", ctx.theme.muted)));
    }
    for t in o.tickets.iter().take(10) {
        let style = if t.priority.as_str() == "critical" { ctx.theme.danger } else { ctx.theme.text };
        v.push(Line::from(vec![
            Span::raw(format!("#{:<6} ", t.id)),
            Span::styled(format!("{:<8} ", t.priority.as_str()), style),
            Span::raw(format!("{:<8} ", t.status.as_str())),
            Span::raw(t.subject.to_string()),
            Span::styled(format!("  {}", timefmt::ago(t.created_at, ctx.now)), ctx.theme.muted),
        ]));
    }
    v.push(Line::raw(""));
    v
}

fn reviews<'a>(o: &PortalOverview, ctx: &Ctx) -> Vec<Line<'a>> {
    let mut v = vec![section("Reviews", ctx)];
    if o.reviews.is_empty() {
        v.push(Line::from(Span::styled("none", ctx.theme.muted)));
    }
    for r in o.reviews.iter().take(6) {
        let stars: String = "★".repeat(r.rating.clamp(0, 5) as usize) + &"☆".repeat(5 - r.rating.clamp(0, 5) as usize);
        let style = if r.rating <= 2 { ctx.theme.danger } else { ctx.theme.text };
        v.push(Line::from(vec![
            Span::styled(format!("{stars} "), style),
            Span::raw(format!("{:<10} ", r.reply_status.as_str())),
            Span::raw(format!("{}: {}", r.author.as_str(), r.excerpt.as_str())),
        ]));
    }
    v
}
