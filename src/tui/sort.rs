//! Sorting a list tab by one of its columns (`o` / `O`). Each row type names the columns it can
//! be sorted by, with the same titles as the tab's header, and how two rows compare there. The
//! sort is applied to the rows in memory; `ListTab` keeps it across refreshes.

use std::cmp::Ordering;

use crate::model::{AuditEntry, ErrorGroup, SafeText, TaskBrief};
use crate::services::reviews::InboxEntry;
use crate::services::tickets::QueuedTicket;
use crate::services::tokens::TokenRow;

/// How two rows compare in one column.
pub type Compare<T> = fn(&T, &T) -> Ordering;

/// A row type whose list can be sorted by column.
pub trait Sortable: Sized + 'static {
    /// The sortable columns, by header title, in the order `o` cycles through them.
    fn columns() -> &'static [(&'static str, Compare<Self>)];
}

/// The sort chosen on a tab: a column by title, and its direction.
pub struct SortBy<T> {
    /// The header title of the sorted column.
    pub column: &'static str,
    /// Largest first.
    pub descending: bool,
    /// How two rows compare in that column.
    pub compare: Compare<T>,
}

impl<T> Clone for SortBy<T> {
    fn clone(&self) -> Self {
        SortBy { column: self.column, descending: self.descending, compare: self.compare }
    }
}

impl<T> std::fmt::Debug for SortBy<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SortBy({}, {})", self.column, if self.descending { "desc" } else { "asc" })
    }
}

/// The sort after `o` (`reverse` false: the next column, after the last none) or `O` (`reverse`:
/// the other direction; with no sort yet, the first column largest first).
pub fn next<T: Sortable>(current: Option<&SortBy<T>>, reverse: bool) -> Option<SortBy<T>> {
    let cols = T::columns();
    let make = |i: usize, descending: bool| {
        cols.get(i).map(|(column, compare)| SortBy { column, descending, compare: *compare })
    };
    let at = current.and_then(|c| cols.iter().position(|(t, _)| *t == c.column));
    match (at, reverse) {
        (None, false) => make(0, false),
        (None, true) => make(0, true),
        (Some(i), true) => make(i, !current.is_some_and(|c| c.descending)),
        (Some(i), false) => make(i + 1, false),
    }
}

/// `rows` in `sort`'s order (stable, so equal rows keep their loaded order); returns where the
/// row at `selected` went, so the selection stays on the same row.
pub fn apply<T>(rows: &mut Vec<T>, sort: &SortBy<T>, selected: usize) -> usize {
    let mut tagged: Vec<(usize, T)> = rows.drain(..).enumerate().collect();
    tagged.sort_by(|(_, a), (_, b)| {
        let o = (sort.compare)(a, b);
        if sort.descending { o.reverse() } else { o }
    });
    let at = tagged.iter().position(|(i, _)| *i == selected).unwrap_or(0);
    rows.extend(tagged.into_iter().map(|(_, r)| r));
    at
}

fn text(a: Option<&SafeText>, b: Option<&SafeText>) -> Ordering {
    let a = a.map(|s| s.as_str().to_lowercase());
    let b = b.map(|s| s.as_str().to_lowercase());
    a.cmp(&b)
}

fn priority_rank(p: &str) -> u8 {
    match p {
        "critical" => 0,
        "high" => 1,
        "normal" => 2,
        "low" => 3,
        _ => 4,
    }
}

impl Sortable for ErrorGroup {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("15m", |a, b| a.last_15m.cmp(&b.last_15m)),
            ("1h", |a, b| a.last_1h.cmp(&b.last_1h)),
            ("24h", |a, b| a.last_24h.cmp(&b.last_24h)),
            ("portal", |a, b| text(a.domain.as_ref(), b.domain.as_ref())),
            ("error", |a, b| text(Some(&a.error_type), Some(&b.error_type))),
            ("last", |a, b| a.last_seen.cmp(&b.last_seen)),
            ("first", |a, b| a.first_seen.cmp(&b.first_seen)),
        ]
    }
}

impl Sortable for TaskBrief {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("id", |a, b| a.id.cmp(&b.id)),
            ("kind", |a, b| text(Some(&a.kind), Some(&b.kind))),
            ("portal", |a, b| text(a.domain.as_ref(), b.domain.as_ref())),
            ("tries", |a, b| a.attempts.cmp(&b.attempts)),
            ("failed", |a, b| a.failed_at.cmp(&b.failed_at)),
            ("error", |a, b| text(a.last_error.as_ref(), b.last_error.as_ref())),
        ]
    }
}

impl Sortable for AuditEntry {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("when", |a, b| a.ts.cmp(&b.ts)),
            ("operator", |a, b| text(Some(&a.operator), Some(&b.operator))),
            ("action", |a, b| text(Some(&a.action), Some(&b.action))),
            ("target", |a, b| text(Some(&a.target), Some(&b.target))),
        ]
    }
}

impl Sortable for InboxEntry {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("reply due", |a, b| a.clock.reply_due.cmp(&b.clock.reply_due)),
            ("stars", |a, b| a.review.rating.cmp(&b.review.rating)),
            ("author", |a, b| text(Some(&a.review.author), Some(&b.review.author))),
            ("portal", |a, b| text(a.review.domain.as_ref(), b.review.domain.as_ref())),
        ]
    }
}

impl Sortable for QueuedTicket {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("#", |a, b| a.ticket.id.cmp(&b.ticket.id)),
            ("next target", |a, b| a.next_due.cmp(&b.next_due)),
            ("priority", |a, b| {
                priority_rank(a.ticket.priority.as_str()).cmp(&priority_rank(b.ticket.priority.as_str()))
            }),
            ("portal", |a, b| text(a.ticket.domain.as_ref(), b.ticket.domain.as_ref())),
            ("status", |a, b| text(Some(&a.ticket.status), Some(&b.ticket.status))),
            ("assignee", |a, b| text(a.ticket.assignee.as_ref(), b.ticket.assignee.as_ref())),
        ]
    }
}

impl Sortable for TokenRow {
    fn columns() -> &'static [(&'static str, Compare<Self>)] {
        &[
            ("days", |a, b| a.state.days_left.cmp(&b.state.days_left)),
            ("domain", |a, b| text(Some(&a.portal.domain), Some(&b.portal.domain))),
            ("last refresh", |a, b| a.portal.last_refresh_at.cmp(&b.portal.last_refresh_at)),
            ("last open", |a, b| a.portal.last_seen_at.cmp(&b.portal.last_seen_at)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(i64, &'static str);

    impl Sortable for Row {
        fn columns() -> &'static [(&'static str, Compare<Self>)] {
            &[("n", |a, b| a.0.cmp(&b.0)), ("name", |a, b| a.1.cmp(b.1))]
        }
    }

    #[test]
    fn o_cycles_the_columns_then_back_to_as_loaded_and_o_reverses() {
        let s = next::<Row>(None, false).unwrap();
        assert_eq!((s.column, s.descending), ("n", false));
        let s = next(Some(&s), true).unwrap();
        assert_eq!((s.column, s.descending), ("n", true));
        let s = next(Some(&s), false).unwrap();
        assert_eq!((s.column, s.descending), ("name", false));
        assert!(next(Some(&s), false).is_none(), "after the last column: as loaded");
    }

    #[test]
    fn sorting_keeps_the_selected_row_selected() {
        let mut rows = vec![Row(3, "c"), Row(1, "a"), Row(2, "b")];
        let s = next::<Row>(None, false).unwrap();
        let at = apply(&mut rows, &s, 0);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(rows[at].0, 3, "the row that was selected is still selected");
    }
}
