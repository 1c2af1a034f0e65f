//! A page of rows read as one JSON value (SQLite).
//!
//! sqlx runs SQLite on a worker thread and hands each row of a result to the async side through
//! a channel, then converts it to an `AnyRow`: for a 200-row page that costs more than the query
//! itself (0.9 ms against 0.5 ms at 10M calls, p99 2.6 against 0.75 ms). Aggregated into one
//! `json_group_array` value, the page crosses once. The document is read as bytes and decoded
//! lossily, like every SQLite text column (an app may have stored invalid UTF-8); a replaced
//! byte can never swallow the JSON's own quotes, which are ASCII.

use serde_json::Value;

use super::row_read::ReadRow;
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

/// One row's values, named by the columns the page was asked for (in that order).
pub struct JsonRow<'a> {
    table: &'static str,
    names: &'a [&'a str],
    values: &'a [Value],
}

impl<'a> JsonRow<'a> {
    /// The row `values` of `table`, whose columns are `names` in order.
    pub fn new(table: &'static str, names: &'a [&'a str], values: &'a [Value]) -> Self {
        JsonRow { table, names, values }
    }

    fn malformed(&self, col: &str, want: &str) -> StoreError {
        StoreError::Malformed { table: self.table, reason: format!("column {col} of a page row is not {want}") }
    }

    fn get(&self, col: &str) -> &Value {
        // A name the page did not ask for, or a row cut short, reads as NULL.
        self.names.iter().position(|n| *n == col).and_then(|i| self.values.get(i)).unwrap_or(&Value::Null)
    }
}

impl ReadRow for JsonRow<'_> {
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        match self.get(col) {
            Value::Null => Ok(None),
            // SQLite's flexible typing: a REAL in an integer column keeps its whole part.
            v => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| self.malformed(col, "a number")),
        }
    }

    fn opt_f64(&self, col: &str) -> StoreResult<Option<f64>> {
        match self.get(col) {
            Value::Null => Ok(None),
            v => v.as_f64().map(Some).ok_or_else(|| self.malformed(col, "a number")),
        }
    }

    /// A number stored in a text column reads as its digits.
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Ok(match self.get(col) {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
    }

    fn table(&self) -> &'static str {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_and_escapes_survive_the_document() {
        let doc = b"[[1,\"A\xffB\",null,2.0,\"\\u001b[31m\"]]";
        let rows = rows("t", doc).unwrap();
        let names = ["a", "b", "c", "d", "e", "f"];
        let r = JsonRow::new("t", &names, &rows[0]);
        assert_eq!(r.int("a").unwrap(), 1);
        assert_eq!(r.opt_text("b").unwrap().as_deref(), Some("A\u{fffd}B"));
        assert_eq!(r.opt_int("c").unwrap(), None);
        assert_eq!(r.opt_int("d").unwrap(), Some(2));
        assert_eq!(r.opt_f64("d").unwrap(), Some(2.0));
        assert_eq!(r.opt_text("e").unwrap().as_deref(), Some("\u{1b}[31m"));
        assert_eq!(r.opt_text("f").unwrap(), None, "past the end reads as NULL");
        assert_eq!(r.opt_text("zz").unwrap(), None, "a name not asked for reads as NULL");
    }

    #[test]
    fn a_broken_document_or_a_text_number_is_a_malformed_row_not_a_panic() {
        assert!(matches!(rows("t", b"[[1,"), Err(StoreError::Malformed { .. })));
        let rows = rows("t", b"[[\"x\"]]").unwrap();
        assert!(matches!(JsonRow::new("t", &["a"], &rows[0]).int("a"), Err(StoreError::Malformed { .. })));
    }
}
