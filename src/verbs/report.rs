//! `b24ops calls`, `b24ops errors`, `b24ops portal`: what the screens show, headless.

use color_eyre::eyre::{Result, eyre};
use std::fmt::Write as _;

use super::Ctx;
use crate::cli::{CallsArgs, ErrorsArgs, PortalArgs};
use crate::model::{GroupBy, MemberId, SanitizeMode, for_output, sanitize};
use crate::rules::call_filter::CallFilter;
use crate::rules::{remedies, timefmt};
use crate::services::overview::{PortalRef, portal_overview};
use crate::store::{ErrorWindow, OpenMode, PageDirection, PortalSource, Store};

pub(super) async fn open(ctx: &Ctx) -> Result<Store> {
    let store = Store::connect(&ctx.cfg.database_url, OpenMode::Existing).await?;
    store.check_schema().await?;
    Ok(store
        .with_portals(PortalSource::from_config(&ctx.cfg.portals)?)
        .with_tasks(crate::store::TaskSource::from_config(&ctx.cfg.tasks)?))
}

/// Prints calls.
pub async fn calls(ctx: &Ctx, a: CallsArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.limit) {
        return Err(eyre!("--limit must be between 1 and 10000"));
    }
    let mut filter = match &a.filter {
        Some(text) => CallFilter::parse(text)?,
        None => CallFilter::default(),
    };
    if let Some(m) = &a.member_id {
        filter.member_id = Some(MemberId::parse(m)?);
    }
    let store = open(ctx).await?;
    let page = store.calls_page(&filter, PageDirection::Latest, a.limit).await?;
    let mut out = String::new();
    if a.json {
        out.push_str(&json_text(&page.rows)?);
    } else {
        for c in &page.rows {
            let _ = write!(
                out,
                "{:>9}  {}  {:<32}  {:<28}  {:>3}  {:<22}  {:>6} ms",
                c.id,
                c.ts.format("%Y-%m-%d %H:%M:%S%.3fZ"),
                c.member_id,
                c.method,
                c.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                c.error_code.as_ref().map(|e| e.as_str()).unwrap_or(""),
                c.duration_ms.unwrap_or(0)
            );
            out.push('\n');
        }
        if let Some(f) = page.searched_down_to {
            eprintln!("(searched back to call #{f}; older matches were not looked for)");
        }
    }
    store.close().await;
    emit(&out)
}

/// Prints error groups.
pub async fn errors(ctx: &Ctx, a: ErrorsArgs) -> Result<()> {
    let window =
        timefmt::parse_window(&a.window).ok_or_else(|| eyre!("--window {:?}: use e.g. 90s, 15m, 1h, 7d", a.window))?;
    let member = a.member_id.as_deref().map(MemberId::parse).transpose()?;
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let w = ErrorWindow { now, window, threshold_15m: ctx.cfg.errors.threshold_15m };
    let by = if a.by_type { GroupBy::Type } else { GroupBy::PortalAndType };
    let groups = store.error_groups(w, by, member.as_ref()).await?;
    let mut out = String::new();
    if a.json {
        let doc = serde_json::json!({
            "as_of": now,
            "window": a.window,
            "group_by": by,
            "threshold_15m": ctx.cfg.errors.threshold_15m,
            "groups": groups,
        });
        out.push_str(&json_text(&doc)?);
    } else {
        let _ = write!(
            out,
            "{:>1} {:>6} {:>5} {:>5} {:>6}  {:<34} {:<28} {:<4} last seen",
            "", a.window, "15m", "1h", "24h", "portal", "error", "src"
        );
        out.push('\n');
        for g in &groups {
            let who = if a.by_type {
                format!("{} portals", g.portals)
            } else {
                g.domain
                    .as_ref()
                    .map(|d| d.to_string())
                    .or_else(|| g.member_id.as_ref().map(|m| m.to_string()))
                    .unwrap_or_default()
            };
            let _ = write!(
                out,
                "{:>1} {:>6} {:>5} {:>5} {:>6}  {:<34} {:<28} {:<4} {}",
                if g.over_threshold { "!" } else { "" },
                g.in_window,
                g.last_15m,
                g.last_1h,
                g.last_24h,
                who,
                g.error_type,
                match g.source {
                    crate::model::ErrorSource::Rest => "rest",
                    crate::model::ErrorSource::App => "app",
                },
                timefmt::ago(g.last_seen, now)
            );
            out.push('\n');
        }
    }
    store.close().await;
    emit(&out)
}

/// Prints one portal's overview.
pub async fn portal(ctx: &Ctx, a: PortalArgs) -> Result<()> {
    let who = PortalRef::parse(&a.portal).ok_or_else(|| eyre!("{:?} is neither a member_id nor a domain", a.portal))?;
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let overview = portal_overview(&store, &who, now, &ctx.cfg.token_policy(), ctx.cfg.errors.threshold_15m)
        .await?
        .ok_or_else(|| eyre!("no portal known as {}", a.portal))?;
    let mut out = String::new();
    if a.json {
        out.push_str(&json_text(&overview)?);
    } else {
        let p = overview.portal.as_ref();
        let _ = write!(out, "member_id  {}", overview.member_id);
        out.push('\n');
        let _ = write!(out, "domain     {}", p.map(|p| p.domain.to_string()).unwrap_or_else(|| "(unknown)".into()));
        out.push('\n');
        if let Some(t) = &overview.token {
            let _ = write!(
                out,
                "token      {:?}, {} days left",
                t.class,
                t.days_left.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
            );
            out.push('\n');
        }
        let _ = write!(out, "errors     {} groups in 24 h", overview.errors.len());
        out.push('\n');
        for g in &overview.errors {
            let _ = write!(out, "  {:>4} {:>5} {:>6}  {}", g.last_15m, g.last_1h, g.last_24h, g.error_type);
            if let Some(r) = remedies::group_remedy(g) {
                let _ = write!(out, "  → {r}");
            }
            out.push('\n');
        }
        let _ = write!(out, "tasks      {} failed", overview.failed_tasks.len());
        out.push('\n');
        let _ = write!(out, "tickets    {}", overview.tickets.len());
        out.push('\n');
        let _ = write!(out, "reviews    {}", overview.reviews.len());
        out.push('\n');
    }
    store.close().await;
    emit(&out)
}

/// `value` as pretty JSON with every string through the output sanitizer: JSON escapes control
/// characters itself, but a consumer decoding `\u001b` would still get an escape, and bidi,
/// zero-width and C1 characters pass JSON untouched.
pub(super) fn json_text(value: &impl serde::Serialize) -> Result<String> {
    let mut v = serde_json::to_value(value)?;
    sanitize_strings(&mut v);
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}

fn sanitize_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = for_output(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(sanitize_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(sanitize_strings),
        _ => {}
    }
}

/// Writes report output through the one output sanitizer (no escape, bidi or zero-width trick
/// reaches the terminal, whatever the data held); a reader that went away (`| head`) is not an
/// error.
pub(super) fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    // The whole output, uncut: each string in it was cut when it was read or formatted.
    let clean = sanitize(text, SanitizeMode::Output, usize::MAX);
    match std::io::stdout().lock().write_all(clean.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
