//! Turning database values into domain values, safely.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult};
use crate::model::{MemberId, SafeText};

/// Milliseconds since the epoch for an instant.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant for milliseconds since the epoch; out-of-range values are a malformed row.
pub fn instant(table: &'static str, ms: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Malformed { table, reason: format!("time {ms} ms is out of range") })
}

/// An optional instant column.
pub fn opt_instant(row: &AnyRow, table: &'static str, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    match row.try_get::<Option<i64>, _>(col)? {
        Some(v) => Ok(Some(instant(table, v)?)),
        None => Ok(None),
    }
}

/// A required instant column.
pub fn req_instant(row: &AnyRow, table: &'static str, col: &str) -> StoreResult<DateTime<Utc>> {
    instant(table, row.try_get::<i64, _>(col)?)
}

/// Raw text of a column that may hold a blob (SQLite, see `Dialect::text`) or a string.
pub(crate) fn raw_text(row: &AnyRow, col: &str) -> StoreResult<Option<String>> {
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(col) {
        return Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()));
    }
    Ok(row.try_get::<Option<String>, _>(col)?)
}

/// An optional one-line text column, sanitized.
pub fn opt_line(row: &AnyRow, col: &str) -> StoreResult<Option<SafeText>> {
    Ok(raw_text(row, col)?.map(|s| SafeText::line(&s)))
}

/// A one-line text column, sanitized; NULL reads as empty.
pub fn line(row: &AnyRow, col: &str) -> StoreResult<SafeText> {
    Ok(opt_line(row, col)?.unwrap_or_default())
}

/// An optional multi-line text column, sanitized.
pub fn opt_block(row: &AnyRow, col: &str) -> StoreResult<Option<SafeText>> {
    Ok(raw_text(row, col)?.map(|s| SafeText::block(&s)))
}

/// A one-line text column as a sanitized `String` (for records the CLI prints and writes whole).
pub fn line_string(row: &AnyRow, col: &str) -> StoreResult<String> {
    Ok(line(row, col)?.as_str().to_owned())
}

/// A multi-line text column as a sanitized `String`; NULL stays `None`.
pub fn opt_block_string(row: &AnyRow, col: &str) -> StoreResult<Option<String>> {
    Ok(opt_block(row, col)?.map(|b| b.as_str().to_owned()))
}

/// A member_id column.
pub fn member(row: &AnyRow, col: &str) -> StoreResult<Option<MemberId>> {
    Ok(raw_text(row, col)?.map(|s| MemberId::from_db(&s)))
}
