//! One `watch` cycle: evaluate every rule, move each alert to its next standing, deliver the
//! notices, and store only what was delivered (an undelivered notice is tried again next cycle;
//! the receiver being down never stops the loop). Each receiver gets a deadline per notice and
//! is skipped for the rest of a cycle once it failed, so a cycle with every receiver down takes
//! about one deadline, however many notices are due.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::notify::{Channel, Notice};
use super::outage::DatabaseOutage;
use crate::rules::alerts::{AlertState, NoticeKind, Rule, step};
use crate::services::alerts::{Context, gather};
use crate::store::{Store, StoreError};

/// What a cycle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Alerts firing after the cycle.
    pub firing: usize,
    /// Notices delivered.
    pub delivered: usize,
    /// Notices that could not be delivered (tried again next cycle).
    pub undelivered: usize,
    /// Rules that could not be evaluated.
    pub failed_rules: usize,
}

/// Delivery knobs.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Quick retries per notice per channel.
    pub retries: u32,
    /// The first pause between them.
    pub backoff: Duration,
    /// The most one receiver may take over one notice, retries included.
    pub per_receiver: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery { retries: 2, backoff: Duration::from_millis(500), per_receiver: Duration::from_secs(12) }
    }
}

/// The receivers that failed in this cycle; they are not tried again until the next one.
#[derive(Debug, Default)]
pub struct Down(Vec<usize>);

/// Sends `n` to every receiver not yet down, all at once, each within its deadline; true when at
/// least one took it (or, with none configured, once it is printed).
pub async fn deliver(http: &reqwest::Client, channels: &[Channel], n: &Notice, d: &Delivery, down: &mut Down) -> bool {
    if channels.is_empty() {
        // No channel configured: the log (and stdout) is the channel.
        tracing::warn!(notice = %n.text(), "alert (no notification channel configured)");
        // A closed stdout (a pipe into `head`) must not stop the daemon.
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{}", n.text());
        return true;
    }
    let sends = channels.iter().enumerate().filter(|(i, _)| !down.0.contains(i)).map(|(i, c)| async move {
        let outcome = match tokio::time::timeout(d.per_receiver, c.send(http, n, d.retries, d.backoff)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {}s", d.per_receiver.as_secs())),
        };
        (i, c.name(), outcome)
    });
    let mut any = false;
    for (i, name, outcome) in futures::future::join_all(sends).await {
        match outcome {
            Ok(()) => any = true,
            Err(e) => {
                down.0.push(i);
                tracing::warn!(channel = name, id = %n.id, error = %e, "notification not delivered; will retry")
            }
        }
    }
    any
}

/// One cycle, and the database's own outage notice: when cycles keep failing the receivers are
/// told (they need no database), and told again when it is back.
#[allow(clippy::too_many_arguments)]
pub async fn cycle_watching_database(
    store: &Store,
    ctx: &Context,
    rules: &[Rule],
    channels: &[Channel],
    http: &reqwest::Client,
    delivery: &Delivery,
    outage: &mut DatabaseOutage,
    now: DateTime<Utc>,
) -> Result<CycleReport, StoreError> {
    match cycle(store, ctx, rules, channels, http, delivery, now).await {
        Ok(mut report) => {
            if let Some(n) = outage.recovered(now) {
                if deliver(http, channels, &n, delivery, &mut Down::default()).await {
                    report.delivered += 1;
                } else {
                    report.undelivered += 1;
                }
            }
            Ok(report)
        }
        Err(e) => {
            if let Some(n) = outage.failed(now)
                && deliver(http, channels, &n, delivery, &mut Down::default()).await
            {
                outage.announced();
            }
            Err(e)
        }
    }
}

/// Runs one cycle.
pub async fn cycle(
    store: &Store,
    ctx: &Context,
    rules: &[Rule],
    channels: &[Channel],
    http: &reqwest::Client,
    delivery: &Delivery,
    now: DateTime<Utc>,
) -> Result<CycleReport, StoreError> {
    let known = store.alert_states(now - chrono::Duration::days(7), 10_000).await?;
    let mut prev: HashMap<(String, String), AlertState> =
        known.into_iter().map(|s| ((s.rule.clone(), s.key.clone()), s)).collect();
    let mut report = CycleReport::default();
    let mut down = Down::default();
    for (rule, figures) in rules.iter().zip(gather(store, ctx, rules, now).await) {
        let figures = match figures {
            Ok(f) => f,
            Err(e) => {
                // A rule that cannot be read keeps its alerts as they are.
                tracing::warn!(rule = %rule.name, error = %e, "rule not evaluated");
                report.failed_rules += 1;
                prev.retain(|(r, _), _| *r != rule.name);
                continue;
            }
        };
        let mut keys: Vec<String> = figures.iter().map(|f| f.key.clone()).collect();
        keys.extend(prev.iter().filter(|((r, _), s)| *r == rule.name && s.firing).map(|((_, k), _)| k.clone()));
        keys.sort();
        keys.dedup();
        for key in keys {
            let before = prev.remove(&(rule.name.clone(), key.clone()));
            let figure = figures.iter().find(|f| f.key == key);
            let (next, notice) = step(rule, before.as_ref(), figure, &key, now);
            let Some(mut next) = next else { continue };
            let mut save = before.as_ref() != Some(&next);
            if let Some(kind) = notice {
                let n = Notice::of(&next, kind, now);
                if deliver(http, channels, &n, delivery, &mut down).await {
                    report.delivered += 1;
                    next.last_notified_at = Some(now);
                    save = true;
                } else {
                    report.undelivered += 1;
                    // Keep the alert firing until its resolution is delivered.
                    if kind == NoticeKind::Resolved {
                        save = false;
                    }
                }
            }
            if next.firing {
                report.firing += 1;
            }
            if save {
                store.save_alert(&next, now).await?;
            }
        }
    }
    Ok(report)
}
