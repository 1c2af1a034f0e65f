//! Incident mode: declare one, its response clock on the business calendar, an append-only
//! timeline (its own notes, plus every audited action and alert touching the affected portals),
//! and the Markdown record written when it is resolved.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write as _;

use super::tasks::{ActionError, Actor};
use crate::model::MemberId;
use crate::rules::calendar::Calendar;
use crate::store::{Incident, Store, StoreError};

/// Business minutes to the first response, by severity (critical: 2 business hours, the support plan's promise).
pub fn response_minutes(severity: &str) -> i64 {
    match severity {
        "critical" => 120,
        "major" => 8 * 60,
        _ => 24 * 60,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_declaration_reads_severity_portals_and_title() {
        let (s, p, t) = super::parse_declaration("major member:abc member:def Sync is slow");
        assert_eq!((s.as_str(), p.len(), t.as_str()), ("major", 2, "Sync is slow"));
        let (s, p, t) = super::parse_declaration("App does not open");
        assert_eq!((s.as_str(), p.len(), t.as_str()), ("critical", 0, "App does not open"));
    }
}

/// When the team must have responded.
pub fn respond_by(i: &Incident, cal: &Calendar) -> Option<DateTime<Utc>> {
    cal.add(i.declared_at, response_minutes(&i.severity))
}

/// Why an incident action did not run.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// Read-only or the database.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// Something else.
    #[error("{0}")]
    Invalid(String),
}

impl From<StoreError> for IncidentError {
    fn from(e: StoreError) -> Self {
        IncidentError::Action(ActionError::Store(e))
    }
}

/// Declares an incident (one at a time).
pub async fn declare(
    store: &Store,
    actor: &Actor,
    title: &str,
    severity: &str,
    portals: &[MemberId],
    now: DateTime<Utc>,
) -> Result<i64, IncidentError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    if title.trim().is_empty() {
        return Err(IncidentError::Invalid("an incident needs a title".into()));
    }
    if !["minor", "major", "critical"].contains(&severity) {
        return Err(IncidentError::Invalid(format!("severity {severity:?}: minor, major or critical")));
    }
    if let Some(open) = store.open_incident().await? {
        return Err(IncidentError::Invalid(format!("incident #{} is still open: resolve it first", open.id)));
    }
    let first = portals.first().map(|m| m.as_str());
    let id = store.declare_incident(title.trim(), severity, first, &actor.operator, now).await?;
    // Every affected portal is recorded on the timeline; the timeline reads them back from there.
    for m in portals {
        store.incident_event(id, &actor.operator, "portal", m.as_str(), now).await?;
    }
    Ok(id)
}

/// Reads `:incident [minor|major|critical] [member:ID …] TITLE`: severity (critical by default),
/// the affected portals (all when none), the title.
pub fn parse_declaration(text: &str) -> (String, Vec<MemberId>, String) {
    let mut severity = "critical".to_owned();
    let mut portals = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        if ["minor", "major", "critical"].contains(w) {
            severity = (*w).to_owned();
        } else if let Some(m) = w.strip_prefix("member:").and_then(|m| MemberId::parse(m).ok()) {
            portals.push(m);
        } else {
            break;
        }
        words.next();
    }
    (severity, portals, words.collect::<Vec<_>>().join(" "))
}

/// Adds a note to the open incident; returns its number.
pub async fn note(store: &Store, actor: &Actor, text: &str, now: DateTime<Utc>) -> Result<i64, IncidentError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    let i = store.open_incident().await?.ok_or_else(|| IncidentError::Invalid("no incident is open".into()))?;
    store.incident_event(i.id, &actor.operator, "note", text.trim(), now).await?;
    Ok(i.id)
}

/// One line of a timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// When.
    pub ts: DateTime<Utc>,
    /// Who (an operator, `watch`, the app).
    pub who: String,
    /// What happened.
    pub what: String,
}

/// The timeline: the incident's own entries, the audited actions and the alerts that touch its
/// portals (all portals when it names none), from its declaration on, oldest first.
pub async fn timeline(store: &Store, i: &Incident, until: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
    let events = store.incident_events(i.id, 1000).await?;
    let portals: Vec<String> = events.iter().filter(|e| e.kind == "portal").map(|e| e.text.clone()).collect();
    let touches = |m: Option<&str>| portals.is_empty() || m.is_some_and(|m| portals.iter().any(|p| p == m));
    let mut out: Vec<Entry> = events
        .into_iter()
        .filter(|e| e.kind != "portal")
        .map(|e| Entry { ts: e.ts, who: e.author, what: format!("{}: {}", e.kind, e.text) })
        .collect();
    for a in store.audit_page(None, 1000).await? {
        let portal = a.member_id.as_ref().map(|m| m.as_str());
        if a.ts >= i.declared_at && a.ts <= until && !a.action.as_str().starts_with("incident.") && touches(portal) {
            let after = a.after.as_ref().map(|s| format!(" → {s}")).unwrap_or_default();
            out.push(Entry {
                ts: a.ts,
                who: a.operator.to_string(),
                what: format!("{} {}{after}", a.action, a.target),
            });
        }
    }
    for s in store.alert_states(i.declared_at, 1000).await? {
        let hits = portals.is_empty() || s.portals.iter().any(|p| portals.contains(p));
        if hits && s.since >= i.declared_at && s.since <= until {
            out.push(Entry {
                ts: s.since,
                who: "alert".into(),
                what: format!("{:?} {}: {}", s.severity, s.rule, s.summary).to_lowercase(),
            });
        }
    }
    out.sort_by_key(|e| e.ts);
    Ok(out)
}

/// The portals an incident concerns (empty: all).
pub async fn portals_of(store: &Store, i: &Incident) -> Result<Vec<String>, StoreError> {
    Ok(store.incident_events(i.id, 1000).await?.into_iter().filter(|e| e.kind == "portal").map(|e| e.text).collect())
}

/// The incident as Markdown.
pub fn markdown(i: &Incident, portals: &[String], respond: Option<DateTime<Utc>>, entries: &[Entry]) -> String {
    let mut md = format!("# Incident #{}: {}\n\n", i.id, i.title);
    let _ = writeln!(md, "- Severity: {}", i.severity);
    let _ = writeln!(md, "- Portals: {}", if portals.is_empty() { "all".to_owned() } else { portals.join(", ") });
    let _ = writeln!(md, "- Declared: {} by {}", i.declared_at.format("%Y-%m-%d %H:%M UTC"), i.declared_by);
    if let Some(r) = respond {
        let _ = writeln!(md, "- Respond by: {}", r.format("%Y-%m-%d %H:%M UTC"));
    }
    if let Some(r) = i.resolved_at {
        let _ = writeln!(md, "- Resolved: {}", r.format("%Y-%m-%d %H:%M UTC"));
    }
    md.push_str("\n## Timeline\n\n| time (UTC) | who | what |\n|---|---|---|\n");
    for e in entries {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let _ = writeln!(md, "| {} | {} | {} |", e.ts.format("%Y-%m-%d %H:%M:%S"), cell(&e.who), cell(&e.what));
    }
    md
}

/// Resolves the open incident and returns its Markdown record.
pub async fn resolve(
    store: &Store,
    actor: &Actor,
    summary: &str,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<String, IncidentError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    let i = store.open_incident().await?.ok_or_else(|| IncidentError::Invalid("no incident is open".into()))?;
    let text = if summary.trim().is_empty() { "resolved" } else { summary.trim() };
    store.incident_event(i.id, &actor.operator, "resolved", text, now).await?;
    let i = store.incident(i.id).await?.unwrap_or(i);
    let entries = timeline(store, &i, now).await?;
    let portals = portals_of(store, &i).await?;
    Ok(markdown(&i, &portals, respond_by(&i, cal), &entries))
}
