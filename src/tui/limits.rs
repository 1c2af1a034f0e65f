//! How much each tab loads and how long the console waits: one place the runner, the views and
//! `update` read.

/// Rows per page of calls.
pub const PAGE: i64 = 200;

/// Rows the tab loads.
pub const AUDIT_LIMIT: i64 = 500;
/// Reviews the tab loads (of each: awaiting reply, answered).
pub const REVIEW_LIMIT: i64 = 500;
/// The editor saves this long after the last keystroke.
pub const AUTOSAVE_AFTER_SECS: i64 = 2;
/// Rows the tab loads (newest first); the filter narrows further.
pub const TASK_LIMIT: i64 = 500;
/// Tickets the tab loads.
pub const TICKET_LIMIT: i64 = 500;
/// Messages of a thread shown (the newest).
pub const THREAD_LIMIT: i64 = 200;
/// Rows the tab loads (fewest days left first).
pub const TOKEN_LIMIT: i64 = 1000;

/// At most this many portals in a pick list (`:portal` with a piece of a domain).
pub const PICK_LIMIT: i64 = 20;
