//! What the Tasks tab asks the runner for and what comes back: `tui::update::tasks` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::model::{TaskBrief, TaskDetail};
use crate::rules::task_filter::TaskFilter;
use crate::services::tasks::BulkReport;
use crate::store::{TaskAction, WriteOutcome};

/// Answers for the Tasks tab: a [`crate::tui::msg::Msg::Tasks`].
// A message is moved once, from the runner's channel into `update`; `Msg` was as large before
// the split, when these lived in it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TasksMsg {
    /// Tasks arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The tasks or why not.
        result: Result<Vec<TaskBrief>, String>,
    },
    /// A task's detail arrived.
    DetailLoaded {
        /// The task asked for.
        id: i64,
        /// The detail or why not.
        result: Result<Option<TaskDetail>, String>,
    },
    /// A restart or discard of named tasks finished.
    Acted {
        /// What was done.
        action: TaskAction,
        /// Per task, or why not.
        result: Result<Vec<(i64, WriteOutcome)>, String>,
    },
    /// A bulk action advanced.
    BulkProgress(BulkReport),
    /// A bulk action finished.
    BulkDone(Result<BulkReport, String>),
}

/// Work for the Tasks tab: a [`crate::tui::effect::Effect::Tasks`].
#[derive(Clone, Debug, PartialEq)]
pub enum TasksEffect {
    /// Load tasks.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: TaskFilter,
    },
    /// Load one task in full.
    LoadDetail(i64),
    /// Restart or discard named tasks.
    Act {
        /// What to do.
        action: TaskAction,
        /// Which tasks.
        ids: Vec<i64>,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Restart or discard every failed task matching a filter, reporting progress.
    Bulk {
        /// What to do.
        action: TaskAction,
        /// Which tasks.
        filter: TaskFilter,
        /// As of when.
        now: DateTime<Utc>,
    },
}
