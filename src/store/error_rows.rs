//! Error-group rows decoded, from a driver row or a SQLite page document alike.

use super::StoreResult;
use super::error_buckets::Completion;
use super::json_page::{self, JsonRow};
use super::row_read::{DriverRow, ReadRow};
use crate::model::{ErrorGroup, ErrorSource, GroupBy, WindowErrors};
use sqlx::any::AnyRow;

/// The table name errors in a group row are reported under.
pub(super) const TABLE: &str = "error groups";

/// The columns of a group row, in the order a SQLite page document holds them.
pub(super) const GROUP_COLUMNS: [&str; 13] = [
    "member_id",
    "error_type",
    "source",
    "portals",
    "c_win",
    "c15",
    "c1h",
    "c24",
    "first_seen",
    "last_seen",
    "domain",
    "description",
    "hours",
];

/// A group's source from its stored word ('app' or 'rest').
pub(super) fn source_of(word: &str) -> ErrorSource {
    if word == "app" { ErrorSource::App } else { ErrorSource::Rest }
}

fn source(r: &impl ReadRow) -> StoreResult<ErrorSource> {
    Ok(source_of(r.line("source")?.as_str()))
}

/// The groups of a SQLite page document, in the statement's order.
pub(super) fn decode_json_groups(bytes: &[u8], page: &Page) -> StoreResult<Vec<ErrorGroup>> {
    json_page::rows(TABLE, bytes)?
        .iter()
        .map(|values| decode_group(&JsonRow::new(TABLE, &GROUP_COLUMNS, values), page))
        .collect()
}

/// The groups of a driver result, in its order.
pub(super) fn decode_driver_groups(rows: &[AnyRow], page: &Page) -> StoreResult<Vec<ErrorGroup>> {
    rows.iter().map(|r| decode_group(&DriverRow::new(TABLE, r), page)).collect()
}

/// What decoding a page's rows needs beyond the rows.
pub(super) struct Page {
    /// More than this many errors in 15 minutes puts a group over its threshold.
    pub(super) threshold: i64,
    pub(super) by: GroupBy,
    /// How the raw counts are completed from each row's rollup hours.
    pub(super) completion: Completion,
}

/// One group, whichever path its page took.
fn decode_group(r: &impl ReadRow, page: &Page) -> StoreResult<ErrorGroup> {
    let mut g = ErrorGroup {
        error_type: r.line("error_type")?,
        source: source(r)?,
        member_id: r.member("member_id")?,
        domain: r.opt_line("domain")?,
        portals: r.int("portals")?,
        in_window: r.int("c_win")?,
        last_15m: r.int("c15")?,
        last_1h: r.int("c1h")?,
        last_24h: r.int("c24")?,
        first_seen: r.instant("first_seen")?,
        last_seen: r.instant("last_seen")?,
        description: r.opt_line("description")?,
        over_threshold: false,
        hourly: Vec::new(),
    };
    page.completion.apply(&mut g, r.opt_text("hours")?.as_deref());
    g.over_threshold = page.by == GroupBy::PortalAndType && g.last_15m > page.threshold;
    Ok(g)
}

/// The alert rules' view of a group row (the standard columns left out).
pub(super) fn decode_window_errors(r: &AnyRow) -> StoreResult<WindowErrors> {
    let r = DriverRow::new(TABLE, r);
    Ok(WindowErrors {
        error_type: r.line("error_type")?,
        source: source(&r)?,
        member_id: r.member("member_id")?,
        domain: r.opt_line("domain")?,
        in_window: r.int("c_win")?,
        last_seen: r.instant("last_seen")?,
    })
}
