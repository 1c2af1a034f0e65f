//! Alert rules as configured: the `[[alerts.rules]]` tables, the shipped defaults, and their
//! checking into the rules the evaluator runs.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::alerts::{ErrorScope, Rule, RuleKind, Severity};
use super::invalid::Invalid;

/// One `[[alerts.rules]]` table.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRuleSpec {
    /// A unique name.
    pub name: String,
    /// errors, error_spread, tokens, failed_tasks, sla, reviews, partitions, operating.
    pub kind: String,
    /// errors, error_spread: the window, 1m to 24h.
    pub window: String,
    /// errors: portal_and_type, portal, type or all.
    pub per: String,
    /// errors, failed_tasks: fires when strictly more than this.
    pub over: i64,
    /// error_spread: fires when one error type is seen in at least this many portals.
    pub portals: i64,
    /// tokens: fires for live portals within this many days of refresh-token death.
    /// partitions: fires when daily partitions are ready for fewer days than this.
    pub days: i64,
    /// sla: fires when a ticket's deadline is breached or within this many minutes.
    pub minutes: i64,
    /// reviews: fires when a reply deadline is passed or within this many hours.
    pub hours: i64,
    /// operating: Bitrix24's operating-time limit per method in seconds (480 when unset).
    pub limit: i64,
    /// warning or critical.
    pub severity: String,
    /// No repeat notification within this long (e.g. 1h).
    pub action_interval: String,
}

/// The rules b24ops ships: an error burst, an error spread, tokens, failed tasks, SLA, reviews,
/// partitions and operating time.
pub fn shipped() -> Vec<AlertRuleSpec> {
    let rule = |name: &str, kind: &str, severity: &str| AlertRuleSpec {
        name: name.into(),
        kind: kind.into(),
        severity: severity.into(),
        action_interval: "1h".into(),
        ..AlertRuleSpec::default()
    };
    vec![
        AlertRuleSpec {
            window: "15m".into(),
            per: "portal_and_type".into(),
            over: 10,
            ..rule("error burst on one portal", "errors", "critical")
        },
        AlertRuleSpec {
            window: "15m".into(),
            portals: 5,
            ..rule("one error on many portals", "error_spread", "critical")
        },
        AlertRuleSpec { days: 7, action_interval: "24h".into(), ..rule("tokens about to die", "tokens", "warning") },
        AlertRuleSpec { over: 50, ..rule("failed tasks piling up", "failed_tasks", "warning") },
        AlertRuleSpec { minutes: 30, action_interval: "30m".into(), ..rule("ticket SLA breach", "sla", "critical") },
        AlertRuleSpec { hours: 12, action_interval: "6h".into(), ..rule("review reply due", "reviews", "warning") },
        AlertRuleSpec {
            days: 3,
            action_interval: "24h".into(),
            ..rule("call-log partitions running out", "partitions", "warning")
        },
        AlertRuleSpec { limit: 480, ..rule("method near its operating-time limit", "operating", "warning") },
    ]
}

/// The rules, checked; the first bad one is named.
pub fn build(specs: &[AlertRuleSpec]) -> Result<Vec<Rule>, Invalid> {
    let mut out: Vec<Rule> = Vec::new();
    for r in specs {
        let what = |m: &str| Invalid(format!("alert rule {:?}: {m}", r.name));
        if r.name.trim().is_empty() {
            return Err(Invalid("an alert rule has no name".to_owned()));
        }
        if out.iter().any(|o| o.name == r.name) {
            return Err(what("the name is used twice"));
        }
        let minutes = |raw: &str| -> Result<i64, Invalid> {
            let d = super::timefmt::parse_window(raw).ok_or_else(|| what(&format!("window {raw:?}: use 15m, 1h …")))?;
            if d < Duration::minutes(1) || d > Duration::hours(24) {
                return Err(what("the window must be between 1m and 24h"));
            }
            Ok(d.num_minutes())
        };
        let positive = |n: i64, key: &str| if n > 0 { Ok(n) } else { Err(what(&format!("{key} must be positive"))) };
        let kind = match r.kind.as_str() {
            "errors" => RuleKind::Errors {
                window_minutes: minutes(&r.window)?,
                per: match r.per.as_str() {
                    "" | "portal_and_type" => ErrorScope::PortalAndType,
                    "portal" => ErrorScope::Portal,
                    "type" => ErrorScope::Type,
                    "all" => ErrorScope::All,
                    other => return Err(what(&format!("per {other:?}: portal_and_type, portal, type or all"))),
                },
                over: r.over.max(0),
            },
            "error_spread" => {
                RuleKind::ErrorSpread { window_minutes: minutes(&r.window)?, portals: positive(r.portals, "portals")? }
            }
            "tokens" => RuleKind::Tokens { days: positive(r.days, "days")? },
            "failed_tasks" => RuleKind::FailedTasks { over: r.over.max(0) },
            "sla" => RuleKind::Sla { minutes: r.minutes.max(0) },
            "reviews" => RuleKind::Reviews { hours: r.hours.max(0) },
            "partitions" => RuleKind::Partitions { days: positive(r.days, "days")? },
            "operating" => RuleKind::Operating { limit_secs: if r.limit > 0 { r.limit } else { 480 } },
            other => {
                return Err(what(&format!(
                    "kind {other:?}: errors, error_spread, tokens, failed_tasks, sla, reviews, partitions or operating"
                )));
            }
        };
        let severity = match r.severity.as_str() {
            "warning" => Severity::Warning,
            "critical" => Severity::Critical,
            other => return Err(what(&format!("severity {other:?}: warning or critical"))),
        };
        let action_interval = if r.action_interval.is_empty() {
            Duration::hours(1)
        } else {
            super::timefmt::parse_window(&r.action_interval).ok_or_else(|| what("action_interval: use 30m, 1h, 1d"))?
        };
        out.push(Rule { name: r.name.clone(), kind, severity, action_interval });
    }
    Ok(out)
}
