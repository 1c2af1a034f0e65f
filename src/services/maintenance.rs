//! Planned maintenance: the weekly deprecation check, the monthly token check and review
//! monitoring — what each finds now, when it was last done, and marking it done.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::changelog::{WEEKLY_CHECK, called_recently, stored, weekly};
use super::tasks::{ActionError, Actor};
use crate::rules::maintenance::{CHECKS, Cadence, Standing, check, period_start, standing};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReviewPolicy;
use crate::rules::tokens::TokenPolicy;
use crate::store::{DoneRecord, Store, StoreError};

pub use super::changelog::METHOD_SCAN;

/// One check's report.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Its name.
    pub name: &'static str,
    /// What it is.
    pub title: &'static str,
    /// How often.
    pub cadence: Cadence,
    /// When it was last done.
    pub last_done: Option<DoneRecord>,
    /// Done, due, overdue.
    pub standing: Standing,
    /// What it read to find it (the weekly check: which changelog, since when, which list).
    pub context: Vec<String>,
    /// What it finds now, one line each.
    pub findings: Vec<String>,
}

/// The weekly check: the changelog entries since it was last done that touch the app, then the
/// deprecated methods the app still calls with their replacements.
async fn weekly_findings(store: &Store, now: DateTime<Utc>) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let called = called_recently(store, now).await?;
    let mut context = Vec::new();
    let mut out = Vec::new();
    match weekly(store, &called).await {
        Ok(w) => {
            context.push(w.context);
            out.extend(w.touching.into_iter().map(|l| format!("changelog {l}")));
            if w.others > 0 {
                out.push(format!("changelog: {} more new entries touch none of the app's calls", w.others));
            }
        }
        Err(super::changelog::ChangelogError::Store(e)) => return Err(e),
        Err(e) => context.push(e.to_string()),
    }
    let (list, origin) = super::deprecation_list::in_force(store).await?;
    context.push(format!("deprecation list: {origin}"));
    out.extend(called.into_iter().filter_map(|(m, n)| {
        list.get(&m.to_lowercase()).map(|d| {
            let instead =
                if d.replacements.is_empty() { "no replacement named".to_owned() } else { d.replacements.join(", ") };
            format!("{m} ({n} calls) → {instead}")
        })
    }));
    Ok((context, out))
}

async fn findings(
    store: &Store,
    name: &str,
    tokens: &TokenPolicy,
    reviews: &ReviewPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(match name {
        "tokens" => {
            let dead_before = now - tokens.lifetime;
            store
                .portals_expiring(dead_before, dead_before + Duration::days(30), 500)
                .await?
                .into_iter()
                .map(|p| {
                    let left = p.refresh_issued_at.map(|t| (t + tokens.lifetime - now).num_days()).unwrap_or(0);
                    format!("{} ({}) — {left} days left", p.domain, p.member_id)
                })
                .collect()
        }
        _ => {
            let open = ReviewFilter { open_only: true, ..ReviewFilter::default() };
            super::reviews::inbox(store, &open, 500, reviews, now)
                .await?
                .into_iter()
                .filter(|e| e.clock.reply_due <= now + Duration::hours(48))
                .map(|e| {
                    let left = crate::rules::timefmt::countdown(e.clock.reply_due, now);
                    format!("review #{} {}★ by {} — reply {left}", e.review.id, e.review.rating, e.review.author)
                })
                .collect()
        }
    })
}

/// Every check's report.
pub async fn report(
    store: &Store,
    tz: Tz,
    tokens: &TokenPolicy,
    reviews: &ReviewPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<CheckReport>, StoreError> {
    let mut out = Vec::new();
    for c in CHECKS {
        let last_done = store.last_done(c.name).await?;
        let (context, findings) = if c.name == WEEKLY_CHECK {
            weekly_findings(store, now).await?
        } else {
            (Vec::new(), findings(store, c.name, tokens, reviews, now).await?)
        };
        out.push(CheckReport {
            name: c.name,
            title: c.title,
            cadence: c.cadence,
            standing: standing(c.cadence, tz, last_done.as_ref().map(|d| d.done_at), now),
            last_done,
            context,
            findings,
        });
    }
    Ok(out)
}

/// Marks a check done for its current period with a note; audited.
pub async fn mark_done(
    store: &Store,
    actor: &Actor,
    tz: Tz,
    name: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), MaintenanceError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    let c = check(name).ok_or_else(|| MaintenanceError::Unknown(name.to_owned()))?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    // The weekly check records the newest changelog date read, so the next one lists what is
    // newer; without a stored changelog it keeps the date recorded last time.
    let through = if c.name == WEEKLY_CHECK {
        match stored(store).await {
            Ok(Some((_, log))) => log.newest(),
            _ => None,
        }
        .or(store.last_done(c.name).await.map_err(ActionError::from)?.and_then(|d| d.changelog_through))
    } else {
        None
    };
    store
        .mark_check_done(c.name, period_start(c.cadence, tz, now), &actor.operator, note, through, now)
        .await
        .map_err(ActionError::from)?;
    Ok(())
}

/// Why marking failed.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// No such check.
    #[error("no check {0:?}: deprecations, tokens or reviews")]
    Unknown(String),
    /// Read-only, or the database.
    #[error(transparent)]
    Action(#[from] ActionError),
}
