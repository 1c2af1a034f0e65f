//! Layout that uses the width: columns sized from their content, domains cut in the middle, the
//! tab bar and the hint bar at 80 columns, sort by column, and snapshots of every tab.

use crate::console::Console;

use b24ops::tui::state::{Loadable, Screen};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn line_with<'a>(text: &'a str, needle: &str) -> Option<&'a str> {
    text.lines().find(|l| l.contains(needle))
}

#[tokio::test]
async fn errors_at_120_show_whole_domains_and_codes() {
    let mut c = Console::open(4_000).await;
    c.key(KeyCode::Char('2')).await;
    let Loadable::Ready(groups) = &c.state.errors.list.rows else { panic!("groups loaded") };
    let groups = groups.clone();
    let text = c.screen_text(120, 34);
    // Before: the portal column was 16 wide (`proinvest-0.bitr`) beside ~60 blank columns.
    for g in groups.iter().take(10) {
        let d = g.domain.as_ref().map(|d| d.as_str().to_owned()).unwrap_or_default();
        assert!(text.contains(&d), "{d} whole at 120 wide:\n{text}");
    }
    let text = c.screen_text(200, 60);
    for g in groups.iter().take(20) {
        assert!(text.contains(g.error_type.as_str()), "{} whole at 200 wide:\n{text}", g.error_type);
    }
}

#[tokio::test]
async fn a_cut_domain_keeps_its_tld() {
    let mut c = Console::open(4_000).await;
    let call = c.state.calls.selected_call().unwrap().clone();
    let domain = call.domain.unwrap().as_str().to_owned();
    let text = c.screen_text(60, 24);
    let row = line_with(&text, "│▶").unwrap();
    // Before: cut from the right, `logistmarket-0` — the TLD lost and portals ambiguous.
    let kept_end = (8..domain.len()).any(|k| row.contains(&format!("…{}", &domain[domain.len() - k..])));
    assert!(row.contains(&domain) || kept_end, "the end of {domain} is kept: {row}");
}

#[tokio::test]
async fn at_60_wide_the_method_column_keeps_its_minimum() {
    let mut c = Console::open(4_000).await;
    let method = c.state.calls.selected_call().unwrap().method.as_str().to_owned();
    let text = c.screen_text(60, 24);
    let header = line_with(&text, "time").unwrap();
    assert!(header.contains("method"), "the method column is there: {header}");
    let row = line_with(&text, "│▶").unwrap();
    let shown: String = method.chars().take(10).collect();
    assert!(row.contains(&shown), "at least 10 characters of {method}: {row}");
}

#[tokio::test]
async fn rule_names_and_audit_targets_are_whole_at_200() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char('8')).await;
    let Loadable::Ready(alerts) = &c.state.alerts.list.rows else { panic!("alerts loaded") };
    let rules: Vec<String> = alerts.iter().map(|a| a.firing.rule.clone()).collect();
    let text = c.screen_text(200, 60);
    for r in rules.iter().take(10) {
        assert!(text.contains(r.as_str()), "rule {r} whole:\n{text}");
    }
    c.key(KeyCode::Char('3')).await;
    c.key(KeyCode::Char('r')).await;
    c.key(KeyCode::Char('4')).await;
    let Loadable::Ready(audit) = &c.state.audit.list.rows else { panic!("audit loaded") };
    let target = audit[0].target.as_str().to_owned();
    let action = audit[0].action.as_str().to_owned();
    let text = c.screen_text(200, 60);
    assert!(text.contains(&target) && text.contains(&action), "{action} {target} whole:\n{text}");
}

#[tokio::test]
async fn at_80_wide_the_tab_bar_shows_the_active_tab_and_the_hints_keep_help_and_quit() {
    let mut c = Console::open(300).await;
    for (key, name) in [('8', "Alerts"), ('9', "Planned"), ('1', "Calls"), ('5', "Reviews"), ('7', "Tickets")] {
        c.key(KeyCode::Char(key)).await;
        let text = c.screen_text(80, 24);
        let tabs = text.lines().nth(1).unwrap();
        assert!(tabs.contains(&format!("{key} {name}")), "{name} shown: {tabs}");
        assert!(tabs.contains('‹') || tabs.contains('›'), "a marker says more tabs exist: {tabs}");
        let hints = text.lines().last().unwrap();
        assert!(hints.contains("? help") && hints.contains("q quit"), "{name}: {hints}");
    }
}

#[tokio::test]
async fn every_tab_lists_its_own_keys() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char('7')).await;
    let hints = c.screen_text(200, 40).lines().last().unwrap().to_owned();
    assert!(hints.contains("P priority") && hints.contains("L link portal"), "{hints}");
    c.key(KeyCode::Char('5')).await;
    let hints = c.screen_text(200, 40).lines().last().unwrap().to_owned();
    assert!(hints.contains("n new") && hints.contains("E $EDITOR"), "{hints}");
}

fn errors_15m(c: &Console) -> Vec<i64> {
    let Loadable::Ready(g) = &c.state.errors.list.rows else { panic!("groups loaded") };
    g.iter().map(|g| g.last_15m).collect()
}

#[tokio::test]
async fn o_sorts_by_column_keeps_the_selection_and_survives_refresh_and_filter() {
    let mut c = Console::open(4_000).await;
    c.key(KeyCode::Char('2')).await;
    c.key(KeyCode::Down).await;
    c.key(KeyCode::Down).await;
    let chosen = c.state.errors.list.selected_row().unwrap().clone();
    c.key(KeyCode::Char('o')).await;
    let n = errors_15m(&c);
    assert!(n.windows(2).all(|w| w[0] <= w[1]), "ascending by 15m: {n:?}");
    let now = c.state.errors.list.selected_row().unwrap();
    assert_eq!((&now.member_id, &now.error_type), (&chosen.member_id, &chosen.error_type), "same row selected");
    let text = c.screen_text(120, 34);
    assert!(text.contains("15m▲"), "the header marks the sorted column:\n{text}");
    c.send(b24ops::tui::update::Msg::Key(KeyEvent::new(KeyCode::Char('O'), KeyModifiers::SHIFT))).await;
    let n = errors_15m(&c);
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "descending: {n:?}");
    assert!(c.screen_text(120, 34).contains("15m▼"));
    c.key(KeyCode::Char('R')).await;
    let n = errors_15m(&c);
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "still sorted after a refresh: {n:?}");
    c.key(KeyCode::Char('/')).await;
    c.chars("bitrix24").await;
    c.key(KeyCode::Enter).await;
    let n = errors_15m(&c);
    assert!(!n.is_empty());
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "still sorted after a filter: {n:?}");
    // Past the last sortable column: back to the order the list loads in.
    for _ in 0..7 {
        c.key(KeyCode::Char('o')).await;
    }
    assert!(c.state.errors.list.sort.is_none());
    assert!(!c.screen_text(120, 34).contains('▲'));
}

#[tokio::test]
async fn o_on_calls_says_the_tail_stays_in_time_order() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char('o')).await;
    assert!(c.state.flash.as_ref().unwrap().text.contains("time order"));
    c.key(KeyCode::Char('3')).await;
    c.key(KeyCode::Char('o')).await;
    let Loadable::Ready(t) = &c.state.tasks.list.rows else { panic!("tasks") };
    assert!(t.windows(2).all(|w| w[0].id <= w[1].id), "tasks by id");
}

#[tokio::test]
async fn snapshots_of_every_tab() {
    let mut c = Console::open(4_000).await;
    for (key, screen, name) in [
        ('3', Screen::Tasks, "tasks"),
        ('4', Screen::Audit, "audit"),
        ('6', Screen::Tokens, "tokens"),
        ('7', Screen::Tickets, "tickets"),
        ('8', Screen::Alerts, "alerts"),
        ('9', Screen::Maintenance, "planned"),
    ] {
        c.key(KeyCode::Char(key)).await;
        assert_eq!(c.state.screen, screen);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("layout_{name}_{w}x{h}"), c.screen_text(w, h));
        }
    }
    c.key(KeyCode::Char('?')).await;
    insta::assert_snapshot!("layout_help_160x48", c.screen_text(160, 48));
}
