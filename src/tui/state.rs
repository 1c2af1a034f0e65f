//! The console's state: plain data, changed only by `update`, drawn by `views`.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::editor::{ReplyEditor, ReviewForm};
use super::prompt::Prompt;
use crate::model::ReviewDetail;
use crate::model::TicketMessage;
use crate::model::{ApiCall, AuditEntry, ErrorGroup, GroupBy, MemberId, TaskBrief, TaskDetail};
use crate::rules::call_filter::CallFilter;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReviewPolicy;
use crate::rules::task_filter::TaskFilter;
use crate::rules::templates::ReplyTemplate;
use crate::services::alerts::AlertRow;
use crate::services::diagnose::Diagnosis;
use crate::services::maintenance::CheckReport;
use crate::services::overview::PortalOverview;
use crate::services::reviews::InboxEntry;
use crate::services::tasks::BulkReport;
use crate::services::tickets::QueuedTicket;
use crate::services::tokens::{TokenBoard, TokenRow};
use crate::store::{GROUP_LIMIT, GROUP_PAGE, TaskAction};

/// Empty tail polls in a row (10 seconds at the default 250 ms) after which the tail slows down.
pub const QUIET_POLLS: u32 = 40;

/// While quiet, the tail polls on every this-many ticks.
pub const SLOW_TAIL_EVERY: u32 = 4;

/// The top-level screens. Tabs are reached by number keys; the portal view by `p` / Enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Live REST-call log.
    Calls,
    /// Error groups.
    Errors,
    /// Background tasks (failed by default).
    Tasks,
    /// The audit log.
    Audit,
    /// One portal's whole picture.
    Portal,
    /// Marketplace reviews awaiting a reply.
    Reviews,
    /// Portals by refresh-token days left.
    Tokens,
    /// Support tickets by next SLA deadline.
    Tickets,
    /// Alerts firing now.
    Alerts,
    /// Planned checks.
    Maintenance,
}

/// The tabs in the tab bar, with their number keys.
pub const TABS: &[(Screen, char, &str)] = &[
    (Screen::Calls, '1', "Calls"),
    (Screen::Errors, '2', "Errors"),
    (Screen::Tasks, '3', "Tasks"),
    (Screen::Audit, '4', "Audit"),
    (Screen::Reviews, '5', "Reviews"),
    (Screen::Tokens, '6', "Tokens"),
    (Screen::Tickets, '7', "Tickets"),
    (Screen::Alerts, '8', "Alerts"),
    (Screen::Maintenance, '9', "Planned"),
];

/// Something that loads in the background.
#[derive(Clone, Debug, Default)]
pub enum Loadable<T> {
    /// Not asked for yet.
    #[default]
    Idle,
    /// Asked for; no answer yet.
    Loading,
    /// Here it is.
    Ready(T),
    /// It failed; the message says why.
    Failed(String),
}

/// How the database is doing, as the header shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Connected and answering.
    Up,
    /// Not answering since `since`; retried with backoff.
    Down {
        /// What went wrong.
        reason: String,
        /// Since when.
        since: DateTime<Utc>,
        /// When the next health check runs.
        retry_at: DateTime<Utc>,
        /// The wait after the next failed check (doubles, at most a minute).
        backoff_secs: i64,
    },
}

/// The Calls tab.
#[derive(Clone, Debug)]
pub struct CallsState {
    /// What narrows the list.
    pub filter: CallFilter,
    /// Loaded rows, oldest first; at most `max_rows`.
    pub rows: VecDeque<ApiCall>,
    /// The selected row (index into `rows`).
    pub selected: usize,
    /// First row drawn (kept by the view).
    pub offset: usize,
    /// Rows that fit on screen (kept by the view; page size for PgUp/PgDn).
    pub viewport: usize,
    /// Following the live tail: the newest row stays selected as rows arrive.
    pub follow: bool,
    /// True when nothing older than `rows[0]` exists (for this filter).
    pub at_oldest: bool,
    /// The id the next older page is read below.
    pub older_anchor: i64,
    /// True when rows newer than the last loaded were dropped (paging back) and must be reloaded.
    pub newest_dropped: bool,
    /// While paused: calls that arrived since (capped).
    pub new_since_pause: usize,
    /// The newest id seen by the tail.
    pub tail_id: i64,
    /// Answers for older generations are stale and dropped.
    pub generation: u64,
    /// A first page is on its way.
    pub loading: bool,
    /// An older page is on its way.
    pub loading_older: bool,
    /// A tail poll is on its way.
    pub tail_in_flight: bool,
    /// Tail polls in a row that found nothing; past [`QUIET_POLLS`] the tail slows down.
    pub quiet_polls: u32,
    /// Tail ticks seen, to poll every [`SLOW_TAIL_EVERY`]th one while quiet.
    pub tail_ticks: u32,
    /// For unindexed filters: how far back the last page searched.
    pub searched_down_to: Option<i64>,
    /// The selected call with its whole description, once loaded.
    pub detail: Option<ApiCall>,
    /// The last load error.
    pub error: Option<String>,
    /// How many rows to keep.
    pub max_rows: usize,
}

impl CallsState {
    /// An empty tab that follows the tail.
    pub fn new(max_rows: usize) -> Self {
        CallsState {
            filter: CallFilter::default(),
            rows: VecDeque::new(),
            selected: 0,
            offset: 0,
            viewport: 20,
            follow: true,
            at_oldest: false,
            older_anchor: 0,
            newest_dropped: false,
            new_since_pause: 0,
            tail_id: 0,
            generation: 0,
            loading: false,
            loading_older: false,
            tail_in_flight: false,
            quiet_polls: 0,
            tail_ticks: 0,
            searched_down_to: None,
            detail: None,
            error: None,
            max_rows,
        }
    }

    /// The selected call.
    pub fn selected_call(&self) -> Option<&ApiCall> {
        self.rows.get(self.selected)
    }
}

/// The Errors tab.
#[derive(Clone, Debug)]
pub struct ErrorsState {
    /// How groups are formed.
    pub group_by: GroupBy,
    /// The groups, busiest first.
    pub groups: Loadable<Vec<ErrorGroup>>,
    /// How many groups to load: a page, growing by a page as the cursor nears the end.
    pub limit: i64,
    /// Selected group.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// When the groups were computed.
    pub as_of: Option<DateTime<Utc>>,
}

impl ErrorsState {
    /// True when the list is a full page that could go on (a shorter one holds every group).
    pub fn has_more(&self) -> bool {
        match &self.groups {
            Loadable::Ready(g) => g.len() as i64 >= self.limit && self.limit < GROUP_LIMIT,
            _ => false,
        }
    }
}

impl Default for ErrorsState {
    fn default() -> Self {
        Self {
            group_by: GroupBy::default(),
            groups: Loadable::default(),
            limit: GROUP_PAGE,
            selected: 0,
            offset: 0,
            generation: 0,
            as_of: None,
        }
    }
}

/// A bulk action under way or just finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkProgress {
    /// What it does.
    pub action: TaskAction,
    /// The filter it walks.
    pub filter: TaskFilter,
    /// How far it is.
    pub report: BulkReport,
    /// True once it has finished.
    pub done: bool,
}

/// The Tasks tab.
#[derive(Clone, Debug, Default)]
pub struct TasksState {
    /// What narrows the list (failed tasks by default).
    pub filter: TaskFilter,
    /// The tasks.
    pub tasks: Loadable<Vec<TaskBrief>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// The selected task in full.
    pub detail: Option<TaskDetail>,
    /// The bulk action under way, if any.
    pub bulk: Option<BulkProgress>,
}

impl TasksState {
    /// The selected task.
    pub fn selected_task(&self) -> Option<&TaskBrief> {
        match &self.tasks {
            Loadable::Ready(t) => t.get(self.selected),
            _ => None,
        }
    }
}

/// The Audit tab.
#[derive(Clone, Debug, Default)]
pub struct AuditState {
    /// Only this portal.
    pub member_id: Option<MemberId>,
    /// The rows, newest first.
    pub rows: Loadable<Vec<AuditEntry>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
}

/// How reviews are answered: targets, templates, the app's name.
#[derive(Clone, Debug)]
pub struct ReviewSettings {
    /// Reply deadlines.
    pub policy: ReviewPolicy,
    /// Reply templates, configured ones first.
    pub templates: Vec<ReplyTemplate>,
    /// `{app}` in templates.
    pub app_name: String,
    /// Replies longer than this are flagged.
    pub soft_limit: usize,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            policy: ReviewPolicy::default(),
            templates: crate::rules::templates::shipped(),
            app_name: String::new(),
            soft_limit: 1500,
        }
    }
}

/// The Reviews tab.
#[derive(Clone, Debug, Default)]
pub struct ReviewsState {
    /// What narrows the list (reviews awaiting a reply by default).
    pub filter: ReviewFilter,
    /// The inbox, most urgent first.
    pub entries: Loadable<Vec<InboxEntry>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// The selected review in full.
    pub detail: Option<ReviewDetail>,
}

impl ReviewsState {
    /// The selected review.
    pub fn selected_entry(&self) -> Option<&InboxEntry> {
        match &self.entries {
            Loadable::Ready(e) => e.get(self.selected),
            _ => None,
        }
    }
}

/// What a confirmation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmable {
    /// `action` on every failed task matching the filter.
    Bulk(TaskAction, TaskFilter),
    /// Discard one task.
    Discard(i64),
    /// Refresh every live portal within this many days of refresh-token death.
    RefreshExpiring(i64),
    /// Notify a portal's admin that its token is about to expire.
    Notify(MemberId),
}

/// Which field a ticket prompt sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketField {
    /// Status.
    Status,
    /// Priority.
    Priority,
    /// The portal (member_id or domain).
    Portal,
}

/// The Tickets tab.
#[derive(Clone, Debug, Default)]
pub struct TicketsState {
    /// Every ticket newest first, instead of open ones by deadline.
    pub all: bool,
    /// The queue.
    pub queue: Loadable<Vec<QueuedTicket>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// The open thread: ticket id and its messages.
    pub thread: Option<(i64, Loadable<Vec<TicketMessage>>)>,
    /// Replies being written, by ticket (kept when the editor closes).
    pub drafts: std::collections::HashMap<i64, String>,
}

impl TicketsState {
    /// The selected ticket.
    pub fn selected_ticket(&self) -> Option<&QueuedTicket> {
        match &self.queue {
            Loadable::Ready(q) => q.get(self.selected),
            _ => None,
        }
    }
}

/// The Alerts tab.
#[derive(Clone, Debug, Default)]
pub struct AlertsState {
    /// What fires.
    pub rows: Loadable<Vec<AlertRow>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
}

impl AlertsState {
    /// The selected row.
    pub fn selected_row(&self) -> Option<&AlertRow> {
        match &self.rows {
            Loadable::Ready(r) => r.get(self.selected),
            _ => None,
        }
    }
}

/// The Planned (maintenance) tab.
#[derive(Clone, Debug, Default)]
pub struct MaintenanceState {
    /// The checks.
    pub checks: Loadable<Vec<CheckReport>>,
    /// Selected check.
    pub selected: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
}

/// A refresh of many portals under way or just finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshRun {
    /// The window it covers, in days.
    pub days: i64,
    /// Portals done.
    pub done: usize,
    /// Portals in all.
    pub total: usize,
    /// Portals left holding a working pair.
    pub alive: usize,
    /// True once finished.
    pub finished: bool,
}

/// The Tokens tab.
#[derive(Clone, Debug, Default)]
pub struct TokensState {
    /// Counts and rows.
    pub board: Loadable<TokenBoard>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// The diagnosis shown (for the portal it names).
    pub diagnosis: Option<(MemberId, Loadable<Diagnosis>)>,
    /// Portals with a refresh or notification on its way.
    pub busy: Vec<MemberId>,
    /// A refresh of many portals, if one ran.
    pub run: Option<RefreshRun>,
    /// Days within which `A` refreshes (the warning window).
    pub window_days: i64,
    /// Which Bitrix24 the actions talk to, when it is not the real one (the demo's emulator).
    pub bitrix_label: Option<String>,
    /// The admin notice prepared and shown for confirmation; `Confirm` sends exactly this.
    pub pending_notice: Option<crate::services::notify::Notice>,
}

impl TokensState {
    /// The selected row.
    pub fn selected_row(&self) -> Option<&TokenRow> {
        match &self.board {
            Loadable::Ready(b) => b.rows.get(self.selected),
            _ => None,
        }
    }
}

/// The portal view.
#[derive(Clone, Debug)]
pub struct PortalState {
    /// Who is shown (known once loaded when opened by domain).
    pub label: String,
    /// What is shown.
    pub overview: Loadable<Box<PortalOverview>>,
    /// Answers for older generations are dropped.
    pub generation: u64,
    /// Where Esc returns to.
    pub back_to: Screen,
    /// Scroll position.
    pub scroll: u16,
}

/// Overlays drawn over the screen; the top one gets the keys.
#[derive(Debug)]
pub enum Overlay {
    /// `?` help, scrolled.
    Help {
        /// First line shown.
        scroll: u16,
    },
    /// `/` filter prompt.
    Filter(Prompt),
    /// `:` command palette.
    Palette(Prompt),
    /// `/` on the Tasks tab.
    TaskFilter(Prompt),
    /// `/` on the Audit tab.
    AuditFilter(Prompt),
    /// `/` on the Reviews tab.
    ReviewFilter(Prompt),
    /// The reply editor.
    ReplyEditor(Box<ReplyEditor>),
    /// Typing in a review by hand.
    AddReview(Box<ReviewForm>),
    /// Setting a ticket's status, priority or portal.
    TicketPrompt {
        /// The ticket.
        id: i64,
        /// What is set.
        field: TicketField,
        /// The text.
        prompt: Prompt,
    },
    /// The note for marking a planned check done.
    MaintenanceNote {
        /// The check.
        check: &'static str,
        /// The note.
        prompt: Prompt,
    },
    /// Writing a reply to a ticket.
    TicketReply(Box<super::ticket_editor::TicketEditor>),
    /// y/n before a write that changes many rows or cannot be undone.
    Confirm {
        /// What is asked.
        what: Confirmable,
        /// The question.
        question: String,
    },
}

/// A message in the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    /// The text.
    pub text: String,
    /// True for errors.
    pub error: bool,
    /// When it goes away.
    pub until: DateTime<Utc>,
}

/// Everything the console shows.
#[derive(Debug)]
pub struct AppState {
    /// The screen in front.
    pub screen: Screen,
    /// The Calls tab.
    pub calls: CallsState,
    /// The Errors tab.
    pub errors: ErrorsState,
    /// The Tasks tab.
    pub tasks: TasksState,
    /// The Audit tab.
    pub audit: AuditState,
    /// The Reviews tab.
    pub reviews: ReviewsState,
    /// How reviews are answered.
    pub review_settings: ReviewSettings,
    /// The Tokens tab.
    pub tokens: TokensState,
    /// The Tickets tab.
    pub tickets: TicketsState,
    /// The Alerts tab.
    pub alerts: AlertsState,
    /// The Planned tab.
    pub maintenance: MaintenanceState,
    /// The portal view, once opened.
    pub portal: Option<PortalState>,
    /// The open overlay.
    pub overlay: Option<Overlay>,
    /// The status line.
    pub flash: Option<Flash>,
    /// Database health.
    pub health: Health,
    /// Masked database URL.
    pub db_label: String,
    /// The operator's name.
    pub operator: String,
    /// Read-only mode.
    pub read_only: bool,
    /// Alerts firing (the header's count).
    pub firing: Option<i64>,
    /// When the header's count was last asked for.
    pub firing_asked: Option<DateTime<Utc>>,
    /// The open incident and when the team must respond by.
    pub incident: Option<super::update::OpenIncident>,
    /// The clock, as of the last tick.
    pub now: DateTime<Utc>,
    /// Time zone for display.
    pub zone: super::zone::DisplayZone,
    /// More than this in 15 minutes is over threshold.
    pub threshold_15m: i64,
    /// Show the detail pane (Calls and Tasks share the preference).
    pub show_detail: bool,
    /// Set to leave the loop.
    pub quit: bool,
}

impl AppState {
    /// Fresh state on the Calls tab.
    pub fn new(
        db_label: String,
        operator: String,
        read_only: bool,
        now: DateTime<Utc>,
        zone: super::zone::DisplayZone,
        threshold_15m: i64,
        max_rows: usize,
    ) -> Self {
        AppState {
            screen: Screen::Calls,
            calls: CallsState::new(max_rows),
            errors: ErrorsState::default(),
            tasks: TasksState::default(),
            audit: AuditState::default(),
            reviews: ReviewsState::default(),
            review_settings: ReviewSettings::default(),
            tokens: TokensState { window_days: 30, ..TokensState::default() },
            tickets: TicketsState::default(),
            alerts: AlertsState::default(),
            maintenance: MaintenanceState::default(),
            portal: None,
            overlay: None,
            flash: None,
            health: Health::Up,
            db_label,
            operator,
            read_only,
            firing: None,
            firing_asked: None,
            incident: None,
            now,
            zone,
            threshold_15m,
            show_detail: true,
            quit: false,
        }
    }

    /// The member_id of the selected row on the current screen, if it has one.
    pub fn selected_member(&self) -> Option<MemberId> {
        match self.screen {
            Screen::Calls => self.calls.selected_call().map(|c| c.member_id.clone()),
            Screen::Errors => match &self.errors.groups {
                Loadable::Ready(g) => g.get(self.errors.selected).and_then(|g| g.member_id.clone()),
                _ => None,
            },
            Screen::Tasks => self.tasks.selected_task().and_then(|t| t.member_id.clone()),
            Screen::Audit => match &self.audit.rows {
                Loadable::Ready(r) => r.get(self.audit.selected).and_then(|a| a.member_id.clone()),
                _ => None,
            },
            Screen::Reviews => self.reviews.selected_entry().and_then(|e| e.review.member_id.clone()),
            Screen::Tokens => self.tokens.selected_row().map(|r| r.portal.member_id.clone()),
            Screen::Tickets => self.tickets.selected_ticket().and_then(|q| q.ticket.member_id.clone()),
            Screen::Alerts => {
                self.alerts.selected_row().and_then(|r| r.firing.figure.portals.first()).map(|p| MemberId::from_db(p))
            }
            Screen::Maintenance => None,
            Screen::Portal => match self.portal.as_ref().map(|p| &p.overview) {
                Some(Loadable::Ready(o)) => Some(o.member_id.clone()),
                _ => None,
            },
        }
    }
}
