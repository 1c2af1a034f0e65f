//! `b24ops_api_calls`: the REST-call log. Newest pages, keyset history, the live tail.

use sqlx::Row;

use super::codec::ms;
use super::dialect::{insert_returning_id, like_escape};
use super::json_page::{self, JsonRow, sqlite_json_rows};
use super::row_read::{DriverRow, ReadRow};
use super::{Dialect, Store, StoreResult};
use crate::model::{ApiCall, NewApiCall};
use crate::rules::call_filter::CallFilter;

/// Filters that no index serves (method prefix, slowness) look at most this many calls per page,
/// so a filter that matches nothing never scans a ten-million-row table.
pub const SCAN_WINDOW: i64 = 500_000;

/// Which way a page goes from its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageDirection {
    /// The newest calls.
    Latest,
    /// Calls older than an id (paging back through history).
    Before(i64),
    /// Calls newer than an id (the live tail).
    After(i64),
}

/// A page of calls, oldest first (the way a log reads).
#[derive(Clone, Debug, Default)]
pub struct CallPage {
    /// The calls, ascending by id.
    pub rows: Vec<ApiCall>,
    /// For a page that hit the scan window: the id below which nothing was searched yet.
    pub searched_down_to: Option<i64>,
    /// For the tail: true when more rows arrived than fit the page (the view should reload).
    pub truncated: bool,
    /// The newest id in the whole log when the page was read (the newest page, and the tail of an
    /// unindexed filter; otherwise 0), so the next tail poll starts there even when nothing
    /// matched the filter.
    pub newest_id: i64,
}

const LIST_COLUMNS: &str = "c.id, c.ts, c.http_status, c.duration_ms, c.operating, c.task_id";

impl Store {
    /// A page of calls matching `filter`.
    pub async fn calls_page(&self, filter: &CallFilter, dir: PageDirection, limit: i64) -> StoreResult<CallPage> {
        let d = self.dialect();
        let unindexed = (filter.method_prefix.is_some() || filter.slower_than_ms.is_some())
            && filter.member_id.is_none()
            && filter.domain.is_none()
            && filter.error_code.is_none()
            && !filter.errors_only;
        // An unindexed filter needs the log's newest id before its query, to bound the scan; the
        // newest page of an indexed one reads it in the same statement (one round trip less).
        let newest_id = match dir {
            PageDirection::Latest | PageDirection::After(_) if unindexed => self.max_call_id().await?,
            _ => 0,
        };
        let newest_inline = matches!(dir, PageDirection::Latest) && !unindexed;
        let floor = match (unindexed, dir) {
            (true, PageDirection::Latest) => Some(newest_id - SCAN_WINDOW),
            (true, PageDirection::Before(id)) => Some(id - SCAN_WINDOW),
            _ => None,
        };

        let mut wh = Vec::<String>::new();
        let mut binds = Vec::<Bind>::new();
        if let Some(m) = &filter.member_id {
            wh.push("c.member_id = ?".into());
            binds.push(Bind::Text(m.as_str().to_owned()));
        }
        if let Some(piece) = &filter.domain {
            let (clause, pats) = self.piece_clause("c.member_id", piece);
            wh.push(clause);
            binds.extend(pats.map(Bind::Text));
        }
        if let Some(code) = &filter.error_code {
            wh.push("c.error_code = ?".into());
            binds.push(Bind::Text(code.clone()));
        } else if filter.errors_only {
            wh.push("c.error_code IS NOT NULL".into());
        }
        if let Some(prefix) = &filter.method_prefix {
            wh.push("c.method LIKE ? ESCAPE '!'".into());
            binds.push(Bind::Text(format!("{}%", like_escape(prefix))));
        }
        if let Some(slow) = filter.slower_than_ms {
            wh.push("c.duration_ms > ?".into());
            binds.push(Bind::Int(slow));
        }
        let order = match dir {
            PageDirection::Latest => "DESC",
            PageDirection::Before(id) => {
                wh.push("c.id < ?".into());
                binds.push(Bind::Int(id));
                "DESC"
            }
            PageDirection::After(id) => {
                wh.push("c.id > ?".into());
                binds.push(Bind::Int(id));
                "DESC"
            }
        };
        if let Some(f) = floor {
            wh.push("c.id > ?".into());
            binds.push(Bind::Int(f));
        }
        let where_sql = if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) };
        // A megabyte description must not be read for a list row.
        let inner = format!(
            "SELECT c.id, c.ts, c.member_id, c.method, c.http_status, c.error_code, c.duration_ms, c.operating,
                    c.task_id, c.source, c.request_id, substr(c.error_description, 1, 600) AS error_description
             FROM b24ops_api_calls c {where_sql} ORDER BY c.id {order} LIMIT ?"
        );
        let newest = if newest_inline { ", (SELECT MAX(id) FROM b24ops_api_calls) AS newest_id" } else { "" };
        let sql = if d == Dialect::Sqlite {
            format!("SELECT {} AS page{newest} FROM ({inner}) c", {
                let domain = self.portal_domain_text("c.member_id");
                let columns: Vec<&str> = JSON_COLUMNS.iter().map(|(_, expr)| *expr).chain([domain.as_str()]).collect();
                sqlite_json_rows(&columns, None)
            })
        } else {
            format!(
                "SELECT {LIST_COLUMNS}, {method}, {code}, {src}, {req}, {desc}, {domain} AS domain{newest}
                 FROM ({inner}) c ORDER BY c.id ASC",
                // A lookup per row, not a join: 200 index probes beat a planner's hash join over
                // every portal.
                domain = self.portal_domain("c.member_id"),
                method = d.text_prefix("c.method", 200)
                    + " AS method, "
                    + &d.text_prefix("c.member_id", 64)
                    + " AS member_id",
                code = d.text_prefix("c.error_code", 200) + " AS error_code",
                src = d.text_prefix("c.source", 32) + " AS source",
                req = d.text_prefix("c.request_id", 128) + " AS request_id",
                desc = d.text_prefix("c.error_description", 600) + " AS error_description",
            )
        };
        let sql = d.sql(&sql);
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        let newest_id = match rows.first() {
            Some(r) if newest_inline => r.try_get::<Option<i64>, _>("newest_id")?.unwrap_or(0),
            None if newest_inline => self.max_call_id().await?,
            _ => newest_id,
        };
        let calls = match (d, rows.first()) {
            (Dialect::Sqlite, Some(r)) => decode_json_page(&r.try_get::<Vec<u8>, _>("page")?)?,
            _ => rows.iter().map(|r| decode_call(&DriverRow::new(TABLE, r))).collect::<StoreResult<Vec<_>>>()?,
        };
        let full = calls.len() as i64 >= limit;
        Ok(CallPage {
            searched_down_to: floor.filter(|f| !full && *f > 0),
            truncated: matches!(dir, PageDirection::After(_)) && full,
            rows: calls,
            newest_id,
        })
    }

    /// One call with its whole error description (for the detail pane).
    pub async fn call_detail(&self, id: i64) -> StoreResult<Option<ApiCall>> {
        let d = self.dialect();
        let sql = format!(
            "SELECT c.id, c.ts, c.http_status, c.duration_ms, c.operating, c.task_id, {m} AS member_id, {meth} AS method,
                    {code} AS error_code, {desc} AS error_description, {req} AS request_id, {src} AS source, {dom} AS domain
             FROM b24ops_api_calls c WHERE c.id = ?",
            m = d.text("c.member_id"),
            meth = d.text("c.method"),
            code = d.text("c.error_code"),
            desc = d.text_prefix("c.error_description", 65_536),
            req = d.text("c.request_id"),
            src = d.text("c.source"),
            dom = self.portal_domain("c.member_id"),
        );
        let sql = d.sql(&sql);
        let row = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(|r| decode_call(&DriverRow::new(TABLE, r))).transpose()
    }

    /// The newest call id (0 for an empty log). Served by the primary key.
    pub async fn max_call_id(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT MAX(id) AS m FROM b24ops_api_calls").fetch_one(self.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>("m")?.unwrap_or(0))
    }

    /// Logs one call (the simulator, the console's own calls).
    pub async fn insert_call(&self, c: &NewApiCall) -> StoreResult<i64> {
        let c = c.clone();
        let sql = format!(
            "INSERT INTO b24ops_api_calls (ts, member_id, method, http_status, error_code, error_description, duration_ms, operating, request_id, task_id, source)
             VALUES (?, ?, ?, ?, ?, ?, ?, {}, ?, ?, ?)",
            self.dialect().float_param()
        );
        let id = insert_returning_id(self.dialect(), self.pool(), &sql, move |q| {
            q.bind(ms(c.ts))
                .bind(c.member_id)
                .bind(c.method)
                .bind(c.http_status)
                .bind(c.error_code)
                .bind(c.error_description)
                .bind(c.duration_ms)
                .bind(c.operating.map(|o| o.to_string()))
                .bind(c.request_id)
                .bind(c.task_id)
                .bind(c.source)
        })
        .await?;
        Ok(id)
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The list columns of a SQLite page, named as [`decode_call`] reads them and given as text for
/// its JSON document, before the portal's domain. The document does not keep the calls' order,
/// so [`decode_json_page`] sorts them.
const JSON_COLUMNS: [(&str, &str); 12] = [
    ("id", "c.id"),
    ("ts", "c.ts"),
    ("http_status", "c.http_status"),
    ("duration_ms", "c.duration_ms"),
    // JSON has no infinity (SQLite would write `Inf`, and the whole page would not parse).
    ("operating", "CASE WHEN abs(c.operating) <= 1e300 THEN c.operating END"),
    ("task_id", "c.task_id"),
    ("method", "substr(c.method, 1, 200)"),
    ("member_id", "substr(c.member_id, 1, 64)"),
    ("error_code", "substr(c.error_code, 1, 200)"),
    ("source", "substr(c.source, 1, 32)"),
    ("request_id", "substr(c.request_id, 1, 128)"),
    ("error_description", "c.error_description"),
];

const TABLE: &str = "b24ops_api_calls";

/// The calls of a SQLite page document, ascending by id.
fn decode_json_page(bytes: &[u8]) -> StoreResult<Vec<ApiCall>> {
    let names: Vec<&str> = JSON_COLUMNS.iter().map(|(name, _)| *name).chain(["domain"]).collect();
    let mut calls = json_page::rows(TABLE, bytes)?
        .iter()
        .map(|values| decode_call(&JsonRow::new(TABLE, &names, values)))
        .collect::<StoreResult<Vec<_>>>()?;
    calls.sort_by_key(|c| c.id);
    Ok(calls)
}

/// One call, from a driver row or a page document's row alike.
fn decode_call(r: &impl ReadRow) -> StoreResult<ApiCall> {
    Ok(ApiCall {
        id: r.int("id")?,
        ts: r.instant("ts")?,
        member_id: r.member("member_id")?.unwrap_or_default(),
        domain: r.opt_line("domain")?,
        method: r.line("method")?,
        http_status: r.opt_int("http_status")?,
        error_code: r.opt_line("error_code")?,
        error_description: r.opt_block("error_description")?,
        duration_ms: r.opt_int("duration_ms")?,
        operating: r.opt_f64("operating")?,
        request_id: r.opt_line("request_id")?,
        task_id: r.opt_int("task_id")?,
        source: r.line("source")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::like_escape("a_b%c!"), "a!_b!%c!!");
    }
}
