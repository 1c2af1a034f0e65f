//! Tickets: the queue with its SLA clocks, intake from every channel (one validation for the form,
//! the JSON API and email), and the changes support makes. Shared by the console, the CLI and
//! `serve`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::tasks::{ActionError, Actor};
use crate::config::SlaRules;
use crate::model::{MemberId, NewTicket, TICKET_PRIORITIES, TICKET_STATUSES, Ticket};
use crate::rules::deadline::Urgency;
use crate::rules::search::Search;
use crate::rules::sla::{self, SlaState, TicketClock};
use crate::store::{Store, StoreError, TicketChange, TicketScope, WriteOutcome};

/// A ticket with its clocks, as the queue shows it.
#[derive(Clone, Debug, Serialize)]
pub struct QueuedTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// Its SLA clocks.
    pub sla: SlaState,
    /// The next deadline of a running or breached clock.
    pub next_due: Option<DateTime<Utc>>,
    /// How urgent it is (`done` while paused or when nothing is due).
    pub urgency: Urgency,
    /// A public reply is queued and not delivered yet (it does not stop the first-response clock).
    pub reply_queued: bool,
    /// Its status pauses the clocks (waiting on the customer), whatever they stood at before.
    pub waiting: bool,
}

/// Evaluates one ticket's clocks as of `now`.
pub fn clocks(rules: &SlaRules, ticket: Ticket, now: DateTime<Utc>) -> QueuedTicket {
    let policy = rules.policy(ticket.priority.as_str());
    let paused: Vec<&str> = rules.paused.iter().map(String::as_str).collect();
    let state = sla::state(
        &policy,
        &rules.calendar,
        &paused,
        &TicketClock {
            created_at: ticket.created_at,
            first_response_at: ticket.first_response_at,
            resolved_at: ticket.resolved_at,
            history: &ticket.history,
            status: ticket.status.as_str(),
        },
        now,
    );
    let urgency = sla::urgency(&state, &policy, now, rules.near_share, rules.near_minutes);
    let waiting = paused.contains(&ticket.status.as_str());
    QueuedTicket { next_due: state.next_due(), urgency, waiting, sla: state, ticket, reply_queued: false }
}

/// The queue: open tickets by next deadline (those without one last), or every ticket newest first.
pub async fn queue(
    store: &Store,
    rules: &SlaRules,
    scope: TicketScope,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<QueuedTicket>, StoreError> {
    queue_matching(store, rules, scope, &Search::default(), limit, now).await
}

/// [`queue`] narrowed by the shared `/` filter.
pub async fn queue_matching(
    store: &Store,
    rules: &SlaRules,
    scope: TicketScope,
    search: &Search,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<QueuedTicket>, StoreError> {
    let waiting = store.tickets_with_replies_waiting().await?;
    let mut out: Vec<QueuedTicket> = store
        .tickets_matching(scope, search, limit)
        .await?
        .into_iter()
        .map(|t| {
            let queued = waiting.contains(&t.id);
            QueuedTicket { reply_queued: queued, ..clocks(rules, t, now) }
        })
        .collect();
    if scope == TicketScope::Open {
        out.sort_by_key(|q| (q.next_due.is_none(), q.next_due, q.ticket.created_at, q.ticket.id));
    }
    Ok(out)
}

/// Why a new ticket was refused, field by field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<(String, String)>);

/// Limits on what a ticket may hold.
pub const SUBJECT_MAX: usize = 200;
/// The longest message body accepted, in bytes.
pub const BODY_MAX: usize = 64 * 1024;

/// What a requester sent, before checking.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketForm {
    /// Subject.
    pub subject: String,
    /// The message.
    pub body: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Portal id.
    pub member_id: String,
    /// Portal domain.
    pub domain: String,
    /// low / normal / high / critical.
    pub priority: String,
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, host)) = s.split_once('@') else { return false };
    !local.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';'))
}

fn looks_like_domain(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// Checks a submission and resolves its portal: a member_id must exist; a domain alone is matched
/// to a portal when one has it (else kept, and the ticket flagged for attaching).
pub async fn validate(store: &Store, channel: &str, f: &TicketForm) -> Result<Result<NewTicket, Invalid>, StoreError> {
    let mut bad = Vec::new();
    let mut say = |field: &str, msg: &str| bad.push((field.to_owned(), msg.to_owned()));
    for (field, value) in [
        ("subject", &f.subject),
        ("body", &f.body),
        ("name", &f.name),
        ("email", &f.email),
        ("member_id", &f.member_id),
        ("domain", &f.domain),
        ("priority", &f.priority),
    ] {
        if let Err(why) = crate::rules::intake_values::check_storable(field, value) {
            // Named here, before any lookup: PostgreSQL would refuse it as a server error.
            return Ok(Err(Invalid(vec![(field.to_owned(), why)])));
        }
    }
    let subject = f.subject.trim();
    let body = f.body.trim();
    if subject.is_empty() {
        say("subject", "required");
    } else if subject.chars().count() > SUBJECT_MAX {
        say("subject", &format!("at most {SUBJECT_MAX} characters"));
    }
    if body.is_empty() {
        say("body", "required");
    } else if body.len() > BODY_MAX {
        say("body", &format!("at most {} KB", BODY_MAX / 1024));
    }
    let email = f.email.trim();
    if !email.is_empty() && !looks_like_email(email) {
        say("email", "not an email address");
    }
    if f.name.trim().chars().count() > 200 {
        say("name", "at most 200 characters");
    }
    let priority = if f.priority.trim().is_empty() { "normal".to_owned() } else { f.priority.trim().to_lowercase() };
    if !TICKET_PRIORITIES.contains(&priority.as_str()) {
        say("priority", "one of low, normal, high, critical");
    }
    let domain = f.domain.trim().to_lowercase();
    if !domain.is_empty() && !looks_like_domain(&domain) {
        say("domain", "not a domain name");
    }
    let mut member_id = None;
    let mut known_domain = (!domain.is_empty()).then(|| domain.clone());
    if !f.member_id.trim().is_empty() {
        match MemberId::parse(f.member_id.trim()) {
            Err(_) => say("member_id", "not a member_id (letters, digits, 1–64)"),
            Ok(m) => match store.portal(&m).await? {
                Some(p) => {
                    known_domain = Some(p.domain.as_str().to_owned());
                    member_id = Some(m.as_str().to_owned());
                }
                None => say("member_id", "no portal with this member_id has installed the app"),
            },
        }
    } else if looks_like_domain(&domain)
        && let Some(p) = store.portal_by_domain(&domain).await?
    {
        member_id = Some(p.member_id.as_str().to_owned());
    }
    if !bad.is_empty() {
        return Ok(Err(Invalid(bad)));
    }
    Ok(Ok(NewTicket {
        channel: channel.to_owned(),
        member_id,
        domain: known_domain,
        subject: subject.to_owned(),
        requester_name: Some(f.name.trim().to_owned()).filter(|s| !s.is_empty()),
        requester_email: Some(email.to_owned()).filter(|s| !s.is_empty()),
        priority,
        body: body.to_owned(),
        message_id: None,
        claimed_thread_of: None,
    }))
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Read-only, or the database.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// A value that is not allowed.
    #[error("{0}")]
    Invalid(String),
}

impl From<StoreError> for ChangeError {
    fn from(e: StoreError) -> Self {
        ChangeError::Action(ActionError::Store(e))
    }
}

/// Applies a change by `actor` (refused in read-only mode; values checked here).
pub async fn change(
    store: &Store,
    actor: &Actor,
    id: i64,
    change: TicketChange,
    now: DateTime<Utc>,
) -> Result<WriteOutcome, ChangeError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    match &change {
        TicketChange::Status(s) if !TICKET_STATUSES.contains(&s.as_str()) => {
            return Err(ChangeError::Invalid(format!("status {s:?}: one of {}", TICKET_STATUSES.join(", "))));
        }
        TicketChange::Priority(p) if !TICKET_PRIORITIES.contains(&p.as_str()) => {
            return Err(ChangeError::Invalid(format!("priority {p:?}: one of {}", TICKET_PRIORITIES.join(", "))));
        }
        TicketChange::Reply(b) | TicketChange::Note(b) if b.trim().is_empty() => {
            return Err(ChangeError::Invalid("an empty reply".into()));
        }
        _ => {}
    }
    Ok(store.change_ticket(id, &change, &actor.operator, now).await?)
}

/// Attaches a ticket to the portal at `domain` (or with that member_id).
pub async fn attach(
    store: &Store,
    actor: &Actor,
    id: i64,
    who: &str,
    now: DateTime<Utc>,
) -> Result<WriteOutcome, ChangeError> {
    let who = who.trim();
    let portal = match MemberId::parse(who) {
        Ok(m) if m.looks_canonical() => store.portal(&m).await?,
        _ => store.portal_by_domain(who).await?,
    };
    let Some(p) = portal else {
        return Err(ChangeError::Invalid(format!("no portal with member_id or domain {who:?}")));
    };
    change(
        store,
        actor,
        id,
        TicketChange::Attach { member_id: p.member_id.as_str().to_owned(), domain: p.domain.as_str().to_owned() },
        now,
    )
    .await
}

/// What a change is called in the status line.
pub fn describe_change(change: &TicketChange) -> String {
    match change {
        // Stored and queued, not yet sent: the thread shows when it leaves.
        TicketChange::Reply(_) => "reply queued — the thread shows when it is sent".into(),
        TicketChange::Note(_) => "note added".into(),
        TicketChange::Status(s) => format!("status {s}"),
        TicketChange::Priority(p) => format!("priority {p}"),
        TicketChange::Assign(a) => format!("assigned to {a}"),
        TicketChange::Attach { domain, .. } => format!("attached to {domain}"),
    }
}
