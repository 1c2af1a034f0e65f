//! The database itself, watched: when `watch` cannot read it for several cycles in a row, nobody
//! would otherwise hear of it (every rule needs the database), so it sends a notice of its own
//! through the receivers — none of which needs the database — and a resolved notice once it
//! reads again.

use chrono::{DateTime, Utc};

use super::notify::Notice;
use crate::rules::alerts::{AlertState, NoticeKind, Severity};

/// Failed cycles in a row before the outage is announced (one can be a blip).
pub const NOTIFY_AFTER: u32 = 2;
/// The rule name the notices carry.
pub const RULE: &str = "database unreachable";

/// Where an outage of the database stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseOutage {
    since: Option<DateTime<Utc>>,
    failures: u32,
    announced: bool,
}

impl DatabaseOutage {
    /// Counts a cycle that could not read the database; the notice due now, if any.
    pub fn failed(&mut self, now: DateTime<Utc>) -> Option<Notice> {
        let since = *self.since.get_or_insert(now);
        self.failures += 1;
        (self.failures >= NOTIFY_AFTER && !self.announced).then(|| self.notice(since, NoticeKind::Firing, now))
    }

    /// The firing notice reached someone: do not repeat it.
    pub fn announced(&mut self) {
        self.announced = true;
    }

    /// A cycle read the database again; the resolved notice due, if the outage was announced.
    pub fn recovered(&mut self, now: DateTime<Utc>) -> Option<Notice> {
        let due = match self.since {
            Some(since) if self.announced => Some(self.notice(since, NoticeKind::Resolved, now)),
            _ => None,
        };
        *self = DatabaseOutage::default();
        due
    }

    fn notice(&self, since: DateTime<Utc>, kind: NoticeKind, now: DateTime<Utc>) -> Notice {
        // No driver text: it can name hosts, and the receivers are outside.
        let summary = match kind {
            NoticeKind::Firing => format!(
                "b24ops watch cannot read its database since {} ({} failed cycles); no other alert can fire",
                since.format("%Y-%m-%d %H:%M UTC"),
                self.failures
            ),
            NoticeKind::Resolved => "b24ops watch reads its database again".to_owned(),
        };
        let state = AlertState {
            rule: RULE.into(),
            key: "database".into(),
            severity: Severity::Critical,
            firing: kind == NoticeKind::Firing,
            since,
            value: i64::from(self.failures),
            summary,
            portals: Vec::new(),
            last_notified_at: None,
            resolved_at: None,
            acked_by: None,
            snoozed_until: None,
        };
        Notice::of(&state, kind, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_once_after_two_failures_and_resolved_once() {
        let t0: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let mut o = DatabaseOutage::default();
        assert!(o.failed(t0).is_none(), "one failure can be a blip");
        let n = o.failed(t0 + chrono::Duration::minutes(1)).unwrap();
        assert_eq!((n.kind, n.rule.as_str()), (NoticeKind::Firing, RULE));
        assert!(n.summary.contains("2026-11-24 12:00 UTC"));
        assert!(o.failed(t0).is_some(), "not delivered: due again");
        o.announced();
        assert!(o.failed(t0).is_none());
        let r = o.recovered(t0 + chrono::Duration::minutes(5)).unwrap();
        assert_eq!(r.kind, NoticeKind::Resolved);
        assert!(o.recovered(t0).is_none());
        assert!(DatabaseOutage::default().recovered(t0).is_none(), "nothing to resolve");
    }
}
