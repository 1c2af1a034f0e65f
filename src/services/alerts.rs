//! Evaluating the alert rules: each rule's figures read with bounded, indexed queries, judged by
//! `rules::alerts`. `check` runs this once; the console counts what fires.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::SlaRules;
use crate::model::GroupBy;
use crate::rules::alerts::{AlertKind, Figure, Firing, Rule, RuleKind, group_errors};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReviewPolicy;
use crate::rules::task_filter::TaskFilter;
use crate::rules::tokens::TokenPolicy;
use crate::store::{ErrorWindow, Store, StoreError, TicketScope};

/// What the evaluation needs besides the rules.
#[derive(Clone, Debug)]
pub struct Context {
    /// Token lifetimes.
    pub tokens: TokenPolicy,
    /// Ticket SLAs.
    pub sla: SlaRules,
    /// Review deadlines.
    pub reviews: ReviewPolicy,
    /// The Errors tab's threshold (for the store's window query).
    pub threshold_15m: i64,
}

/// One evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// As of when.
    pub at: DateTime<Utc>,
    /// The rules evaluated.
    pub rules: usize,
    /// What fires, most severe first.
    pub firing: Vec<Firing>,
    /// Rules that could not be evaluated, with why.
    pub failed: Vec<(String, String)>,
}

/// Most figures read for one rule.
const FIGURES: i64 = 500;
/// The failed-tasks rule counts no further than this (or its threshold and one, if higher): past
/// it the alert fires the same, and a capped count stops reading where an exact one would read a
/// million-row failure store every cycle.
pub const FAILED_COUNT_CAP: i64 = 10_000;

/// Error groups per window length, read once per evaluation even when several rules need them.
type GroupCache = std::collections::HashMap<i64, Vec<crate::model::WindowErrors>>;

async fn groups_for<'a>(
    store: &Store,
    ctx: &Context,
    cache: &'a mut GroupCache,
    window_minutes: i64,
    now: DateTime<Utc>,
) -> Result<&'a Vec<crate::model::WindowErrors>, StoreError> {
    use std::collections::hash_map::Entry;
    match cache.entry(window_minutes) {
        Entry::Occupied(e) => Ok(e.into_mut()),
        Entry::Vacant(v) => {
            let w = ErrorWindow { now, window: Duration::minutes(window_minutes), threshold_15m: ctx.threshold_15m };
            Ok(v.insert(store.window_errors(w, GroupBy::PortalAndType).await?))
        }
    }
}

async fn figures(
    store: &Store,
    ctx: &Context,
    rule: &Rule,
    cache: &mut GroupCache,
    now: DateTime<Utc>,
) -> Result<Vec<Figure>, StoreError> {
    Ok(match &rule.kind {
        RuleKind::Errors { window_minutes, per, .. } => {
            let groups = groups_for(store, ctx, cache, *window_minutes, now).await?;
            let rows: Vec<(Option<String>, String, i64)> = groups
                .iter()
                .filter(|g| g.in_window > 0)
                .map(|g| {
                    (g.member_id.as_ref().map(|m| m.as_str().to_owned()), g.error_type.as_str().to_owned(), g.in_window)
                })
                .collect();
            // Say which portal by its domain where one is known.
            group_errors(&rows, *per)
                .into_iter()
                .map(|mut f| {
                    let first = f.portals.first().map(String::as_str);
                    if let Some(g) = groups.iter().find(|g| g.member_id.as_ref().map(|m| m.as_str()) == first)
                        && let (Some(d), Some(m)) = (&g.domain, &g.member_id)
                    {
                        f.summary = f.summary.replace(m.as_str(), d.as_str());
                    }
                    f
                })
                .collect()
        }
        RuleKind::ErrorSpread { window_minutes, .. } => {
            let by_portal = groups_for(store, ctx, cache, *window_minutes, now).await?;
            let rows: Vec<(Option<String>, String, i64)> = by_portal
                .iter()
                .filter(|g| g.in_window > 0 && g.member_id.is_some())
                .map(|g| {
                    (g.member_id.as_ref().map(|m| m.as_str().to_owned()), g.error_type.as_str().to_owned(), g.in_window)
                })
                .collect();
            group_errors(&rows, crate::rules::alerts::ErrorScope::Type)
                .into_iter()
                .map(|f| Figure {
                    value: f.portals.len() as i64,
                    summary: format!("{} in {} portals", f.key, f.portals.len()),
                    ..f
                })
                .collect()
        }
        RuleKind::Tokens { days } => {
            let dead_before = now - ctx.tokens.lifetime;
            let issued_before = dead_before + Duration::days(*days);
            store
                .portals_expiring(dead_before, issued_before, FIGURES)
                .await?
                .into_iter()
                .map(|p| {
                    let left = p.refresh_issued_at.map(|t| (t + ctx.tokens.lifetime - now).num_days()).unwrap_or(0);
                    Figure {
                        key: p.member_id.as_str().to_owned(),
                        portals: vec![p.member_id.as_str().to_owned()],
                        value: left,
                        summary: format!("{} refresh token dies in {left} days", p.domain),
                    }
                })
                .collect()
        }
        RuleKind::FailedTasks { over } => {
            let failed = TaskFilter { status: Some("failed".into()), ..TaskFilter::default() };
            let cap = FAILED_COUNT_CAP.max(over.saturating_add(1));
            let n = store.tasks_count_upto(&failed, Some(cap)).await?;
            let summary = if n >= cap { format!("{cap} or more failed tasks") } else { format!("{n} failed tasks") };
            vec![Figure { key: "failed tasks".into(), portals: vec![], value: n, summary }]
        }
        RuleKind::Sla { .. } => super::tickets::queue(store, &ctx.sla, TicketScope::Open, FIGURES, now)
            .await?
            .into_iter()
            .filter_map(|q| {
                let due = q.next_due?;
                let left = (due - now).num_minutes();
                let t = &q.ticket;
                Some(Figure {
                    key: format!("ticket #{}", t.id),
                    portals: t.member_id.iter().map(|m| m.as_str().to_owned()).collect(),
                    value: left,
                    summary: format!("ticket #{} ({}) {}: {}", t.id, t.priority, due_text(left), t.subject),
                })
            })
            .collect(),
        RuleKind::Reviews { .. } => {
            let open = ReviewFilter { open_only: true, ..ReviewFilter::default() };
            super::reviews::inbox(store, &open, FIGURES, &ctx.reviews, now)
                .await?
                .into_iter()
                .map(|e| {
                    let left = (e.clock.reply_due - now).num_minutes();
                    Figure {
                        key: format!("review #{}", e.review.id),
                        portals: e.review.member_id.iter().map(|m| m.as_str().to_owned()).collect(),
                        value: left,
                        summary: format!(
                            "review #{} ({}★ by {}) reply {}",
                            e.review.id,
                            e.review.rating,
                            e.review.author,
                            due_text(left)
                        ),
                    }
                })
                .collect()
        }
        RuleKind::Partitions { .. } => partition_figures(store, now).await?,
        RuleKind::Operating { limit_secs } => operating_figures(store, *limit_secs, now).await?,
    })
}

/// How many days, today included, the call log's daily partitions are ready for; nothing on a
/// plain table.
async fn partition_figures(store: &Store, now: DateTime<Utc>) -> Result<Vec<Figure>, StoreError> {
    let Some(parts) = store.call_partitions().await? else { return Ok(Vec::new()) };
    let ranges: Vec<_> = parts.iter().map(|p| p.range).collect();
    let days = crate::rules::day_partitions::days_ready(&ranges, now.timestamp_millis());
    Ok(vec![Figure {
        key: "b24ops_api_calls".into(),
        portals: vec![],
        value: days,
        summary: match days {
            0 => "today's calls go to the call log's default partition: is the daily `b24ops prune` running?".into(),
            1 => "the call log's daily partitions end today: is the daily `b24ops prune` running?".into(),
            n => format!("the call log's daily partitions run out in {n} days: is the daily `b24ops prune` running?"),
        },
    }])
}

/// Per portal and method, the most operating time seen in the limiter's window, from half the
/// limit up (lower figures can neither fire nor keep an alert from resolving).
async fn operating_figures(store: &Store, limit_secs: i64, now: DateTime<Utc>) -> Result<Vec<Figure>, StoreError> {
    let since = now - Duration::minutes(crate::rules::alerts::OPERATING_WINDOW_MINUTES);
    let peaks = store.operating_peaks(since, limit_secs as f64 / 2.0, FIGURES).await?;
    Ok(peaks
        .into_iter()
        .map(|p| {
            let who = p.domain.clone().unwrap_or_else(|| p.member_id.as_str().to_owned());
            Figure {
                key: format!("{} {}", p.member_id.as_str(), p.method),
                portals: vec![p.member_id.as_str().to_owned()],
                value: p.peak_secs as i64,
                summary: format!(
                    "{who} {} used {:.0} of {limit_secs} s operating time in 10 minutes",
                    p.method, p.peak_secs
                ),
            }
        })
        .collect())
}

/// "due in 1h 52m" or "overdue 1d 9h".
fn due_text(minutes_left: i64) -> String {
    let d = crate::rules::timefmt::compact(Duration::minutes(minutes_left.abs()));
    if minutes_left < 0 { format!("overdue {d}") } else { format!("due in {d}") }
}

/// Every rule's figures (all of them, firing or not: resolving needs the ones in between).
pub async fn gather(
    store: &Store,
    ctx: &Context,
    rules: &[Rule],
    now: DateTime<Utc>,
) -> Vec<Result<Vec<Figure>, String>> {
    let mut out = Vec::with_capacity(rules.len());
    let mut cache = GroupCache::new();
    for rule in rules {
        out.push(figures(store, ctx, rule, &mut cache, now).await.map_err(|e| e.to_string()));
    }
    out
}

/// Evaluates every rule once.
pub async fn evaluate(store: &Store, ctx: &Context, rules: &[Rule], now: DateTime<Utc>) -> Evaluation {
    let mut firing = Vec::new();
    let mut failed = Vec::new();
    for (rule, figures) in rules.iter().zip(gather(store, ctx, rules, now).await) {
        match figures {
            Ok(f) => firing.extend(rule.judge(f)),
            Err(e) => failed.push((rule.name.clone(), e)),
        }
    }
    // Stable: within a rule the figures keep their source's order (most urgent or busiest first).
    firing.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    Evaluation { at: now, rules: rules.len(), firing, failed }
}

/// One row of the console's Alerts tab: a firing alert with its stored standing, if `watch` or an
/// operator recorded one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertRow {
    /// What fires.
    pub firing: Firing,
    /// The rule's kind, for jumping to the tab it is about.
    pub kind: AlertKind,
    /// Its standing (acknowledged, snoozed, when notified).
    pub state: Option<crate::rules::alerts::AlertState>,
}

/// The Alerts tab: what fires now, with its standing.
pub async fn board(
    store: &Store,
    ctx: &Context,
    rules: &[Rule],
    now: DateTime<Utc>,
) -> Result<Vec<AlertRow>, StoreError> {
    let eval = evaluate(store, ctx, rules, now).await;
    let states = store.alert_states(now - Duration::days(7), 10_000).await?;
    Ok(eval
        .firing
        .into_iter()
        .map(|f| {
            let kind = rules.iter().find(|r| r.name == f.rule).map_or(AlertKind::Errors, |r| r.kind.kind());
            let state = states.iter().find(|s| s.rule == f.rule && s.key == f.figure.key).cloned();
            AlertRow { firing: f, kind, state }
        })
        .collect())
}

/// Acknowledges (`until` None) or snoozes a firing alert, recording it first if `watch` has not.
pub async fn quiet(
    store: &Store,
    actor: &super::tasks::Actor,
    row: &AlertRow,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), super::tasks::ActionError> {
    if actor.read_only {
        return Err(super::tasks::ActionError::ReadOnly);
    }
    let f = &row.firing;
    if row.state.as_ref().is_none_or(|s| !s.firing) {
        let s = crate::rules::alerts::AlertState {
            rule: f.rule.clone(),
            key: f.figure.key.clone(),
            severity: f.severity,
            firing: true,
            since: now,
            value: f.figure.value,
            summary: f.figure.summary.clone(),
            portals: f.figure.portals.clone(),
            last_notified_at: None,
            resolved_at: None,
            acked_by: None,
            snoozed_until: None,
        };
        store.save_alert(&s, now).await?;
    }
    store.quiet_alert(&f.rule, &f.figure.key, &actor.operator, until, now).await?;
    Ok(())
}
