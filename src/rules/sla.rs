//! SLA clocks for tickets, computed from a ticket's status history on every read — so editing a
//! calendar or a policy re-evaluates every ticket, and no counter ever drifts.
//!
//! Semantics follow Zendesk and Zammad (reference ops-anchors §3): a first-response target runs from
//! creation to the first public reply and never pauses; a resolution target runs from creation to
//! solved and pauses while the ticket waits on the customer (`pending`, `on_hold` by default); a
//! target may count business minutes (the calendar's working hours) or calendar minutes; the
//! countdown shown is in calendar time, so a 2-business-hour target due Monday shows "in 2d 15h" on
//! Friday evening, and "-15m" once breached.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::calendar::Calendar;
use super::deadline::Urgency;

/// Business or calendar time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Only the calendar's working hours count.
    Business,
    /// Every minute counts.
    Calendar,
}

/// One target: so many minutes, counted one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Minutes allowed.
    pub minutes: i64,
    /// How they are counted.
    pub counting: Counting,
}

/// The targets for one priority.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Creation → first public reply.
    pub first_response: Option<Target>,
    /// Creation → solved, paused while waiting on the customer.
    pub resolution: Option<Target>,
}

/// What the clocks need to know about a ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketClock<'a> {
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The first public reply, if any.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was solved, if it is.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Status changes, oldest first: (when, new status).
    pub history: &'a [(DateTime<Utc>, String)],
    /// The status now.
    pub status: &'a str,
}

/// Where one target stands.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TargetState {
    /// Running: due at `due`.
    Running {
        /// The deadline.
        due: DateTime<Utc>,
    },
    /// Paused (waiting on the customer) with this much target time left (negative: overdue).
    Paused {
        /// Minutes left when the clock resumes.
        left_minutes: i64,
    },
    /// Past its deadline and still open.
    Breached {
        /// When it was breached.
        due: DateTime<Utc>,
    },
    /// Fulfilled in time.
    Met {
        /// When.
        at: DateTime<Utc>,
    },
    /// Fulfilled late.
    Missed {
        /// When.
        at: DateTime<Utc>,
        /// When it was due.
        due: DateTime<Utc>,
    },
}

impl TargetState {
    /// The deadline still ahead of or behind an open clock.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Running { due } | Self::Breached { due } => Some(*due),
            _ => None,
        }
    }
}

/// The statuses in which the resolution clock rests.
pub const DEFAULT_PAUSED: [&str; 2] = ["pending", "on_hold"];

/// The statuses that mean solved.
fn is_solved(status: &str) -> bool {
    matches!(status, "solved" | "closed")
}

/// The intervals in which a clock runs, from creation until `end`: all of them, or (with
/// `pausing`) those outside the paused statuses.
fn running_intervals(
    t: &TicketClock<'_>,
    end: DateTime<Utc>,
    paused: &[&str],
    pausing: bool,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if !pausing {
        return if end > t.created_at { vec![(t.created_at, end)] } else { vec![] };
    }
    let mut out = Vec::new();
    let mut since = t.created_at;
    let mut running = true;
    for (at, status) in t.history.iter().filter(|(at, _)| *at >= t.created_at && *at <= end) {
        let now_running = !paused.contains(&status.as_str());
        if running && !now_running && *at > since {
            out.push((since, *at));
        }
        if !running && now_running {
            since = *at;
        }
        running = now_running;
    }
    if running && end > since {
        out.push((since, end));
    }
    out
}

fn spent(cal: &Calendar, target: Target, intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> Duration {
    intervals
        .iter()
        .map(|(a, b)| match target.counting {
            Counting::Business => cal.between(*a, *b),
            Counting::Calendar => *b - *a,
        })
        .fold(Duration::zero(), |x, y| x + y)
}

/// The instant inside `intervals` at which `target` is used up, if it is.
fn used_up_at(cal: &Calendar, target: Target, intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> Option<DateTime<Utc>> {
    let mut left = Duration::minutes(target.minutes);
    for (a, b) in intervals {
        let here = spent(cal, target, &[(*a, *b)]);
        if here >= left {
            return match target.counting {
                Counting::Business => cal.add(*a, left.num_minutes()).map(|t| t.min(*b)),
                Counting::Calendar => Some(*a + left),
            };
        }
        left -= here;
    }
    None
}

/// Where `target` stands for a clock fulfilled at `done` (or still open), as of `now`.
fn evaluate(
    cal: &Calendar,
    target: Target,
    t: &TicketClock<'_>,
    done: Option<DateTime<Utc>>,
    paused: &[&str],
    pausing: bool,
    now: DateTime<Utc>,
) -> TargetState {
    let end = done.unwrap_or(now).max(t.created_at);
    let intervals = running_intervals(t, end, paused, pausing);
    let due = used_up_at(cal, target, &intervals);
    if let Some(at) = done {
        return match due {
            Some(due) if due < at => TargetState::Missed { at, due },
            _ => TargetState::Met { at },
        };
    }
    if let Some(due) = due {
        return TargetState::Breached { due };
    }
    let left = Duration::minutes(target.minutes) - spent(cal, target, &intervals);
    if pausing && paused.contains(&t.status) {
        return TargetState::Paused { left_minutes: left.num_minutes() };
    }
    let due = match target.counting {
        Counting::Business => cal.add(now, left.num_minutes().max(0)).unwrap_or(now),
        Counting::Calendar => now + left,
    };
    TargetState::Running { due }
}

/// Both clocks of a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SlaState {
    /// The first-response clock, if the policy has one.
    pub first_response: Option<TargetState>,
    /// The resolution clock, if the policy has one.
    pub resolution: Option<TargetState>,
}

impl SlaState {
    /// The next deadline of a clock still running or breached (the queue's sort key).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        [self.first_response, self.resolution].iter().flatten().filter_map(TargetState::due).min()
    }

    /// True when some clock is paused and none is running.
    pub fn paused(&self) -> bool {
        let states = [self.first_response, self.resolution];
        states.iter().flatten().any(|s| matches!(s, TargetState::Paused { .. })) && self.next_due().is_none()
    }
}

/// Computes a ticket's clocks under `policy` and `calendar`, as of `now`.
pub fn state(policy: &Policy, cal: &Calendar, paused: &[&str], t: &TicketClock<'_>, now: DateTime<Utc>) -> SlaState {
    let solved_at = t.resolved_at.or_else(|| is_solved(t.status).then_some(now));
    SlaState {
        first_response: policy.first_response.map(|target| {
            // A ticket solved without a reply needs none any more.
            let done = t.first_response_at.or(if is_solved(t.status) { solved_at } else { None });
            evaluate(cal, target, t, done, paused, false, now)
        }),
        resolution: policy.resolution.map(|target| evaluate(cal, target, t, solved_at, paused, true, now)),
    }
}

/// How urgent the next deadline is: near once `near_minutes` or less are left, or no more than
/// `near_share` of the target (whichever comes first); paused clocks are `Done` (drawn grey).
pub fn urgency(s: &SlaState, policy: &Policy, now: DateTime<Utc>, near_share: f64, near_minutes: i64) -> Urgency {
    let Some(due) = s.next_due() else { return Urgency::Done };
    if now > due {
        return Urgency::Breached;
    }
    let left = due - now;
    let target = [
        (s.first_response.and_then(|x| x.due()), policy.first_response),
        (s.resolution.and_then(|x| x.due()), policy.resolution),
    ]
    .into_iter()
    .find(|(d, _)| *d == Some(due))
    .and_then(|(_, t)| t)
    .map(|t| t.minutes)
    .unwrap_or(0);
    if left <= Duration::minutes(near_minutes) || (left.num_minutes() as f64) <= target as f64 * near_share {
        Urgency::Near
    } else {
        Urgency::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> Calendar {
        let day = "09:00-18:00".to_owned();
        Calendar::parse(
            "UTC",
            &[day.clone(), day.clone(), day.clone(), day.clone(), day, String::new(), String::new()],
            &[],
        )
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn critical() -> Policy {
        Policy {
            first_response: Some(Target { minutes: 120, counting: Counting::Business }),
            resolution: Some(Target { minutes: 240, counting: Counting::Calendar }),
        }
    }

    fn clock<'a>(created: &str, history: &'a [(DateTime<Utc>, String)], status: &'a str) -> TicketClock<'a> {
        TicketClock { created_at: at(created), first_response_at: None, resolved_at: None, history, status }
    }

    #[test]
    fn critical_on_friday_evening_is_due_monday_morning() {
        // The support plan's example: a critical ticket opened Friday 17:30 under Mon–Fri 09:00–18:00.
        let t = clock("2026-11-27T17:30:00Z", &[], "new");
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, at("2026-11-27T17:31:00Z"));
        assert_eq!(s.first_response, Some(TargetState::Running { due: at("2026-11-30T10:30:00Z") }));
        // Resolution counts calendar time: 4 h after creation.
        assert_eq!(s.resolution, Some(TargetState::Running { due: at("2026-11-27T21:30:00Z") }));
        assert_eq!(s.next_due(), Some(at("2026-11-27T21:30:00Z")));
    }

    #[test]
    fn replying_stops_the_first_response_clock() {
        let mut t = clock("2026-11-30T09:00:00Z", &[], "open");
        t.first_response_at = Some(at("2026-11-30T10:00:00Z"));
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, at("2026-12-01T09:00:00Z"));
        assert_eq!(s.first_response, Some(TargetState::Met { at: at("2026-11-30T10:00:00Z") }));
        t.first_response_at = Some(at("2026-11-30T11:30:00Z"));
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, at("2026-12-01T09:00:00Z"));
        assert!(matches!(s.first_response, Some(TargetState::Missed { .. })), "{s:?}");
    }

    #[test]
    fn waiting_on_the_customer_pauses_resolution_not_first_response() {
        // Zendesk: requester wait / resolution pause in pending; first reply time never pauses.
        let history =
            vec![(at("2026-11-30T10:00:00Z"), "pending".to_owned()), (at("2026-11-30T12:00:00Z"), "open".to_owned())];
        let mut t = clock("2026-11-30T09:00:00Z", &history, "open");
        t.first_response_at = Some(at("2026-11-30T09:30:00Z"));
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, at("2026-11-30T12:30:00Z"));
        // 1 h ran before pending, 2 h paused, so 3 h remain from 12:00.
        assert_eq!(s.resolution, Some(TargetState::Running { due: at("2026-11-30T15:00:00Z") }));
        let paused_now = clock("2026-11-30T09:00:00Z", &history[..1], "pending");
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &paused_now, at("2026-11-30T11:00:00Z"));
        assert_eq!(s.resolution, Some(TargetState::Paused { left_minutes: 180 }));
        assert!(s.first_response.unwrap().due().is_some(), "first response keeps running while pending");
    }

    #[test]
    fn a_breach_is_dated_when_it_happened_and_counts_down_negative() {
        let mut t = clock("2026-11-30T09:00:00Z", &[], "open");
        t.first_response_at = Some(at("2026-11-30T09:30:00Z"));
        let now = at("2026-11-30T13:15:00Z");
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, now);
        assert_eq!(s.resolution, Some(TargetState::Breached { due: at("2026-11-30T13:00:00Z") }));
        assert_eq!(urgency(&s, &critical(), now, 0.25, 15), Urgency::Breached);
        assert_eq!(crate::rules::timefmt::countdown(s.next_due().unwrap(), now), "-15m");
    }

    #[test]
    fn editing_the_calendar_re_evaluates_from_history() {
        // Zammad/Plain: calendar edits move live deadlines; the time already used stays used.
        let t = clock("2026-11-30T09:00:00Z", &[], "new");
        let now = at("2026-11-30T10:00:00Z");
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, now);
        assert_eq!(s.first_response.unwrap().due(), Some(at("2026-11-30T11:00:00Z")));
        let mut shorter = office();
        shorter.week[0] = vec![(9 * 60, 10 * 60 + 30)];
        let s = state(&critical(), &shorter, &DEFAULT_PAUSED, &t, now);
        // One hour used on Monday, 30 min left on Monday, the last 30 on Tuesday morning.
        assert_eq!(s.first_response.unwrap().due(), Some(at("2026-12-01T09:30:00Z")));
    }

    #[test]
    fn solved_tickets_stop_both_clocks_and_urgency_is_near_within_the_margin() {
        let mut t = clock("2026-11-30T09:00:00Z", &[], "solved");
        t.resolved_at = Some(at("2026-11-30T10:00:00Z"));
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &t, at("2026-11-30T11:00:00Z"));
        assert!(matches!(s.resolution, Some(TargetState::Met { .. })));
        assert!(matches!(s.first_response, Some(TargetState::Met { .. })));
        assert_eq!(s.next_due(), None);
        let open = clock("2026-11-30T09:00:00Z", &[], "new");
        let s = state(&critical(), &office(), &DEFAULT_PAUSED, &open, at("2026-11-30T10:50:00Z"));
        assert_eq!(urgency(&s, &critical(), at("2026-11-30T10:50:00Z"), 0.0, 15), Urgency::Near);
        assert_eq!(urgency(&s, &critical(), at("2026-11-30T09:10:00Z"), 0.25, 15), Urgency::Ok);
    }
}
