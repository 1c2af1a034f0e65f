//! Alert rules: what counts as trouble, judged from figures the store reads with indexed window
//! queries (never a table scan). Pure: the services layer gathers the figures.

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// How bad a firing alert is; `check` exits 1 for warnings and 2 for critical alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Look at it today.
    Warning,
    /// Look at it now.
    Critical,
}

/// How error counts are grouped for an errors rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorScope {
    /// One count per (portal, error type): "this portal keeps failing the same way".
    PortalAndType,
    /// One count per portal, all types together.
    Portal,
    /// One count per error type, all portals together.
    Type,
    /// Everything together.
    All,
}

/// Which kind of rule, without its settings: what an alert is about, so the console knows the
/// tab to open for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Errors per portal or type.
    Errors,
    /// One error type on many portals.
    ErrorSpread,
    /// Refresh tokens about to die.
    Tokens,
    /// Failed background tasks.
    FailedTasks,
    /// Ticket SLA deadlines.
    Sla,
    /// Review reply deadlines.
    Reviews,
    /// Call-log partitions running out.
    Partitions,
    /// Methods near Bitrix24's operating-time limit.
    Operating,
}

impl AlertKind {
    /// The word in `[[alerts.rules]] kind`.
    pub fn word(self) -> &'static str {
        match self {
            AlertKind::Errors => "errors",
            AlertKind::ErrorSpread => "error_spread",
            AlertKind::Tokens => "tokens",
            AlertKind::FailedTasks => "failed_tasks",
            AlertKind::Sla => "sla",
            AlertKind::Reviews => "reviews",
            AlertKind::Partitions => "partitions",
            AlertKind::Operating => "operating",
        }
    }
}

impl RuleKind {
    /// The rule's kind without its settings.
    pub fn kind(&self) -> AlertKind {
        match self {
            RuleKind::Errors { .. } => AlertKind::Errors,
            RuleKind::ErrorSpread { .. } => AlertKind::ErrorSpread,
            RuleKind::Tokens { .. } => AlertKind::Tokens,
            RuleKind::FailedTasks { .. } => AlertKind::FailedTasks,
            RuleKind::Sla { .. } => AlertKind::Sla,
            RuleKind::Reviews { .. } => AlertKind::Reviews,
            RuleKind::Partitions { .. } => AlertKind::Partitions,
            RuleKind::Operating { .. } => AlertKind::Operating,
        }
    }
}

/// What a rule watches.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// More than `over` errors within `window`, counted per `per`.
    Errors {
        /// The window (1 minute to 24 hours).
        window_minutes: i64,
        /// Grouping.
        per: ErrorScope,
        /// Fires when strictly more.
        over: i64,
    },
    /// One error type seen in at least `portals` portals within `window`.
    ErrorSpread {
        /// The window.
        window_minutes: i64,
        /// Fires at this many portals or more.
        portals: i64,
    },
    /// Live portals whose refresh token dies within `days`.
    Tokens {
        /// Days.
        days: i64,
    },
    /// More than `over` failed tasks.
    FailedTasks {
        /// Fires when strictly more.
        over: i64,
    },
    /// A ticket SLA breached or due within `minutes`.
    Sla {
        /// Minutes ahead.
        minutes: i64,
    },
    /// A review's reply deadline passed or within `hours`.
    Reviews {
        /// Hours ahead.
        hours: i64,
    },
    /// PostgreSQL's daily partitions of the call log ready for fewer than `days` days, today
    /// included (the `prune` that creates them stopped running). Never fires on a plain table.
    Partitions {
        /// Days.
        days: i64,
    },
    /// A portal's method whose largest `operating` of the last 10 minutes passed 80% of the
    /// operating-time limit: the next calls may be refused with 429 for minutes.
    Operating {
        /// Bitrix24's limit per method in seconds over 10 minutes (480 by default).
        limit_secs: i64,
    },
}

/// The window the operating rule looks back over: Bitrix24's own limiter window.
pub const OPERATING_WINDOW_MINUTES: i64 = 10;

/// The share of the limit, in percent, at which the operating rule fires; it resolves below
/// `OPERATING_RESOLVE_PERCENT`.
pub const OPERATING_FIRE_PERCENT: i64 = 80;
const OPERATING_RESOLVE_PERCENT: i64 = 70;

/// One rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Its name, unique.
    pub name: String,
    /// What it watches.
    pub kind: RuleKind,
    /// How bad it is.
    pub severity: Severity,
    /// No repeat notification within this long.
    pub action_interval: Duration,
}

/// A figure the store read for a rule: one group's count, one portal's days, one ticket.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// What it is about, stable across evaluations (the alert's identity within its rule).
    pub key: String,
    /// The portals it concerns.
    pub portals: Vec<String>,
    /// The measured value (a count; for tokens, days left; for deadlines, minutes left).
    pub value: i64,
    /// A line for people.
    pub summary: String,
}

/// An alert that fires now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Firing {
    /// The rule.
    pub rule: String,
    /// How bad.
    pub severity: Severity,
    /// The figure that fired it.
    pub figure: Figure,
}

impl Rule {
    /// Whether a figure fires the rule.
    pub fn fires(&self, value: i64) -> bool {
        match &self.kind {
            RuleKind::Errors { over, .. } | RuleKind::FailedTasks { over } => value > *over,
            RuleKind::ErrorSpread { portals, .. } => value >= *portals,
            RuleKind::Tokens { days } => value <= *days,
            RuleKind::Sla { minutes } => value <= *minutes,
            RuleKind::Reviews { hours } => value <= hours * 60,
            RuleKind::Partitions { days } => value < *days,
            RuleKind::Operating { limit_secs } => value * 100 > limit_secs * OPERATING_FIRE_PERCENT,
        }
    }

    /// Whether a firing alert may resolve: the figure must fall clearly back (hysteresis), so
    /// a count hovering at the threshold does not flap firing → resolved → firing.
    pub fn resolves(&self, value: i64) -> bool {
        match &self.kind {
            RuleKind::Errors { over, .. } | RuleKind::FailedTasks { over } => value <= over * 8 / 10,
            RuleKind::ErrorSpread { portals, .. } => value < (*portals - 1).max(1),
            RuleKind::Tokens { days } => value > *days,
            RuleKind::Sla { minutes } => value > *minutes,
            RuleKind::Reviews { hours } => value > hours * 60,
            RuleKind::Partitions { days } => value >= *days,
            RuleKind::Operating { limit_secs } => value * 100 <= limit_secs * OPERATING_RESOLVE_PERCENT,
        }
    }

    /// The firing alerts among `figures`.
    pub fn judge(&self, figures: Vec<Figure>) -> Vec<Firing> {
        figures
            .into_iter()
            .filter(|f| self.fires(f.value))
            .map(|figure| Firing { rule: self.name.clone(), severity: self.severity, figure })
            .collect()
    }
}

/// One alert's standing, as stored between evaluations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertState {
    /// The rule.
    pub rule: String,
    /// What it is about (the figure's key).
    pub key: String,
    /// How bad.
    pub severity: Severity,
    /// Firing now (else resolved).
    pub firing: bool,
    /// When it started firing.
    pub since: chrono::DateTime<chrono::Utc>,
    /// The last figure.
    pub value: i64,
    /// The last summary.
    pub summary: String,
    /// The portals concerned.
    pub portals: Vec<String>,
    /// When a notification about it was last delivered.
    pub last_notified_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it resolved.
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who acknowledged it (no reminders while acknowledged; cleared when it resolves).
    pub acked_by: Option<String>,
    /// No notifications until then.
    pub snoozed_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a notification says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Started firing, or still firing after the action interval.
    Firing,
    /// Resolved.
    Resolved,
}

/// The next standing of one alert, and the notice it calls for, given its previous standing and
/// this evaluation's figure (`None`: the figure is gone, e.g. no errors at all).
pub fn step(
    rule: &Rule,
    prev: Option<&AlertState>,
    figure: Option<&Figure>,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (Option<AlertState>, Option<NoticeKind>) {
    let quiet = |s: &AlertState| s.snoozed_until.is_some_and(|u| u > now);
    match (prev.filter(|p| p.firing), figure) {
        // Not firing before: fire when the figure crosses the threshold.
        (None, Some(f)) if rule.fires(f.value) => {
            let mut s = AlertState {
                rule: rule.name.clone(),
                key: key.to_owned(),
                severity: rule.severity,
                firing: true,
                since: now,
                value: f.value,
                summary: f.summary.clone(),
                portals: f.portals.clone(),
                last_notified_at: None,
                resolved_at: None,
                acked_by: None,
                snoozed_until: prev.and_then(|p| p.snoozed_until),
            };
            let notice = (!quiet(&s)).then_some(NoticeKind::Firing);
            s.snoozed_until = s.snoozed_until.filter(|u| *u > now);
            (Some(s), notice)
        }
        (None, _) => (prev.cloned(), None),
        // Firing: resolve only on a clear drop (or when the figure is gone).
        (Some(p), f) if f.is_none_or(|f| rule.resolves(f.value)) => {
            let mut s = p.clone();
            s.firing = false;
            s.resolved_at = Some(now);
            s.acked_by = None;
            if let Some(f) = f {
                s.value = f.value;
            }
            // Tell those who heard it fire; a snoozed or never-delivered one resolves quietly.
            let notice = (p.last_notified_at.is_some() && !quiet(p)).then_some(NoticeKind::Resolved);
            (Some(s), notice)
        }
        // Still firing: a reminder once the action interval has passed, unless acknowledged.
        (Some(p), Some(f)) => {
            let mut s = p.clone();
            s.value = f.value;
            s.summary = f.summary.clone();
            s.portals = f.portals.clone();
            s.severity = rule.severity;
            let due = p.last_notified_at.is_none_or(|t| now - t >= rule.action_interval);
            let notice = (due && p.acked_by.is_none() && !quiet(p)).then_some(NoticeKind::Firing);
            (Some(s), notice)
        }
        (Some(p), None) => (Some(p.clone()), None),
    }
}

/// The exit status `check` gives: 0 nothing firing, 1 warnings only, 2 something critical.
pub fn exit_status(firing: &[Firing]) -> u8 {
    match firing.iter().map(|f| f.severity).max() {
        None => 0,
        Some(Severity::Warning) => 1,
        Some(Severity::Critical) => 2,
    }
}

/// Counts per group for an errors rule, from (portal, error type, count) rows.
pub fn group_errors(rows: &[(Option<String>, String, i64)], per: ErrorScope) -> Vec<Figure> {
    use std::collections::BTreeMap;
    let mut acc: BTreeMap<String, (Vec<String>, i64)> = BTreeMap::new();
    for (portal, kind, n) in rows {
        let p = portal.clone().unwrap_or_else(|| "(no portal)".into());
        let key = match per {
            ErrorScope::PortalAndType => format!("{p} {kind}"),
            ErrorScope::Portal => p.clone(),
            ErrorScope::Type => kind.clone(),
            ErrorScope::All => "all".into(),
        };
        let e = acc.entry(key).or_default();
        if portal.is_some() && !e.0.contains(&p) {
            e.0.push(p);
        }
        e.1 += n;
    }
    let mut out: Vec<Figure> = acc
        .into_iter()
        .map(|(key, (portals, value))| Figure { summary: format!("{value} errors: {key}"), key, portals, value })
        .collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst() -> Rule {
        Rule {
            name: "burst".into(),
            kind: RuleKind::Errors { window_minutes: 15, per: ErrorScope::PortalAndType, over: 10 },
            severity: Severity::Critical,
            action_interval: Duration::hours(1),
        }
    }

    #[test]
    fn more_than_the_threshold_fires_and_only_a_clear_drop_resolves() {
        let r = burst();
        assert!(!r.fires(10), "strictly more than 10");
        assert!(r.fires(11));
        assert!(!r.resolves(9), "9 is still too close to 10");
        assert!(r.resolves(8));
    }

    fn fig(v: i64) -> Figure {
        Figure {
            key: "p1 QUERY_LIMIT_EXCEEDED".into(),
            portals: vec!["p1".into()],
            value: v,
            summary: format!("{v} errors"),
        }
    }

    #[test]
    fn an_alert_fires_reminds_after_its_interval_and_resolves_with_hysteresis() {
        let r = burst();
        let t0: chrono::DateTime<chrono::Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
        let (s, n) = step(&r, None, Some(&fig(12)), "k", t0);
        assert_eq!(n, Some(NoticeKind::Firing));
        let mut s = s.unwrap();
        s.last_notified_at = Some(t0);
        // Within the action interval: no repeat.
        let (s2, n) = step(&r, Some(&s), Some(&fig(15)), "k", t0 + Duration::minutes(30));
        assert_eq!(n, None);
        assert_eq!(s2.as_ref().unwrap().value, 15);
        // Hovering at 9: still firing, still quiet.
        let (s3, n) = step(&r, Some(&s), Some(&fig(9)), "k", t0 + Duration::minutes(40));
        assert!(s3.unwrap().firing && n.is_none());
        // After the interval: a reminder, unless acknowledged.
        assert_eq!(step(&r, Some(&s), Some(&fig(12)), "k", t0 + Duration::minutes(61)).1, Some(NoticeKind::Firing));
        let acked = AlertState { acked_by: Some("alice".into()), ..s.clone() };
        assert_eq!(step(&r, Some(&acked), Some(&fig(12)), "k", t0 + Duration::minutes(61)).1, None);
        // A clear drop resolves, and says so.
        let (s4, n) = step(&r, Some(&s), Some(&fig(3)), "k", t0 + Duration::minutes(70));
        assert_eq!(n, Some(NoticeKind::Resolved));
        assert!(!s4.unwrap().firing);
        // Snoozed: it fires without a notice.
        let snoozed = AlertState { firing: false, snoozed_until: Some(t0 + Duration::hours(2)), ..s.clone() };
        let (s5, n) = step(&r, Some(&snoozed), Some(&fig(20)), "k", t0 + Duration::minutes(90));
        assert!(s5.unwrap().firing && n.is_none());
    }

    #[test]
    fn operating_fires_past_eighty_percent_of_the_limit_and_resolves_below_seventy() {
        let r = Rule {
            name: "operating".into(),
            kind: RuleKind::Operating { limit_secs: 480 },
            severity: Severity::Warning,
            action_interval: Duration::hours(1),
        };
        assert!(!r.fires(384), "exactly 80% does not pass it");
        assert!(r.fires(385));
        assert!(!r.resolves(340));
        assert!(r.resolves(336));
    }

    #[test]
    fn errors_group_per_portal_and_type() {
        let rows = vec![
            (Some("p1".to_owned()), "QUERY_LIMIT_EXCEEDED".to_owned(), 7),
            (Some("p1".to_owned()), "expired_token".to_owned(), 6),
            (Some("p2".to_owned()), "QUERY_LIMIT_EXCEEDED".to_owned(), 12),
        ];
        let fired = burst().judge(group_errors(&rows, ErrorScope::PortalAndType));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].figure.portals, vec!["p2"]);
        let per_portal = group_errors(&rows, ErrorScope::Portal);
        assert_eq!(per_portal.iter().find(|f| f.key == "p1").unwrap().value, 13);
        let per_type = group_errors(&rows, ErrorScope::Type);
        assert_eq!(per_type.iter().find(|f| f.key == "QUERY_LIMIT_EXCEEDED").unwrap().portals, vec!["p1", "p2"]);
        assert_eq!(exit_status(&fired), 2);
        assert_eq!(exit_status(&[]), 0);
    }
}
