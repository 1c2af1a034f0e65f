//! Everything that can happen to the console: keys, pastes, ticks, and the answers of the work
//! it started.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::state::Confirmable;
use crate::model::{ApiCall, AuditEntry, ErrorGroup, MemberId, ReviewDetail, TaskBrief, TaskDetail, TicketMessage};
use crate::services::alerts::AlertRow;
use crate::services::diagnose::Diagnosis;
use crate::services::maintenance::CheckReport;
use crate::services::notify::{Notice, Notified};
use crate::services::overview::PortalOverview;
use crate::services::reviews::InboxEntry;
use crate::services::tasks::BulkReport;
use crate::services::tickets::QueuedTicket;
use crate::services::tokens::{RefreshOutcome, TokenBoard};
use crate::store::{CallPage, PageDirection};
use crate::store::{DraftOutcome, MarkOutcome, TaskAction, WriteOutcome};

use crate::tui::state::OpenIncident;

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
    /// An app-error group's newest occurrence arrived.
    ErrorSampleLoaded(
        crate::tui::tab_state::SampleKey,
        Result<Option<crate::services::error_sample::ErrorSample>, String>,
    ),
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
    /// A click or a wheel notch.
    Mouse(crossterm::event::MouseEvent),
    /// The Incidents view's incident arrived.
    IncidentSheetLoaded {
        /// The load it answers.
        generation: u64,
        /// The incident with its timeline, if there is one.
        result: Result<Option<Box<crate::services::incident_record::Sheet>>, String>,
    },
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
    /// The portals a piece matches: member_id and domain, by domain.
    PortalsFound {
        /// What was typed.
        piece: String,
        /// What the portal is for.
        then: crate::tui::tab_state::PortalPick,
        /// The portals, or why they could not be read.
        result: Result<Vec<(MemberId, String)>, String>,
    },
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
