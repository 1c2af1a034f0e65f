//! The console's state: plain data, changed only by `update`, drawn by `views`.

use chrono::{DateTime, Utc};

use super::editor::{ReplyEditor, ReviewForm};
pub use super::loadable::Loadable;
use super::prompt::Prompt;
pub use super::screen::{Screen, TABS};
pub use super::tab_state::{
    AlertsState, AuditState, BulkProgress, CallsState, Confirmable, ErrorsState, MaintenanceState, PortalPick,
    PortalState, RefreshRun, ReviewSettings, ReviewsState, TasksState, TicketField, TicketsState, TokensState,
};
use crate::model::MemberId;

/// Empty tail polls in a row (10 seconds at the default 250 ms) after which the tail slows down.
pub const QUIET_POLLS: u32 = 40;

/// While quiet, the tail polls on every this-many ticks.
pub const SLOW_TAIL_EVERY: u32 = 4;

/// The open incident and when the team must respond by.
pub type OpenIncident = (crate::store::Incident, Option<DateTime<Utc>>);

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

/// Overlays drawn over the screen; the top one gets the keys.
#[derive(Debug)]
pub enum Overlay {
    /// `?` help: opened on a screen, scrolled, searched.
    Help(super::help_view::HelpView),
    /// `/` filter prompt: it filters the screen in front.
    Filter(Prompt),
    /// `:` command palette.
    Palette(Prompt),
    /// Several portals match what `:portal` / `:member` was given: pick one (the prompt's
    /// options are member_id and domain).
    PickPortal {
        /// What the pick is for.
        then: PortalPick,
        /// The piece typed, and the portals it matches as options.
        prompt: Prompt,
    },
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
    /// The Incidents view.
    pub incident_view: super::incident_view::IncidentView,
    /// The back stack and a jump waiting for its rows.
    pub nav: super::nav::NavState,
    /// The status messages shown so far.
    pub messages: super::message_log::MessageLog,
    /// Where the tabs and rows were last drawn, for the mouse.
    pub hits: super::hit_map::HitMap,
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
    /// The keys each command runs on (the registry's, or `[keys]` from the configuration).
    pub keys: super::keymap::Keymap,
    /// Alerts firing (the header's count).
    pub firing: Option<i64>,
    /// When the header's count was last asked for.
    pub firing_asked: Option<DateTime<Utc>>,
    /// The open incident and when the team must respond by.
    pub incident: Option<OpenIncident>,
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
            keys: Default::default(),
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
            incident_view: Default::default(),
            nav: Default::default(),
            messages: Default::default(),
            hits: Default::default(),
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
            Screen::Errors => match &self.errors.list.rows {
                Loadable::Ready(g) => g.get(self.errors.list.selected).and_then(|g| g.member_id.clone()),
                _ => None,
            },
            Screen::Tasks => self.tasks.selected_task().and_then(|t| t.member_id.clone()),
            Screen::Audit => match &self.audit.list.rows {
                Loadable::Ready(r) => r.get(self.audit.list.selected).and_then(|a| a.member_id.clone()),
                _ => None,
            },
            Screen::Reviews => self.reviews.selected_entry().and_then(|e| e.review.member_id.clone()),
            Screen::Tokens => self.tokens.selected_row().map(|r| r.portal.member_id.clone()),
            Screen::Tickets => self.tickets.selected_ticket().and_then(|q| q.ticket.member_id.clone()),
            Screen::Alerts => {
                self.alerts.selected_row().and_then(|r| r.firing.figure.portals.first()).map(|p| MemberId::from_db(p))
            }
            Screen::Maintenance | Screen::Incident | Screen::Messages => None,
            Screen::Portal => match self.portal.as_ref().map(|p| &p.overview) {
                Some(Loadable::Ready(o)) => Some(o.member_id.clone()),
                _ => None,
            },
        }
    }
}
