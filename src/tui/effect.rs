//! The work `update` asks for, run by the runner off the key path, and what `update` returns.

use chrono::{DateTime, Utc};

use super::state::Confirmable;
use crate::model::{GroupBy, MemberId, NewReview};
use crate::rules::call_filter::CallFilter;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReplyAction;
use crate::rules::search::Search;
use crate::rules::task_filter::TaskFilter;
use crate::services::alerts::AlertRow;
use crate::services::notify::Notice;
use crate::services::overview::PortalRef;
use crate::store::PageDirection;
use crate::store::{TaskAction, TicketChange};

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
    /// Find the portals whose member_id or domain contains `piece` (`:portal`, `:member`).
    FindPortals {
        /// What was typed.
        piece: String,
        /// What the portal is for.
        then: crate::tui::tab_state::PortalPick,
    },
    /// The newest occurrence of an app-error group, for the detail pane.
    LoadErrorSample(crate::tui::tab_state::SampleKey),
    /// Load error groups.
    LoadErrors {
        /// Generation to tag the answer with.
        generation: u64,
        /// How to group.
        group_by: GroupBy,
        /// How many groups, busiest first.
        limit: i64,
        /// What narrows the groups.
        search: Search,
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
    /// Give the terminal back to the shell and stop until resumed (run by the event loop).
    Suspend,
    /// Load the Incidents view: the open (or last) incident, its timeline and record.
    LoadIncidentSheet {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
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
        /// What narrows the log.
        search: Search,
    },
    /// Load the Tokens board.
    LoadTokens {
        /// Generation to tag the answer with.
        generation: u64,
        /// What narrows the board.
        search: Search,
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
        /// What narrows the queue.
        search: Search,
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
    pub(crate) fn redraw(effects: Vec<Effect>) -> Self {
        Outcome { effects, dirty: true }
    }
}
