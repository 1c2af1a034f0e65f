//! Incident mode: declare one, its response clock on the business calendar, an append-only
//! timeline (its own notes, plus every audited action and alert touching the affected portals),
//! and the Markdown record written when it is resolved.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::tasks::{ActionError, Actor};
use crate::model::MemberId;
use crate::rules::calendar::Calendar;
use crate::store::{Incident, Store, StoreError};

/// Business minutes to the first response, by severity (critical: the brief's 2 business hours).
pub fn response_minutes(severity: &str) -> i64 {
    match severity {
        "critical" => 120,
        "major" => 8 * 60,
        _ => 24 * 60,
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
    member: Option<&MemberId>,
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
    Ok(store.declare_incident(title.trim(), severity, member.map(|m| m.as_str()), &actor.operator, now).await?)
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
    let mut out: Vec<Entry> = store
        .incident_events(i.id, 1000)
        .await?
        .into_iter()
        .map(|e| Entry { ts: e.ts, who: e.author, what: format!("{}: {}", e.kind, e.text) })
        .collect();
    let member = i.member_id.as_deref().map(MemberId::from_db);
    for a in store.audit_page(member.as_ref(), 1000).await? {
        if a.ts >= i.declared_at && a.ts <= until && !a.action.as_str().starts_with("incident.") {
            let after = a.after.as_ref().map(|s| format!(" → {s}")).unwrap_or_default();
            out.push(Entry {
                ts: a.ts,
                who: a.operator.to_string(),
                what: format!("{} {}{after}", a.action, a.target),
            });
        }
    }
    for s in store.alert_states(i.declared_at, 1000).await? {
        let touches = i.member_id.as_ref().is_none_or(|m| s.portals.contains(m));
        if touches && s.since >= i.declared_at && s.since <= until {
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

/// The incident as Markdown.
pub fn markdown(i: &Incident, respond: Option<DateTime<Utc>>, entries: &[Entry]) -> String {
    let mut md = format!("# Incident #{}: {}\n\n", i.id, i.title);
    md.push_str(&format!("- Severity: {}\n", i.severity));
    md.push_str(&format!("- Portals: {}\n", i.member_id.as_deref().unwrap_or("all")));
    md.push_str(&format!("- Declared: {} by {}\n", i.declared_at.format("%Y-%m-%d %H:%M UTC"), i.declared_by));
    if let Some(r) = respond {
        md.push_str(&format!("- Respond by: {}\n", r.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Some(r) = i.resolved_at {
        md.push_str(&format!("- Resolved: {}\n", r.format("%Y-%m-%d %H:%M UTC")));
    }
    md.push_str("\n## Timeline\n\n| time (UTC) | who | what |\n|---|---|---|\n");
    for e in entries {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        md.push_str(&format!("| {} | {} | {} |\n", e.ts.format("%Y-%m-%d %H:%M:%S"), cell(&e.who), cell(&e.what)));
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
    Ok(markdown(&i, respond_by(&i, cal), &entries))
}
