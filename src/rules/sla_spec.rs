//! Service levels as configured: the `[sla]` table and its checking into a business calendar and
//! targets per priority.

use serde::{Deserialize, Serialize};

use super::invalid::Invalid;

/// The `[sla]` table: working hours, holidays, paused statuses and targets per priority.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SlaSpec {
    /// IANA zone of the working hours; empty: the top-level `timezone`, else UTC.
    pub timezone: String,
    /// Working hours per weekday, Monday first: "09:00-18:00", several as "09:00-13:00,14:00-18:00",
    /// empty for a day off.
    pub week: [String; 7],
    /// Days off, YYYY-MM-DD.
    pub holidays: Vec<String>,
    /// Statuses in which the resolution clock rests (waiting on the customer).
    pub paused_statuses: Vec<String>,
    /// A countdown turns "near" when this share of its target is left …
    pub near_share: f64,
    /// … or when this many minutes are left, whichever comes first.
    pub near_minutes: i64,
    /// Targets per priority: "2h business", "24h calendar", "" for none.
    pub low: SlaTargets,
    /// Normal priority.
    pub normal: SlaTargets,
    /// High priority.
    pub high: SlaTargets,
    /// Critical: the app does not open for anyone.
    pub critical: SlaTargets,
}

/// One priority's targets.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SlaTargets {
    /// Creation → first public reply, e.g. "24h calendar".
    pub first_response: String,
    /// Creation → solved, paused while waiting on the customer, e.g. "4h calendar".
    pub resolution: String,
}

impl Default for SlaSpec {
    fn default() -> Self {
        let day = "09:00-18:00".to_owned();
        let t = |f: &str, r: &str| SlaTargets { first_response: f.into(), resolution: r.into() };
        SlaSpec {
            timezone: String::new(),
            week: [day.clone(), day.clone(), day.clone(), day.clone(), day, String::new(), String::new()],
            holidays: Vec::new(),
            paused_statuses: vec!["pending".into(), "on_hold".into()],
            near_share: 0.25,
            near_minutes: 15,
            low: t("48h calendar", ""),
            normal: t("24h calendar", ""),
            high: t("8h business", "24h calendar"),
            critical: t("2h business", "4h calendar"),
        }
    }
}

/// The SLA rules a configuration describes, ready to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaRules {
    /// The business calendar.
    pub calendar: super::calendar::Calendar,
    /// Targets by priority: low, normal, high, critical.
    pub policies: [(String, super::sla::Policy); 4],
    /// Statuses that pause resolution.
    pub paused: Vec<String>,
    /// Near threshold as a share of the target.
    pub near_share: f64,
    /// Near threshold in minutes.
    pub near_minutes: i64,
}

impl SlaRules {
    /// The policy for a priority (unknown priorities get normal's).
    pub fn policy(&self, priority: &str) -> super::sla::Policy {
        self.policies
            .iter()
            .find(|(p, _)| p == priority)
            .or_else(|| self.policies.get(1))
            .map(|(_, p)| *p)
            .unwrap_or_default()
    }
}

fn parse_target(raw: &str, what: &str) -> Result<Option<super::sla::Target>, String> {
    use super::sla::{Counting, Target};
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (dur, how) = raw.split_once(' ').map(|(a, b)| (a, b.trim())).unwrap_or((raw, "calendar"));
    let d = super::timefmt::parse_window(dur)
        .ok_or_else(|| format!("{what} = {raw:?}: use a duration like 2h, 90m or 1d, then business or calendar"))?;
    let counting = match how {
        "business" => Counting::Business,
        "calendar" => Counting::Calendar,
        other => return Err(format!("{what} = {raw:?}: {other:?} is neither business nor calendar")),
    };
    Ok(Some(Target { minutes: d.num_minutes().max(1), counting }))
}

impl SlaSpec {
    /// Builds the rules, naming the key of any bad value.
    pub fn rules(&self, fallback_zone: &str) -> Result<SlaRules, Invalid> {
        let zone = [self.timezone.as_str(), fallback_zone].into_iter().find(|z| !z.is_empty()).unwrap_or("UTC");
        let calendar =
            super::calendar::Calendar::parse(zone, &self.week, &self.holidays).map_err(|e| format!("[sla]: {e}"))?;
        let mut policies: [(String, super::sla::Policy); 4] = Default::default();
        for (i, (name, t)) in
            [("low", &self.low), ("normal", &self.normal), ("high", &self.high), ("critical", &self.critical)]
                .into_iter()
                .enumerate()
        {
            policies[i] = (
                name.to_owned(),
                super::sla::Policy {
                    first_response: parse_target(&t.first_response, &format!("sla.{name}.first_response"))?,
                    resolution: parse_target(&t.resolution, &format!("sla.{name}.resolution"))?,
                },
            );
        }
        Ok(SlaRules {
            calendar,
            policies,
            paused: self.paused_statuses.clone(),
            near_share: self.near_share,
            near_minutes: self.near_minutes,
        })
    }
}
