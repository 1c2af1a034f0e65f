//! Pictures on the console: the Errors tab's 24-hour sparkline per group, drawn from the
//! buckets the page carries, and its narrower forms (never garbled, dropped below 90 columns).

use crate::console::Console;

use b24ops::tui::state::{Loadable, Screen};
use crossterm::event::KeyCode;

const BARS: &str = "▁▂▃▄▅▆▇█";

/// The run of sparkline characters on `line`, the longest one.
fn spark_run(line: &str) -> usize {
    line.split(|c: char| !BARS.contains(c)).map(|run| run.chars().count()).max().unwrap_or(0)
}

#[tokio::test]
async fn errors_tab_draws_a_sparkline_per_group_and_narrows_it_sanely() {
    let mut c = Console::open(3_000).await;
    c.key(KeyCode::Char('2')).await;
    assert_eq!(c.state.screen, Screen::Errors);
    let Loadable::Ready(groups) = &c.state.errors.list.rows else { panic!("groups loaded") };
    let first = groups[0].clone();
    assert_eq!(first.hourly.len(), 24, "the page carries 24 buckets per group");
    assert!(first.hourly.iter().sum::<i64>() > 0, "{first:?}");

    for (w, h, chars, header) in [(200, 60, 24, "24h by hour"), (120, 34, 24, "24h by hour"), (100, 30, 12, "by hour")]
    {
        let text = c.screen_text(w, h);
        assert!(text.contains(header), "{w}×{h}: the column is named\n{text}");
        let row = text.lines().find(|l| l.contains('▶')).unwrap_or_else(|| panic!("{w}×{h}: a selected row\n{text}"));
        assert_eq!(spark_run(row), chars, "{w}×{h}: {chars} characters of sparkline in\n{row}");
        // The error code keeps its room beside the sparkline.
        assert!(row.contains(&first.error_type.as_str()[..8.min(first.error_type.as_str().len())]), "{row}");
    }
    // Too narrow for the picture: the column goes, the counts and the whole error code stay.
    for (w, h) in [(80, 24), (60, 20)] {
        let text = c.screen_text(w, h);
        let row = text.lines().find(|l| l.contains('▶')).unwrap();
        assert_eq!(spark_run(row), 0, "{text}");
        assert!(!text.contains("by hour"));
        assert!(row.contains(&first.last_15m.to_string()));
        if w == 80 {
            assert!(row.contains(first.error_type.as_str()), "{row}");
        }
    }

    // Grouped by type the buckets are there too.
    c.key(KeyCode::Char('t')).await;
    let Loadable::Ready(by_type) = &c.state.errors.list.rows else { panic!("groups loaded") };
    assert!(by_type.iter().all(|g| g.hourly.len() == 24));
    let text = c.screen_text(200, 60);
    assert_eq!(spark_run(text.lines().find(|l| l.contains('▶')).unwrap()), 24, "{text}");
}

/// The Tickets tab's SLA load: a stacked bar whose parts have their own glyphs (readable under
/// NO_COLOR, paused never drawn like breached) and counts that add up to the queue.
#[tokio::test]
async fn tickets_tab_shows_the_queues_sla_load() {
    let mut c = Console::open(3_000).await;
    c.key(KeyCode::Char('7')).await;
    assert_eq!(c.state.screen, Screen::Tickets);
    let Loadable::Ready(q) = &c.state.tickets.list.rows else { panic!("tickets loaded") };
    let total = q.len();
    let paused = q.iter().filter(|x| x.waiting).count();
    assert!(total > 0);
    for (w, h, cells) in [(120, 34, 20), (80, 24, 10)] {
        let text = c.screen_text(w, h);
        let line = text
            .lines()
            .find(|l| l.contains(" SLA ") && !l.contains("SLA deadline"))
            .unwrap_or_else(|| panic!("{w}×{h}: an SLA line\n{text}"));
        let bar = line.chars().filter(|ch| "█▓▒░".contains(*ch)).count();
        assert_eq!(bar, cells, "{line}");
        let legend = line.split(" SLA ").nth(1).unwrap();
        let sum: usize = legend
            .split(|ch: char| !ch.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse::<usize>().unwrap())
            .sum();
        assert_eq!(sum, total, "{line}");
        if paused > 0 {
            assert!(line.contains('░') && line.contains("paused"), "{line}");
        }
    }
}

/// The portal view charts the portal's last 24 hours: calls from its own index, errors from the
/// rollup buckets of its groups, each with the day's total.
#[tokio::test]
async fn portal_view_charts_calls_and_errors_by_hour() {
    let mut c = Console::open(3_000).await;
    c.key(KeyCode::Char('2')).await;
    c.key(KeyCode::Char('p')).await;
    assert_eq!(c.state.screen, Screen::Portal);
    let Some(Loadable::Ready(o)) = c.state.portal.as_ref().map(|p| &p.overview) else { panic!("overview loaded") };
    let (calls, capped) = o.calls_by_hour.clone();
    assert_eq!(calls.len(), 24);
    assert!(!capped && calls.iter().sum::<i64>() > 0);
    let errors: i64 = o.errors.iter().flat_map(|g| g.hourly.iter()).sum();
    assert!(errors > 0, "the busiest group's portal has errors today");
    let text = c.screen_text(120, 34);
    let line = |name: &str| text.lines().find(|l| l.trim_start_matches('│').starts_with(name)).map(str::to_owned);
    let calls_line = line("calls   ").unwrap_or_else(|| panic!("a calls chart\n{text}"));
    assert_eq!(spark_run(&calls_line), 24, "{calls_line}");
    assert!(calls_line.contains(&format!("  {}", calls.iter().sum::<i64>())), "{calls_line}");
    let errors_line = line("errors  ").unwrap_or_else(|| panic!("an errors chart\n{text}"));
    assert_eq!(spark_run(&errors_line), 24, "{errors_line}");
    assert!(errors_line.contains(&format!("  {errors}")), "{errors_line}");
}
