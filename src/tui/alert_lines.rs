//! The Alerts tab's lines: alerts grouped by rule, a group folded into one line with its count
//! until it is expanded. A burst of errors fires one alert per portal; folded, eighty of them
//! are one line instead of four screens.

use crate::rules::alerts::Severity;
use crate::services::alerts::AlertRow;

/// One line of the Alerts tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlertLine {
    /// A rule that fires more than once.
    Group {
        /// The rule.
        rule: String,
        /// Its alerts.
        count: usize,
        /// Index of its first alert in the rows.
        first: usize,
        /// Its severity.
        severity: Severity,
        /// Its alerts are listed below it.
        expanded: bool,
    },
    /// One alert: an index into the rows; `nested` under its expanded group.
    Alert {
        /// Index into the rows.
        index: usize,
        /// Listed under its group's line.
        nested: bool,
    },
}

/// What a line is about, stable across reloads: the rule, and the alert's key for an alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineKey {
    /// The rule.
    pub rule: String,
    /// The alert's key; `None` for a group's line.
    pub key: Option<String>,
}

/// The lines for `rows` (sorted so that one rule's alerts are together) with the rules in
/// `expanded` unfolded.
pub fn lines(rows: &[AlertRow], expanded: &[String]) -> Vec<AlertLine> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let rule = &rows[i].firing.rule;
        let count = rows[i..].iter().take_while(|r| &r.firing.rule == rule).count();
        if count == 1 {
            out.push(AlertLine::Alert { index: i, nested: false });
        } else {
            let open = expanded.contains(rule);
            let severity = rows[i..i + count].iter().map(|r| r.firing.severity).max().unwrap_or(Severity::Warning);
            out.push(AlertLine::Group { rule: rule.clone(), count, first: i, severity, expanded: open });
            if open {
                out.extend((i..i + count).map(|index| AlertLine::Alert { index, nested: true }));
            }
        }
        i += count;
    }
    out
}

/// The key of `line` in `rows`.
pub fn key_of(rows: &[AlertRow], line: &AlertLine) -> Option<LineKey> {
    match line {
        AlertLine::Group { rule, .. } => Some(LineKey { rule: rule.clone(), key: None }),
        AlertLine::Alert { index, .. } => {
            rows.get(*index).map(|r| LineKey { rule: r.firing.rule.clone(), key: Some(r.firing.figure.key.clone()) })
        }
    }
}

/// Where `key` is among `lines`: the alert itself, else its group's line, else nothing.
pub fn find(rows: &[AlertRow], lines: &[AlertLine], key: &LineKey) -> Option<usize> {
    let exact = lines.iter().position(|l| key_of(rows, l).as_ref() == Some(key));
    exact.or_else(|| {
        lines.iter().position(|l| match l {
            AlertLine::Group { rule, .. } => *rule == key.rule,
            AlertLine::Alert { index, .. } => rows.get(*index).is_some_and(|r| r.firing.rule == key.rule),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::alerts::{AlertKind, Figure, Firing};

    fn row(rule: &str, key: &str) -> AlertRow {
        AlertRow {
            firing: Firing {
                rule: rule.into(),
                severity: Severity::Warning,
                figure: Figure { key: key.into(), portals: vec![], value: 1, summary: key.into() },
            },
            kind: AlertKind::Errors,
            state: None,
        }
    }

    #[test]
    fn a_rule_that_fires_often_is_one_line_until_expanded() {
        let rows = vec![row("burst", "a"), row("burst", "b"), row("burst", "c"), row("tasks", "t")];
        let folded = lines(&rows, &[]);
        assert_eq!(folded.len(), 2);
        assert!(matches!(&folded[0], AlertLine::Group { count: 3, first: 0, expanded: false, .. }));
        assert_eq!(folded[1], AlertLine::Alert { index: 3, nested: false });
        let open = lines(&rows, &["burst".into()]);
        assert_eq!(open.len(), 5);
        assert_eq!(open[2], AlertLine::Alert { index: 1, nested: true });
        let b = LineKey { rule: "burst".into(), key: Some("b".into()) };
        assert_eq!(find(&rows, &open, &b), Some(2));
        assert_eq!(find(&rows, &folded, &b), Some(0), "folded: its group's line");
    }
}
