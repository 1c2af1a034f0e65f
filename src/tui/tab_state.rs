//! Each tab's state: its rows, selection, filter and the generation that drops stale answers.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::loadable::Loadable;
use crate::model::ReviewDetail;
use crate::model::TicketMessage;
use crate::model::{ApiCall, AuditEntry, ErrorGroup, GroupBy, MemberId, TaskBrief, TaskDetail};
use crate::rules::call_filter::CallFilter;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReviewPolicy;
use crate::rules::search::Search;
use crate::rules::task_filter::TaskFilter;
use crate::rules::templates::ReplyTemplate;
use crate::services::alerts::AlertRow;
use crate::services::diagnose::Diagnosis;
use crate::services::error_sample::ErrorSample;
use crate::services::maintenance::CheckReport;
use crate::services::overview::PortalOverview;
use crate::services::reviews::InboxEntry;
use crate::services::tasks::BulkReport;
use crate::services::tickets::QueuedTicket;
use crate::services::tokens::TokenRow;
use crate::store::{GROUP_LIMIT, GROUP_PAGE, TaskAction, TokenCounts};

use super::list_tab::ListTab;
use super::screen::Screen;

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
    /// The selected call as last drawn (kept by the view): what the reader saw, which the first
    /// key in follow mode pauses on, even when newer rows arrived since.
    pub on_screen: Option<i64>,
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
            on_screen: None,
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

/// Which group a sample is of: its portal (if any) and error type.
pub type SampleKey = (Option<String>, String);

/// The Errors tab.
#[derive(Clone, Debug)]
pub struct ErrorsState {
    /// How groups are formed.
    pub group_by: GroupBy,
    /// What narrows the groups (`/`).
    pub filter: Search,
    /// The groups, busiest first.
    pub list: ListTab<ErrorGroup>,
    /// How many groups to load: a page, growing by a page as the cursor nears the end.
    pub limit: i64,
    /// The selected app-error group's newest occurrence (for the group it names).
    pub sample: Option<(SampleKey, Loadable<Option<ErrorSample>>)>,
    /// When the groups were computed.
    pub as_of: Option<DateTime<Utc>>,
}

impl ErrorsState {
    /// True when the list is a full page that could go on (a shorter one holds every group).
    pub fn has_more(&self) -> bool {
        self.list.rows.ready().is_some_and(|g| g.len() as i64 >= self.limit && self.limit < GROUP_LIMIT)
    }
}

impl Default for ErrorsState {
    fn default() -> Self {
        Self {
            group_by: GroupBy::default(),
            filter: Search::default(),
            list: ListTab::default(),
            limit: GROUP_PAGE,
            sample: None,
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
    pub list: ListTab<TaskBrief>,
    /// The selected task in full.
    pub detail: Option<TaskDetail>,
    /// The bulk action under way, if any.
    pub bulk: Option<BulkProgress>,
    /// On a framework's table without `tasks.member_column`: how many of the newest job ids a
    /// portal filter searches, so the tab can say an empty answer is not the whole table's.
    pub member_window: Option<i64>,
}

impl TasksState {
    /// When the filter names a portal and only a window of ids is searched: that window.
    pub fn searched_window(&self) -> Option<i64> {
        self.member_window.filter(|_| self.filter.member_id.is_some() || self.filter.portal.is_some())
    }

    /// The selected task.
    pub fn selected_task(&self) -> Option<&TaskBrief> {
        self.list.selected_row()
    }
}

/// The Audit tab.
#[derive(Clone, Debug, Default)]
pub struct AuditState {
    /// What narrows the log (`/`).
    pub filter: Search,
    /// The rows, newest first.
    pub list: ListTab<AuditEntry>,
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
    pub list: ListTab<InboxEntry>,
    /// The selected review in full.
    pub detail: Option<ReviewDetail>,
    /// The review whose draft `y` warned about (placeholders left): the next `y` copies it.
    pub copy_anyway: Option<i64>,
}

impl ReviewsState {
    /// The selected review.
    pub fn selected_entry(&self) -> Option<&InboxEntry> {
        self.list.selected_row()
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

/// What a portal picked from a pick list is for (`:portal`, `:member`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortalPick {
    /// Open its portal view.
    Open,
    /// Show its calls.
    FilterCalls,
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
    /// What narrows the queue (`/`).
    pub filter: Search,
    /// Every ticket newest first, instead of open ones by deadline.
    pub all: bool,
    /// The queue.
    pub list: ListTab<QueuedTicket>,
    /// The open thread: ticket id and its messages.
    pub thread: Option<(i64, Loadable<Vec<TicketMessage>>)>,
    /// Replies being written, by ticket (kept when the editor closes).
    pub drafts: std::collections::HashMap<i64, String>,
}

impl TicketsState {
    /// The selected ticket.
    pub fn selected_ticket(&self) -> Option<&QueuedTicket> {
        self.list.selected_row()
    }
}

/// The Alerts tab.
#[derive(Clone, Debug, Default)]
pub struct AlertsState {
    /// What narrows the alerts (`/`; applied as they arrive).
    pub filter: Search,
    /// What fires.
    pub list: ListTab<AlertRow>,
    /// Rules whose alerts are listed under their group's line.
    pub expanded: Vec<String>,
    /// The selected line (an index into [`AlertsState::lines`]).
    pub cursor: usize,
}

impl AlertsState {
    /// The lines shown: alerts grouped by rule.
    pub fn lines(&self) -> Vec<super::alert_lines::AlertLine> {
        self.list.rows.ready().map(|rows| super::alert_lines::lines(rows, &self.expanded)).unwrap_or_default()
    }

    /// The selected alert; none on a group's line (an action there would pick one alert of
    /// many the operator cannot see).
    pub fn selected_row(&self) -> Option<&AlertRow> {
        match self.lines().get(self.cursor)? {
            super::alert_lines::AlertLine::Alert { index, .. } => self.list.rows.ready()?.get(*index),
            super::alert_lines::AlertLine::Group { .. } => None,
        }
    }
}

/// The Planned (maintenance) tab.
#[derive(Clone, Debug, Default)]
pub struct MaintenanceState {
    /// What narrows the checks (`/`; applied as they arrive).
    pub filter: Search,
    /// The checks.
    pub list: ListTab<CheckReport>,
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
    /// What narrows the board (`/`).
    pub filter: Search,
    /// Installed portals, fewest days left first.
    pub list: ListTab<TokenRow>,
    /// Portals per class, as of the rows' load.
    pub counts: Option<TokenCounts>,
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
        self.list.selected_row()
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
