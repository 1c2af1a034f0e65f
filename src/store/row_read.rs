//! Reading a row's columns by name, the same way from a driver row (`AnyRow`) and from a row of
//! a SQLite page document (`json_page::JsonRow`), so each row type has one decoder whichever path
//! its page took.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{instant, raw_text};
use super::{StoreError, StoreResult};
use crate::model::{MemberId, SafeText};
use chrono::{DateTime, Utc};

/// A row whose columns are read by name.
pub trait ReadRow {
    /// An integer column that may be NULL.
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    /// A real column that may be NULL.
    fn opt_f64(&self, col: &str) -> StoreResult<Option<f64>>;
    /// A text column that may be NULL, read lossily (an app may have stored invalid UTF-8).
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    /// What a missing required value is reported as.
    fn table(&self) -> &'static str;

    /// An integer column that must be set.
    fn int(&self, col: &str) -> StoreResult<i64> {
        self.opt_int(col)?
            .ok_or_else(|| StoreError::Malformed { table: self.table(), reason: format!("{col} is not set") })
    }
    /// A required instant column (epoch milliseconds).
    fn instant(&self, col: &str) -> StoreResult<DateTime<Utc>> {
        instant(self.table(), self.int(col)?)
    }
    /// An optional one-line text column, sanitized.
    fn opt_line(&self, col: &str) -> StoreResult<Option<SafeText>> {
        Ok(self.opt_text(col)?.map(|s| SafeText::line(&s)))
    }
    /// A one-line text column, sanitized; NULL reads as empty.
    fn line(&self, col: &str) -> StoreResult<SafeText> {
        Ok(self.opt_line(col)?.unwrap_or_default())
    }
    /// An optional multi-line text column, sanitized.
    fn opt_block(&self, col: &str) -> StoreResult<Option<SafeText>> {
        Ok(self.opt_text(col)?.map(|s| SafeText::block(&s)))
    }
    /// A member_id column.
    fn member(&self, col: &str) -> StoreResult<Option<MemberId>> {
        Ok(self.opt_text(col)?.map(|s| MemberId::from_db(&s)))
    }
}

/// A driver row, for the decoders of one table.
pub struct DriverRow<'a> {
    row: &'a AnyRow,
    table: &'static str,
}

impl<'a> DriverRow<'a> {
    /// `row`, read as a row of `table`.
    pub fn new(table: &'static str, row: &'a AnyRow) -> Self {
        DriverRow { row, table }
    }
}

impl ReadRow for DriverRow<'_> {
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(self.row.try_get(col)?)
    }
    fn opt_f64(&self, col: &str) -> StoreResult<Option<f64>> {
        Ok(self.row.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        raw_text(self.row, col)
    }
    fn table(&self) -> &'static str {
        self.table
    }
}
