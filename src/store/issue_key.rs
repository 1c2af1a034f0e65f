//! The token issue time of a mapped app table as a bare column, for the Tokens tab's class
//! counts: they compare every portal's issue time with three instants, and converting a datetime
//! column to epoch milliseconds (a zone conversion per row, several times per row) was most of
//! the count's cost — a 50,000-portal count took 3.4× as long as the same count comparing the
//! column with the instants written in the column's own form. So the instants are converted
//! once, into the column's encoding, instead of every row into epoch milliseconds.
//!
//! Exact to the second (what the datetimes keep), for SQLite's text datetimes in the form PHP and
//! Python write (`YYYY-MM-DD HH:MM:SS`). A zone with daylight saving compares by wall
//! clock, which differs from the instant's order only inside the repeated autumn hour.

use chrono::{DateTime, Duration, Utc};

use super::dialect::Dialect;
use super::portal_source::{PortalSource, TimeValue, encode_time, time_param};
use crate::config::TimeEncoding;

/// The issue time's column, compared with bounds in its own encoding.
#[derive(Clone, Debug)]
pub(crate) struct IssueKey {
    /// The column as the comparison reads it.
    pub expr: String,
    /// The placeholder a bound is given through.
    pub param: &'static str,
    encoding: TimeEncoding,
    /// The column's time less the issue time (the access lifetime when the column is the expiry).
    ahead: Duration,
}

impl IssueKey {
    /// `issued` as a bound on the column: `issue <= issued` exactly when `expr <= bound`, and
    /// likewise for `>`.
    pub fn bound(&self, issued: DateTime<Utc>) -> TimeValue {
        encode_time(issued + self.ahead, self.encoding)
    }
}

/// The bare column for a mapped table whose issue time is one of its datetime columns shifted by
/// a constant; `None` where the time expression is as cheap (epoch columns) or the only way (an
/// `expires_in` column, b24ops's own table).
pub(crate) fn issue_key(src: &PortalSource, d: Dialect) -> Option<IssueKey> {
    let (column, ahead) = src.bare_issue_column()?;
    let TimeEncoding::DateTime(_) = column.encoding else { return None };
    // Bare, on SQLite too, whose datetimes are text: any function on the column (even a
    // `replace` of ISO's `T`) tripled the count's cost, and the bare column can use an index.
    // PHP and Python write `YYYY-MM-DD HH:MM:SS`, the form of the bounds; `portals check` warns
    // of a `T`, which only misplaces a portal whose issue day is an edge's day.
    let expr = format!("t.{}", column.name);
    Some(IssueKey { expr, param: time_param(d, column.encoding), encoding: column.encoding, ahead })
}
