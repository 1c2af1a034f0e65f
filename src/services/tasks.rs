//! Restarting and discarding failed tasks: one place for the console and the command line, with
//! read-only mode enforced here rather than in each front end.

use chrono::{DateTime, Utc};

use crate::rules::task_filter::TaskFilter;
use crate::store::{Store, StoreError, TaskAction, WriteOutcome};

/// Who is acting, and whether they may write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The name for the audit log.
    pub operator: String,
    /// Read-only mode: every write is refused.
    pub read_only: bool,
}

/// Why an action did not run.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Read-only mode.
    #[error("refused: b24ops is in read-only mode (--read-only / B24OPS_READ_ONLY / read_only = true)")]
    ReadOnly,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Tasks per transaction in a bulk action.
pub const BULK_BATCH: i64 = 200;

/// What a bulk action did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// Tasks that matched when the action started.
    pub total: i64,
    /// Tasks changed.
    pub changed: i64,
    /// Tasks that were no longer failed when their turn came.
    pub skipped: i64,
}

/// Applies `action` to the tasks `ids` (only those still failed change).
pub async fn act_on(
    store: &Store,
    actor: &Actor,
    action: TaskAction,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<(i64, WriteOutcome)>, ActionError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly);
    }
    let outcomes = store.apply_task_action(action, ids, &actor.operator, now).await?;
    Ok(ids.iter().copied().zip(outcomes).collect())
}

/// Applies `action` to every failed task matching `filter`, in batches, calling `progress` with
/// (done, total) after each.
pub async fn act_on_matching(
    store: &Store,
    actor: &Actor,
    action: TaskAction,
    filter: &TaskFilter,
    now: DateTime<Utc>,
    mut progress: impl FnMut(BulkReport),
) -> Result<BulkReport, ActionError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly);
    }
    let filter = TaskFilter { status: Some("failed".into()), ..filter.clone() };
    let mut report = BulkReport { total: store.tasks_count(&filter).await?, ..Default::default() };
    progress(report);
    let mut after = 0;
    loop {
        let ids = store.task_ids_after(&filter, after, BULK_BATCH).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        for o in store.apply_task_action(action, &ids, &actor.operator, now).await? {
            match o {
                WriteOutcome::Changed => report.changed += 1,
                _ => report.skipped += 1,
            }
        }
        progress(report);
    }
    Ok(report)
}

/// A sentence about one outcome: "restarted #8812", "#8812 is no longer failed (queued) — nothing done".
pub fn describe(action: TaskAction, id: i64, outcome: &WriteOutcome) -> String {
    let verb = match action {
        TaskAction::Restart => "restarted",
        TaskAction::Discard => "discarded",
    };
    match outcome {
        WriteOutcome::Changed => format!("{verb} #{id}"),
        WriteOutcome::Unchanged(status) => format!("#{id} is no longer failed ({status}) — nothing done"),
        WriteOutcome::Missing => format!("#{id} does not exist — nothing done"),
        WriteOutcome::Refused(why) => format!("#{id} not {verb}: {why}"),
    }
}
