//! Getting around the console: the back stack, alerts that open their exact row, alerts grouped
//! by rule, and the Incidents view with its private record.

use std::os::unix::fs::PermissionsExt;

use crate::console::Console;

use b24ops::rules::alerts::AlertKind;
use b24ops::tui::alert_lines::AlertLine;
use b24ops::tui::state::{Loadable, Screen};
use crossterm::event::KeyCode;

/// Opens the Alerts tab and puts the cursor on `index` (a row of the loaded alerts), unfolding
/// its group when it has one.
async fn select_alert(c: &mut Console, index: usize) {
    let lines = c.state.alerts.lines();
    let at = lines.iter().position(|l| match l {
        AlertLine::Alert { index: i, .. } => *i == index,
        AlertLine::Group { first, count, .. } => (*first..first + count).contains(&index),
    });
    c.state.alerts.cursor = at.unwrap();
    if matches!(lines[c.state.alerts.cursor], AlertLine::Group { .. }) {
        c.key(KeyCode::Enter).await;
        let lines = c.state.alerts.lines();
        c.state.alerts.cursor =
            lines.iter().position(|l| matches!(l, AlertLine::Alert { index: i, .. } if *i == index)).unwrap();
    }
    assert_eq!(c.state.alerts.selected_row(), c.state.alerts.list.rows.ready().unwrap().get(index));
}

/// The last loaded alert of `kind` (the last, so that it is not the first row of its tab).
fn last_of(c: &Console, kind: AlertKind) -> Option<usize> {
    c.state.alerts.list.rows.ready().unwrap().iter().rposition(|r| r.kind == kind)
}

#[tokio::test]
async fn an_alert_selects_its_exact_row_and_esc_comes_back_to_it() {
    let mut c = Console::open(2_000).await;
    c.key(KeyCode::Char('8')).await;
    let mut tried = 0;
    for kind in [AlertKind::Sla, AlertKind::Reviews, AlertKind::Tokens] {
        let Some(index) = last_of(&c, kind) else { continue };
        tried += 1;
        select_alert(&mut c, index).await;
        let cursor = c.state.alerts.cursor;
        let row = c.state.alerts.selected_row().cloned().unwrap();
        c.key(KeyCode::Enter).await;
        let key = &row.firing.figure.key;
        match kind {
            AlertKind::Sla => {
                assert_eq!(c.state.screen, Screen::Tickets);
                let id = c.state.tickets.selected_ticket().unwrap().ticket.id;
                assert_eq!(format!("ticket #{id}"), *key, "the alert's own ticket is selected");
            }
            AlertKind::Reviews => {
                assert_eq!(c.state.screen, Screen::Reviews);
                let id = c.state.reviews.selected_entry().unwrap().review.id;
                assert_eq!(format!("review #{id}"), *key, "the alert's own review is selected");
            }
            _ => {
                assert_eq!(c.state.screen, Screen::Tokens);
                let m = c.state.tokens.selected_row().unwrap().portal.member_id.clone();
                assert_eq!(m.as_str(), key, "the alert's own portal is selected");
            }
        }
        c.key(KeyCode::Esc).await;
        assert_eq!(c.state.screen, Screen::Alerts, "Esc returns where Enter came from");
        assert_eq!(c.state.alerts.cursor, cursor, "with the same line selected");
        assert_eq!(c.state.alerts.selected_row().map(|r| &r.firing.figure.key), Some(key));
    }
    assert!(tried >= 2, "the seeded data fires ticket, review or token alerts");
}

#[tokio::test]
async fn alerts_are_grouped_by_rule_with_counts_and_expand() {
    let mut c = Console::open(2_000).await;
    c.key(KeyCode::Char('8')).await;
    let rows = c.state.alerts.list.len();
    let lines = c.state.alerts.lines();
    assert!(lines.len() < rows, "{} lines for {rows} alerts", lines.len());
    let (at, count) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| match l {
            AlertLine::Group { count, .. } => Some((i, *count)),
            _ => None,
        })
        .unwrap();
    c.state.alerts.cursor = at;
    assert_eq!(c.state.alerts.selected_row(), None, "a group's line is no one alert to act on");
    c.key(KeyCode::Char('a')).await;
    assert!(c.state.flash.as_ref().is_some_and(|f| f.error), "ack on a group says why not");
    let text = c.screen_text(120, 34);
    assert!(text.contains(&format!("▸ {count} alerts")), "the group's count is shown:\n{text}");
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.alerts.lines().len(), lines.len() + count, "Enter lists the group's alerts");
    assert_eq!(c.state.alerts.cursor, at, "the cursor stays on the group's line");
    c.key(KeyCode::Down).await;
    assert!(c.state.alerts.selected_row().is_some());
    c.key(KeyCode::Up).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.alerts.lines().len(), lines.len(), "Enter again folds it");
}

#[tokio::test]
async fn esc_walks_back_through_jumps_with_their_selection_and_filter() {
    let mut c = Console::open(2_000).await;
    c.key(KeyCode::Char('e')).await;
    let errors_only = c.state.calls.filter.clone();
    assert!(errors_only.errors_only);
    c.key(KeyCode::Char('p')).await;
    assert_eq!(c.state.screen, Screen::Portal);
    c.key(KeyCode::Char('c')).await;
    assert_eq!(c.state.screen, Screen::Calls);
    assert_ne!(c.state.calls.filter, errors_only);
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Portal, "back to the portal view");
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Calls);
    assert_eq!(c.state.calls.filter, errors_only, "the calls filtered as they were");
    c.key(KeyCode::Char('2')).await;
    for _ in 0..3 {
        c.key(KeyCode::Down).await;
    }
    let group = c.state.errors.list.selected;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Calls);
    c.key(KeyCode::Esc).await;
    assert_eq!((c.state.screen, c.state.errors.list.selected), (Screen::Errors, group), "the same group");
    c.key(KeyCode::Char('p')).await;
    c.key(KeyCode::Char('c')).await;
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Esc).await;
    assert_eq!((c.state.screen, c.state.errors.list.selected), (Screen::Errors, group), "through the portal");
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Char('4')).await;
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Audit, "a tab chosen by its key has no way back");
}

#[tokio::test]
async fn the_incidents_view_shows_the_live_timeline_and_the_private_record() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char(':')).await;
    c.chars("incident major Sync is slow").await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Char(':')).await;
    c.chars("note looking at the queue").await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Char(':')).await;
    c.chars("incident").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Incident, ":incident alone opens the view");
    let Loadable::Ready(Some(sheet)) = &c.state.incident_view.sheet else { panic!("the incident loaded") };
    assert!(sheet.incident.resolved_at.is_none());
    assert!(sheet.entries.iter().any(|e| e.what.contains("looking at the queue")), "{:?}", sheet.entries);
    let text = c.screen_text(120, 34);
    assert!(text.contains("Sync is slow") && text.contains("looking at the queue"), "{text}");
    // Live: a note added while the view is open shows with the next refresh.
    c.key(KeyCode::Char(':')).await;
    c.chars("note restarted the worker").await;
    c.key(KeyCode::Enter).await;
    c.send(b24ops::tui::update::Msg::RefreshTick).await;
    assert!(c.screen_text(120, 34).contains("restarted the worker"));
    c.key(KeyCode::Char(':')).await;
    c.chars("resolve-incident worker restarted").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Incident);
    let Loadable::Ready(Some(sheet)) = &c.state.incident_view.sheet else { panic!("the incident loaded") };
    let path = sheet.record.clone().expect("the record is offered in the view");
    assert!(path.starts_with(&c.runner.records), "{} is under the state directory", path.display());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&path), mode(path.parent().unwrap())), (0o600, 0o700));
    assert!(std::fs::read_to_string(&path).unwrap().contains("restarted the worker"));
    let text = c.screen_text(200, 60);
    assert!(text.contains(&path.file_name().unwrap().to_string_lossy().to_string()), "{text}");
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Calls, "Esc returns where the view was opened from");
}
