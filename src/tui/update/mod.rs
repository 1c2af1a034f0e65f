//! `update(state, msg) -> effects`: every change to the console's state happens here, and nothing
//! here waits on the database. Queries are returned as [`Effect`]s for the runner to spawn; their
//! answers come back as [`Msg`]s tagged with the generation they were asked for.

mod alerts;
mod audit;
mod calls;
mod errors;
mod maintenance;
mod overlay;
mod portal;
mod reviews;
mod tasks;
mod tickets;
mod tokens;

pub use audit::AUDIT_LIMIT;
pub use overlay::{ARG_COMMANDS, suggestions as palette_suggestions};
pub use reviews::{AUTOSAVE_AFTER_SECS, REVIEW_LIMIT};
pub use tasks::TASK_LIMIT;
pub use tickets::{THREAD_LIMIT, TICKET_LIMIT, describe as describe_ticket_change};
pub use tokens::TOKEN_LIMIT;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyEvent;

use super::commands::{self, Command, Scope};
use super::state::{AppState, Confirmable, Flash, Health, Loadable, Overlay, Screen};
use crate::model::{
    ApiCall, AuditEntry, ErrorGroup, GroupBy, MemberId, NewReview, ReviewDetail, TaskBrief, TaskDetail, TicketMessage,
};
use crate::rules::call_filter::CallFilter;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReplyAction;
use crate::rules::task_filter::TaskFilter;
use crate::services::alerts::AlertRow;
use crate::services::diagnose::Diagnosis;
use crate::services::maintenance::CheckReport;
use crate::services::notify::{Notice, Notified};
use crate::services::overview::{PortalOverview, PortalRef};
use crate::services::reviews::InboxEntry;
use crate::services::tasks::BulkReport;
use crate::services::tickets::QueuedTicket;
use crate::services::tokens::{RefreshOutcome, TokenBoard};
use crate::store::{CallPage, PageDirection};
use crate::store::{DraftOutcome, MarkOutcome, TaskAction, TicketChange, WriteOutcome};

/// Rows per page of calls.
pub const PAGE: i64 = 200;

/// The open incident and when the team must respond by.
pub type OpenIncident = (crate::store::Incident, Option<DateTime<Utc>>);

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// Text was pasted.
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// One second passed.
    ClockTick(DateTime<Utc>),
    /// Time to poll the live tail.
    TailTick,
    /// Time to refresh counts and the visible summary.
    RefreshTick,
    /// A page of calls arrived.
    CallsLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// Which page.
        dir: PageDirection,
        /// The page or why not.
        result: Result<CallPage, String>,
    },
    /// A call's full detail arrived.
    CallDetail {
        /// The call asked for.
        id: i64,
        /// The call or why not.
        result: Result<Option<ApiCall>, String>,
    },
    /// Error groups arrived.
    ErrorsLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The groups or why not.
        result: Result<Vec<ErrorGroup>, String>,
        /// The instant they were computed for.
        as_of: DateTime<Utc>,
    },
    /// A portal overview arrived (`None`: no such portal).
    PortalLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The overview or why not.
        result: Result<Option<PortalOverview>, String>,
    },
    /// The header's count of firing alerts.
    Firing(Result<i64, String>),
    /// The open incident (or none) and its respond-by time.
    IncidentLoaded(Result<Option<OpenIncident>, String>),
    /// An incident command finished: what to say, or why not.
    IncidentDone(Result<String, String>),
    /// A health check answered.
    Ping(Result<(), String>),
    /// Tasks arrived.
    TasksLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The tasks or why not.
        result: Result<Vec<TaskBrief>, String>,
    },
    /// A task's detail arrived.
    TaskDetailLoaded {
        /// The task asked for.
        id: i64,
        /// The detail or why not.
        result: Result<Option<TaskDetail>, String>,
    },
    /// A restart or discard of named tasks finished.
    TaskActed {
        /// What was done.
        action: TaskAction,
        /// Per task, or why not.
        result: Result<Vec<(i64, WriteOutcome)>, String>,
    },
    /// The count for a confirmation arrived.
    Counted {
        /// What the confirmation is about.
        what: Confirmable,
        /// The count or why not.
        result: Result<i64, String>,
    },
    /// A bulk action advanced.
    BulkProgress(BulkReport),
    /// A bulk action finished.
    BulkDone(Result<BulkReport, String>),
    /// The review inbox arrived.
    ReviewsLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The inbox or why not.
        result: Result<Vec<InboxEntry>, String>,
    },
    /// A review in full arrived (for the detail pane).
    ReviewDetailLoaded {
        /// The review asked for.
        id: i64,
        /// The review or why not.
        result: Result<Option<ReviewDetail>, String>,
    },
    /// A review arrived fresh for the editor.
    EditorReady {
        /// The review asked for.
        id: i64,
        /// Go straight on to `$EDITOR`.
        external: bool,
        /// The review or why not.
        result: Result<Option<ReviewDetail>, String>,
    },
    /// The editor's portal context arrived.
    EditorContext {
        /// The review it is for.
        id: i64,
        /// The overview or why not.
        result: Result<Option<PortalOverview>, String>,
    },
    /// A draft save finished.
    DraftSaved {
        /// The review.
        id: i64,
        /// The text that was sent.
        text: String,
        /// What happened.
        result: Result<DraftOutcome, String>,
        /// After a conflict: the review as the other writer left it.
        theirs: Option<ReviewDetail>,
    },
    /// Marking a reply finished.
    ReplyMarked {
        /// The review.
        id: i64,
        /// What happened.
        result: Result<MarkOutcome, String>,
    },
    /// A review import finished: what it did, or why nothing was imported.
    ReviewsImported(Result<String, String>),
    /// Adding a review finished (`None`: its Marketplace id exists).
    ReviewAdded(Result<Option<i64>, String>),
    /// `$EDITOR` closed: the text it left, or why not.
    ExternalEdited {
        /// The review.
        id: i64,
        /// The text or why not.
        result: Result<String, String>,
    },
    /// A copy to the clipboard finished: what to tell the operator.
    Copied(Result<String, String>),
    /// Audit rows arrived.
    AuditLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The rows or why not.
        result: Result<Vec<AuditEntry>, String>,
    },
    /// The Tokens board arrived.
    TokensLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The board or why not.
        result: Result<TokenBoard, String>,
    },
    /// One portal's refresh finished.
    TokenRefreshed {
        /// The portal.
        member_id: MemberId,
        /// What came of it.
        result: Result<RefreshOutcome, String>,
    },
    /// A refresh of many portals advanced: done, total, alive.
    RefreshRunProgress(usize, usize, usize),
    /// A refresh of many portals finished: (alive, total) or why it stopped.
    RefreshRunDone(Result<(usize, usize), String>),
    /// A diagnosis arrived.
    Diagnosed {
        /// The portal.
        member_id: MemberId,
        /// The diagnosis or why not.
        result: Result<Diagnosis, String>,
    },
    /// An admin notice was prepared (or why not): shown before anything is sent.
    NoticePrepared {
        /// The portal.
        member_id: MemberId,
        /// The notice or why there is none.
        result: Result<Notice, String>,
    },
    /// A notification went out (or not).
    Notified {
        /// The portal.
        member_id: MemberId,
        /// What was sent or why not.
        result: Result<Notified, String>,
    },
    /// The ticket queue arrived.
    TicketsLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The queue or why not.
        result: Result<Vec<QueuedTicket>, String>,
    },
    /// A ticket's thread arrived.
    ThreadLoaded {
        /// The ticket.
        id: i64,
        /// The messages or why not.
        result: Result<Vec<TicketMessage>, String>,
    },
    /// The firing alerts arrived.
    AlertsLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The alerts or why not.
        result: Result<Vec<AlertRow>, String>,
    },
    /// An acknowledgement or snooze finished: what to say, or why not.
    AlertQuieted(String, Result<(), String>),
    /// The planned checks arrived.
    MaintenanceLoaded {
        /// The generation it was asked for.
        generation: u64,
        /// The checks or why not.
        result: Result<Vec<CheckReport>, String>,
    },
    /// Marking a check done finished.
    CheckMarked(&'static str, Result<(), String>),
    /// A ticket change finished.
    TicketChanged {
        /// The ticket.
        id: i64,
        /// What was done, for the status line.
        what: String,
        /// What happened.
        result: Result<WriteOutcome, String>,
    },
}

/// Work for the runner: each becomes a background task that answers with a [`Msg`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Load a page of calls.
    LoadCalls {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: CallFilter,
        /// Which page.
        dir: PageDirection,
    },
    /// Load one call's detail.
    LoadDetail(i64),
    /// Load error groups.
    LoadErrors {
        /// Generation to tag the answer with.
        generation: u64,
        /// How to group.
        group_by: GroupBy,
        /// How many groups, busiest first.
        limit: i64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Load a portal overview.
    LoadPortal {
        /// Generation to tag the answer with.
        generation: u64,
        /// Which portal.
        who: PortalRef,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Count firing alerts (and look for an open incident).
    LoadFiring(DateTime<Utc>),
    /// Load the open incident.
    LoadIncident,
    /// Declare an incident (critical, all portals), add a note, or resolve it.
    IncidentCommand {
        /// declare, note, resolve.
        verb: &'static str,
        /// The title, note or summary.
        text: String,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Check the database.
    Ping,
    /// Load tasks.
    LoadTasks {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: TaskFilter,
    },
    /// Load one task in full.
    LoadTaskDetail(i64),
    /// Restart or discard named tasks.
    ActOnTasks {
        /// What to do.
        action: TaskAction,
        /// Which tasks.
        ids: Vec<i64>,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Count what a confirmation is about.
    Count(Confirmable),
    /// Restart or discard every failed task matching a filter, reporting progress.
    Bulk {
        /// What to do.
        action: TaskAction,
        /// Which tasks.
        filter: TaskFilter,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Load the review inbox.
    LoadReviews {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: ReviewFilter,
        /// As of when (the clocks).
        now: DateTime<Utc>,
    },
    /// Load one review in full for the detail pane.
    LoadReviewDetail(i64),
    /// Load one review fresh and open the editor on it.
    OpenEditor {
        /// The review.
        id: i64,
        /// Go straight on to `$EDITOR`.
        external: bool,
    },
    /// Load the portal context beside the editor.
    LoadEditorContext {
        /// The review it is for.
        id: i64,
        /// Its portal.
        member_id: MemberId,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Save a reply draft at a version.
    SaveDraft {
        /// The review.
        id: i64,
        /// The version the editor holds.
        version: Option<DateTime<Utc>>,
        /// The text.
        text: String,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Mark a reply ready or published.
    MarkReply {
        /// The review.
        id: i64,
        /// Which.
        action: ReplyAction,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Add a review typed in by hand.
    AddReview {
        /// The review.
        review: NewReview,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Import a review file.
    ImportReviews {
        /// The file.
        path: std::path::PathBuf,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Put text on the clipboard (needs the terminal: the event loop does it).
    Copy(String),
    /// Hand the draft to `$EDITOR` (needs the terminal: the event loop does it).
    EditExternally {
        /// The review.
        id: i64,
        /// The text to start from.
        text: String,
    },
    /// Load audit rows.
    LoadAudit {
        /// Generation to tag the answer with.
        generation: u64,
        /// Only this portal.
        member_id: Option<MemberId>,
    },
    /// Load the Tokens board.
    LoadTokens {
        /// Generation to tag the answer with.
        generation: u64,
    },
    /// Refresh one portal's tokens.
    RefreshToken(MemberId),
    /// Refresh every live portal within `days` of token death, paced, reporting progress.
    RefreshExpiring {
        /// The window.
        days: i64,
    },
    /// Diagnose a portal.
    Diagnose(MemberId),
    /// Prepare the notice for a portal's admin (sends nothing).
    PrepareNotice(MemberId),
    /// Send a prepared notice as it was shown.
    NotifyAdmin(Notice),
    /// Load the ticket queue.
    LoadTickets {
        /// Generation to tag the answer with.
        generation: u64,
        /// Every ticket, not only open ones.
        all: bool,
        /// As of when (the clocks).
        now: DateTime<Utc>,
    },
    /// Load a ticket's thread.
    LoadThread(i64),
    /// Evaluate the alert rules for the Alerts tab (and the header's count).
    LoadAlerts {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Load the planned checks.
    LoadMaintenance {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Mark a planned check done.
    MarkCheckDone {
        /// The check.
        check: &'static str,
        /// The note.
        note: String,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Acknowledge (`until` None) or snooze an alert.
    QuietAlert {
        /// The alert.
        row: Box<AlertRow>,
        /// Snoozed until.
        until: Option<DateTime<Utc>>,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Change a ticket.
    ChangeTicket {
        /// The ticket.
        id: i64,
        /// The change.
        change: TicketChange,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Attach a ticket to the portal with this domain or member_id.
    AttachTicket {
        /// The ticket.
        id: i64,
        /// Domain or member_id.
        who: String,
        /// As of when.
        now: DateTime<Utc>,
    },
}

/// What `update` did.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Work to start.
    pub effects: Vec<Effect>,
    /// True when the screen must be redrawn.
    pub dirty: bool,
}

impl Outcome {
    fn redraw(effects: Vec<Effect>) -> Self {
        Outcome { effects, dirty: true }
    }
}

/// The effects to run when the console opens.
pub fn start(state: &mut AppState) -> Vec<Effect> {
    let mut fx = calls::reload(state);
    fx.push(Effect::LoadFiring(state.now));
    fx.push(Effect::LoadIncident);
    fx
}

/// Applies `msg` to `state`.
pub fn update(state: &mut AppState, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(key) => {
            // Someone is at the keyboard: the tail answers at full rate again.
            state.calls.quiet_polls = 0;
            Outcome::redraw(on_key(state, key))
        }
        Msg::Paste(text) => {
            overlay::paste(state, &text);
            Outcome::redraw(vec![])
        }
        Msg::Resize => Outcome::redraw(vec![]),
        Msg::ClockTick(now) => {
            // The header shows minutes; a frame a second would cost CPU for nothing.
            let minute_changed = now.timestamp() / 60 != state.now.timestamp() / 60;
            state.now = now;
            let flash_expired = state.flash.as_ref().is_some_and(|f| f.until <= now);
            if flash_expired {
                state.flash = None;
            }
            let down = matches!(state.health, Health::Down { .. });
            let effects = reviews::autosave(state);
            let editing = matches!(state.overlay, Some(Overlay::ReplyEditor(_)));
            Outcome { dirty: minute_changed || flash_expired || down || (editing && !effects.is_empty()), effects }
        }
        Msg::TailTick => Outcome { effects: calls::tail(state), dirty: false },
        Msg::RefreshTick => Outcome { effects: refresh(state), dirty: false },
        Msg::CallsLoaded { generation, dir, result } => {
            // An empty tail poll changes nothing on screen: no frame for it.
            let before = calls::fingerprint(state);
            let effects = calls::loaded(state, generation, dir, result);
            Outcome { effects, dirty: calls::fingerprint(state) != before }
        }
        Msg::CallDetail { id, result } => Outcome { effects: vec![], dirty: calls::detail(state, id, result) },
        Msg::ErrorsLoaded { generation, result, as_of } => {
            errors::loaded(state, generation, result, as_of);
            Outcome::redraw(vec![])
        }
        Msg::PortalLoaded { generation, result } => {
            portal::loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
        Msg::Firing(result) => {
            // Polled with every refresh; the header changes only when the count does.
            let dirty = match result {
                Ok(n) => state.firing.replace(n) != Some(n),
                Err(e) => {
                    db_failed(state, e);
                    true
                }
            };
            Outcome { effects: vec![], dirty }
        }
        Msg::Ping(result) => {
            // The ping runs on every refresh: one that finds the database as it was draws nothing.
            let before = state.health.clone();
            let effects = on_ping(state, result);
            Outcome { dirty: state.health != before, effects }
        }
        Msg::IncidentLoaded(result) => match result {
            Ok(i) => {
                let dirty = state.incident != i;
                state.incident = i;
                Outcome { effects: vec![], dirty }
            }
            Err(e) => {
                db_failed(state, e);
                Outcome::redraw(vec![])
            }
        },
        Msg::IncidentDone(result) => {
            match result {
                Ok(m) => flash(state, m, false),
                Err(e) => flash(state, e, true),
            }
            Outcome::redraw(vec![Effect::LoadIncident])
        }
        Msg::TasksLoaded { generation, result } => Outcome::redraw(tasks::loaded(state, generation, result)),
        Msg::TaskDetailLoaded { id, result } => {
            tasks::detail(state, id, result);
            Outcome::redraw(vec![])
        }
        Msg::TaskActed { action, result } => Outcome::redraw(tasks::acted(state, action, result)),
        Msg::Counted { what, result } => {
            tasks::counted(state, what, result);
            Outcome::redraw(vec![])
        }
        Msg::BulkProgress(report) => {
            tasks::bulk_progress(state, report);
            Outcome::redraw(vec![])
        }
        Msg::BulkDone(result) => Outcome::redraw(tasks::bulk_done(state, result)),
        Msg::ReviewsLoaded { generation, result } => {
            let (effects, dirty) = reviews::loaded(state, generation, result);
            Outcome { effects, dirty }
        }
        Msg::ReviewDetailLoaded { id, result } => {
            Outcome { effects: vec![], dirty: reviews::detail(state, id, result) }
        }
        Msg::EditorReady { id, external, result } => {
            Outcome::redraw(reviews::editor_ready(state, id, external, result))
        }
        Msg::EditorContext { id, result } => {
            reviews::editor_context(state, id, result);
            Outcome::redraw(vec![])
        }
        Msg::DraftSaved { id, text, result, theirs } => {
            Outcome::redraw(reviews::draft_saved(state, id, text, result, theirs))
        }
        Msg::ReplyMarked { id, result } => Outcome::redraw(reviews::marked(state, id, result)),
        Msg::ReviewAdded(result) => Outcome::redraw(reviews::added(state, result)),
        Msg::ReviewsImported(result) => Outcome::redraw(reviews::imported(state, result)),
        Msg::ExternalEdited { id, result } => Outcome::redraw(reviews::external_edited(state, id, result)),
        Msg::Copied(result) => {
            match result {
                Ok(m) => flash(state, m, false),
                Err(e) => flash(state, format!("not copied: {e}"), true),
            }
            Outcome::redraw(vec![])
        }
        Msg::AuditLoaded { generation, result } => {
            audit::loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
        Msg::TokensLoaded { generation, result } => {
            Outcome { effects: vec![], dirty: tokens::loaded(state, generation, result) }
        }
        Msg::TokenRefreshed { member_id, result } => Outcome::redraw(tokens::refreshed(state, member_id, result)),
        Msg::RefreshRunProgress(done, total, alive) => {
            tokens::run_progress(state, done, total, alive);
            Outcome::redraw(vec![])
        }
        Msg::RefreshRunDone(result) => Outcome::redraw(tokens::run_done(state, result)),
        Msg::Diagnosed { member_id, result } => {
            tokens::diagnosed(state, member_id, result);
            Outcome::redraw(vec![])
        }
        Msg::NoticePrepared { member_id, result } => Outcome::redraw(tokens::notice_prepared(state, member_id, result)),
        Msg::Notified { member_id, result } => Outcome::redraw(tokens::notified(state, member_id, result)),
        Msg::TicketsLoaded { generation, result } => {
            Outcome { effects: vec![], dirty: tickets::loaded(state, generation, result) }
        }
        Msg::ThreadLoaded { id, result } => {
            tickets::thread(state, id, result);
            Outcome::redraw(vec![])
        }
        Msg::TicketChanged { id, what, result } => Outcome::redraw(tickets::changed(state, id, what, result)),
        Msg::AlertsLoaded { generation, result } => {
            Outcome { effects: vec![], dirty: alerts::loaded(state, generation, result) }
        }
        Msg::AlertQuieted(what, result) => Outcome::redraw(alerts::quieted(state, what, result)),
        Msg::MaintenanceLoaded { generation, result } => {
            maintenance::loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
        Msg::CheckMarked(check, result) => Outcome::redraw(maintenance::marked(state, check, result)),
    }
}

/// The scopes a key is looked up in on the current screen, most specific first.
pub fn scopes(screen: Screen) -> &'static [Scope] {
    match screen {
        Screen::Calls => &[Scope::Calls, Scope::List, Scope::Global],
        Screen::Errors => &[Scope::Errors, Scope::List, Scope::Global],
        Screen::Tasks => &[Scope::Tasks, Scope::List, Scope::Global],
        Screen::Audit => &[Scope::Audit, Scope::List, Scope::Global],
        Screen::Portal => &[Scope::Portal, Scope::List, Scope::Global],
        Screen::Reviews => &[Scope::Reviews, Scope::List, Scope::Global],
        Screen::Tokens => &[Scope::Tokens, Scope::List, Scope::Global],
        Screen::Tickets => &[Scope::Tickets, Scope::List, Scope::Global],
        Screen::Alerts => &[Scope::Alerts, Scope::List, Scope::Global],
        Screen::Maintenance => &[Scope::Maintenance, Scope::List, Scope::Global],
    }
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.overlay.is_some() {
        return overlay::key(state, key);
    }
    match commands::lookup(&key, scopes(state.screen), state.read_only) {
        Some(cmd) => run(state, cmd),
        None if state.read_only => {
            // The key would write: say why nothing happens rather than ignore it.
            if let Some(spec) = commands::lookup(&key, scopes(state.screen), false)
                .and_then(|cmd| commands::REGISTRY.iter().find(|s| s.command == cmd && s.writes))
            {
                flash(state, format!("{}: refused, b24ops is in read-only mode", spec.name), true);
            }
            vec![]
        }
        None => vec![],
    }
}

/// Runs a command (from a key or the palette).
pub fn run(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Quit => {
            state.quit = true;
            vec![]
        }
        Command::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Command::Palette => {
            state.overlay = Some(Overlay::Palette(super::prompt::Prompt::new("", "command — Tab cycles, ↵ runs")));
            vec![]
        }
        Command::Filter if state.screen == Screen::Tasks => {
            let text = state.tasks.filter.to_text();
            let text = if text.is_empty() { text } else { format!("{text} ") };
            state.overlay = Some(Overlay::TaskFilter(super::prompt::Prompt::new(
                &text,
                "member:ID kind:K status:S words-in-error",
            )));
            vec![]
        }
        Command::Filter if state.screen == Screen::Reviews => {
            let text = state.reviews.filter.to_text();
            let text = if text.is_empty() { text } else { format!("{text} ") };
            state.overlay =
                Some(Overlay::ReviewFilter(super::prompt::Prompt::new(&text, "member:ID stars:1-2 status:S words")));
            vec![]
        }
        Command::Filter if state.screen == Screen::Audit => {
            let text = state.audit.member_id.as_ref().map(|m| format!("{m}")).unwrap_or_default();
            state.overlay = Some(Overlay::AuditFilter(super::prompt::Prompt::new(&text, "member_id (empty: all)")));
            vec![]
        }
        Command::Filter => {
            let text = state.calls.filter.to_text();
            let text = if text.is_empty() { text } else { format!("{text} ") };
            state.overlay = Some(Overlay::Filter(super::prompt::Prompt::new(
                &text,
                "member:ID domain:D method:M code:C errors slow:N",
            )));
            vec![]
        }
        Command::Back => back(state),
        Command::TabCalls => switch(state, Screen::Calls),
        Command::TabErrors => switch(state, Screen::Errors),
        Command::TabTasks => switch(state, Screen::Tasks),
        Command::TabAudit => switch(state, Screen::Audit),
        Command::TabReviews => switch(state, Screen::Reviews),
        Command::TabTokens => switch(state, Screen::Tokens),
        Command::TabTickets => switch(state, Screen::Tickets),
        Command::TabAlerts => switch(state, Screen::Alerts),
        Command::TabMaintenance => switch(state, Screen::Maintenance),
        Command::OpenPortal => match state.selected_member() {
            Some(m) => portal::open(state, PortalRef::Member(m)),
            None => {
                flash(state, "no portal on this row", true);
                vec![]
            }
        },
        Command::Refresh => match state.screen {
            Screen::Calls => calls::reload(state),
            Screen::Errors => errors::reload(state),
            Screen::Tasks => tasks::reload(state),
            Screen::Audit => audit::reload(state),
            Screen::Portal => portal::reload_quietly(state),
            Screen::Reviews => reviews::reload(state),
            Screen::Tokens => tokens::reload(state),
            Screen::Tickets => tickets::reload(state),
            Screen::Alerts => alerts::reload(state),
            Screen::Maintenance => maintenance::reload(state),
        },
        other => match state.screen {
            Screen::Calls => calls::command(state, other),
            Screen::Errors => errors::command(state, other),
            Screen::Tasks => tasks::command(state, other),
            Screen::Audit => audit::command(state, other),
            Screen::Portal => portal::command(state, other),
            Screen::Reviews => reviews::command(state, other),
            Screen::Tokens => tokens::command(state, other),
            Screen::Tickets => tickets::command(state, other),
            Screen::Alerts => alerts::command(state, other),
            Screen::Maintenance => maintenance::command(state, other),
        },
    }
}

fn switch(state: &mut AppState, to: Screen) -> Vec<Effect> {
    if state.screen == to {
        return vec![];
    }
    state.screen = to;
    match to {
        Screen::Errors => errors::reload(state),
        Screen::Calls => calls::tail(state),
        Screen::Tasks => tasks::reload(state),
        Screen::Audit => audit::reload(state),
        Screen::Portal => vec![],
        Screen::Reviews => reviews::reload(state),
        Screen::Tokens => tokens::reload(state),
        Screen::Tickets => tickets::reload(state),
        Screen::Alerts => alerts::reload(state),
        Screen::Maintenance => maintenance::reload(state),
    }
}

fn back(state: &mut AppState) -> Vec<Effect> {
    match state.screen {
        Screen::Portal => {
            let to = state.portal.as_ref().map(|p| p.back_to).unwrap_or(Screen::Calls);
            state.screen = to;
            if to == Screen::Calls { calls::tail(state) } else { vec![] }
        }
        Screen::Calls if !state.calls.filter.is_empty() => calls::set_filter(state, CallFilter::default()),
        Screen::Tokens => {
            state.tokens.diagnosis = None;
            vec![]
        }
        Screen::Tickets => {
            state.tickets.thread = None;
            vec![]
        }
        _ => vec![],
    }
}

/// How often the header's count of firing alerts is evaluated.
const FIRING_EVERY: chrono::Duration = chrono::Duration::seconds(30);

fn refresh(state: &mut AppState) -> Vec<Effect> {
    if let Health::Down { retry_at, .. } = state.health {
        return if state.now >= retry_at { vec![Effect::Ping] } else { vec![] };
    }
    // On the Alerts tab its own load counts what fires too: one evaluation, not two. Elsewhere
    // the header's count is asked for every FIRING_EVERY: every rule is evaluated for it, and
    // windows of minutes do not need a fresher count (idle CPU is a target).
    // The ping also tells a SQLite file deleted or replaced under the console (the header says
    // so and writes stop) from one that is merely quiet.
    let mut fx = vec![Effect::LoadIncident, Effect::Ping];
    let due = state.firing_asked.is_none_or(|at| state.now - at >= FIRING_EVERY);
    if state.screen != Screen::Alerts && due {
        state.firing_asked = Some(state.now);
        fx.push(Effect::LoadFiring(state.now));
    }
    match state.screen {
        Screen::Errors => fx.extend(errors::reload_quietly(state)),
        Screen::Portal => fx.extend(portal::reload_quietly(state)),
        Screen::Tasks if state.tasks.bulk.as_ref().is_none_or(|b| b.done) => fx.extend(tasks::reload_quietly(state)),
        Screen::Audit => fx.extend(audit::reload_quietly(state)),
        Screen::Tokens => fx.extend(tokens::reload_quietly(state)),
        Screen::Alerts => fx.extend(alerts::reload_quietly(state)),
        // While a reply is being written the queue stays put under it.
        Screen::Tickets if state.overlay.is_none() => {
            fx.extend(tickets::reload_quietly(state));
            fx.extend(tickets::thread_in_flight(state).map(Effect::LoadThread));
        }
        // While the editor is open the list stays put under it.
        Screen::Reviews if state.overlay.is_none() => fx.extend(reviews::reload_quietly(state)),
        Screen::Calls | Screen::Tasks | Screen::Reviews | Screen::Tickets | Screen::Maintenance => {}
    }
    fx
}

fn on_ping(state: &mut AppState, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            let was_down = matches!(state.health, Health::Down { .. });
            state.health = Health::Up;
            if was_down {
                flash(state, "database is back", false);
                let mut fx = calls::reload(state);
                fx.push(Effect::LoadFiring(state.now));
                if state.screen == Screen::Errors {
                    fx.extend(errors::reload(state));
                }
                return fx;
            }
            vec![]
        }
        Err(e) => {
            db_failed(state, e);
            if let Health::Down { retry_at, backoff_secs, .. } = &mut state.health {
                *retry_at = state.now + Duration::seconds(*backoff_secs);
                *backoff_secs = (*backoff_secs * 2).min(60);
            }
            vec![]
        }
    }
}

/// Records a database failure: the header turns red and refreshes turn into health checks.
pub(crate) fn db_failed(state: &mut AppState, reason: String) {
    if !matches!(state.health, Health::Down { .. }) {
        tracing::warn!(%reason, "database unreachable");
        state.health = Health::Down { reason, since: state.now, retry_at: state.now, backoff_secs: 2 };
    }
}

/// Shows a message in the status line for a few seconds.
pub(crate) fn flash(state: &mut AppState, text: impl Into<String>, error: bool) {
    state.flash =
        Some(Flash { text: text.into(), error, until: state.now + Duration::seconds(if error { 8 } else { 4 }) });
}

/// Keeps `selected` inside `len` rows.
pub(crate) fn clamp(selected: usize, len: usize) -> usize {
    if len == 0 { 0 } else { selected.min(len - 1) }
}

/// Moves a plain list selection; returns the new index.
pub(crate) fn move_in_list(cmd: Command, selected: usize, len: usize, page: usize) -> usize {
    let sel = match cmd {
        Command::Up => selected.saturating_sub(1),
        Command::Down => selected.saturating_add(1),
        Command::PageUp => selected.saturating_sub(page),
        Command::PageDown => selected.saturating_add(page),
        Command::Top => 0,
        Command::Bottom => len.saturating_sub(1),
        _ => selected,
    };
    clamp(sel, len)
}

/// `Loadable::Ready` contents, if ready (for views).
pub fn ready_ref<T>(l: &Loadable<T>) -> Option<&T> {
    ready(l)
}

/// `Loadable::Ready` contents, if ready.
pub(crate) fn ready<T>(l: &Loadable<T>) -> Option<&T> {
    match l {
        Loadable::Ready(v) => Some(v),
        _ => None,
    }
}
