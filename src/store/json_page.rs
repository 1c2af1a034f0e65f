//! A page of rows read as one JSON value (SQLite).
//!
//! sqlx runs SQLite on a worker thread and hands each row of a result to the async side through
//! a channel, then converts it to an `AnyRow`: for a 200-row page that costs more than the query
//! itself (0.9 ms against 0.5 ms at 10M calls, p99 2.6 against 0.75 ms). Aggregated into one
//! `json_group_array` value, the page crosses once. The document is read as bytes and decoded
//! lossily, like every SQLite text column (an app may have stored invalid UTF-8); a replaced
//! byte can never swallow the JSON's own quotes, which are ASCII.

use serde_json::Value;

use super::{StoreError, StoreResult};

/// The SQLite aggregate that folds the rows it runs over into one JSON array of arrays of
/// `columns`, in `order` when given (else in no promised order). Text columns must be given as
/// text (not cast to a blob): JSON holds no blobs.
pub fn sqlite_json_rows(columns: &[&str], order: Option<&str>) -> String {
    let order = order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
    format!("CAST(COALESCE(json_group_array(json_array({}){order}), '[]') AS BLOB)", columns.join(", "))
}

/// The rows of a page document, each an array of column values in the order they were asked for.
pub fn rows(table: &'static str, bytes: &[u8]) -> StoreResult<Vec<Vec<Value>>> {
    serde_json::from_str(&String::from_utf8_lossy(bytes))
        .map_err(|e| StoreError::Malformed { table, reason: format!("page document: {e}") })
}

/// One row's values, read by position.
pub struct JsonRow<'a> {
    table: &'static str,
    values: &'a [Value],
}

impl<'a> JsonRow<'a> {
    /// The row `values` of `table`.
    pub fn new(table: &'static str, values: &'a [Value]) -> Self {
        JsonRow { table, values }
    }

    fn malformed(&self, i: usize, want: &str) -> StoreError {
        StoreError::Malformed { table: self.table, reason: format!("column {i} of a page row is not {want}") }
    }

    fn get(&self, i: usize) -> &Value {
        self.values.get(i).unwrap_or(&Value::Null)
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        match self.get(i) {
            Value::Null => Ok(None),
            // SQLite's flexible typing: a REAL in an integer column keeps its whole part.
            v => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| self.malformed(i, "a number")),
        }
    }

    /// An integer column.
    pub fn int(&self, i: usize) -> StoreResult<i64> {
        self.opt_int(i)?.ok_or_else(|| self.malformed(i, "set"))
    }

    /// A real column that may be NULL.
    pub fn opt_f64(&self, i: usize) -> StoreResult<Option<f64>> {
        match self.get(i) {
            Value::Null => Ok(None),
            v => v.as_f64().map(Some).ok_or_else(|| self.malformed(i, "a number")),
        }
    }

    /// A text column that may be NULL (a number stored in it reads as its digits).
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.get(i) {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_and_escapes_survive_the_document() {
        let doc = b"[[1,\"A\xffB\",null,2.0,\"\\u001b[31m\"]]";
        let rows = rows("t", doc).unwrap();
        let r = JsonRow::new("t", &rows[0]);
        assert_eq!(r.int(0).unwrap(), 1);
        assert_eq!(r.opt_text(1).as_deref(), Some("A\u{fffd}B"));
        assert_eq!(r.opt_int(2).unwrap(), None);
        assert_eq!(r.opt_int(3).unwrap(), Some(2));
        assert_eq!(r.opt_f64(3).unwrap(), Some(2.0));
        assert_eq!(r.opt_text(4).as_deref(), Some("\u{1b}[31m"));
        assert_eq!(r.opt_text(9), None, "past the end reads as NULL");
    }

    #[test]
    fn a_broken_document_or_a_text_number_is_a_malformed_row_not_a_panic() {
        assert!(matches!(rows("t", b"[[1,"), Err(StoreError::Malformed { .. })));
        let rows = rows("t", b"[[\"x\"]]").unwrap();
        assert!(matches!(JsonRow::new("t", &rows[0]).int(0), Err(StoreError::Malformed { .. })));
    }
}
