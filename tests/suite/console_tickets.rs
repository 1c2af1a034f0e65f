//! The Tickets tab as drawn: status and assignee at 120 columns, paused tickets apart from
//! breached ones without colour, and the reply written below the message it answers.

use crate::common;
use crate::console::Console;

use b24ops::rules::sla::TargetState;
use b24ops::store::TicketChange;
use b24ops::tui::state::{Loadable, Overlay, Screen};
use b24ops::tui::tabs::TicketsEffect;
use b24ops::tui::update::Effect;
use crossterm::event::KeyCode;

/// The screen line showing ticket `id` in the queue.
fn row_of(text: &str, id: i64) -> &str {
    let cell = format!("{id} ");
    text.lines().find(|l| l.starts_with('│') && l.trim_start_matches(['│', '▶', ' ']).starts_with(&cell)).unwrap_or("")
}

#[tokio::test]
async fn status_and_assignee_show_at_120_and_a_paused_ticket_is_not_drawn_as_breached() {
    let mut c = Console::open(500).await;
    c.key(KeyCode::Char('7')).await;
    assert_eq!(c.state.screen, Screen::Tickets);
    // Put a ticket still in time on hold: waiting on the customer pauses its resolution clock.
    let rows = c.state.tickets.list.rows.ready().unwrap();
    let at = rows.iter().position(|q| matches!(q.sla.resolution, Some(TargetState::Running { .. }))).unwrap();
    let id = rows[at].ticket.id;
    let change = TicketChange::Status("on_hold".into());
    c.run_effects(vec![Effect::Tickets(TicketsEffect::Change { id, change, now: common::now() })]).await;
    c.key(KeyCode::Char('R')).await;
    let q = c.state.tickets.list.rows.ready().unwrap().iter().find(|q| q.ticket.id == id).unwrap().clone();
    assert!(matches!(q.sla.resolution, Some(TargetState::Paused { .. })), "{:?}", q.sla);
    let text = c.screen_text(120, 34);
    assert!(text.contains("status") && text.contains("assignee"), "{text}");
    let row = row_of(&text, id);
    assert!(row.contains("on_hold"), "the status is on the row at 120 wide: {row:?}\n{text}");
    assert!(row.contains('⏸') && !row.contains("! "), "paused, marked so without colour: {row:?}");
    let breached: Vec<i64> = c
        .state
        .tickets
        .list
        .rows
        .ready()
        .unwrap()
        .iter()
        .filter(|x| x.ticket.id != id && matches!(x.sla.resolution, Some(TargetState::Breached { .. })))
        .map(|x| x.ticket.id)
        .collect();
    assert!(breached.len() >= 2, "the seed has breached tickets");
    let row = row_of(&text, breached[1]);
    assert!(!row.contains('⏸') && row.contains("! "), "a breached ticket is marked so, not paused: {row:?}");
    // Put on hold after its breach: its clock stands still, and it reads as waiting, not breached.
    let change = TicketChange::Status("pending".into());
    c.run_effects(vec![Effect::Tickets(TicketsEffect::Change { id: breached[0], change, now: common::now() })]).await;
    c.key(KeyCode::Char('R')).await;
    let text = c.screen_text(120, 34);
    let row = row_of(&text, breached[0]);
    assert!(row.contains('⏸') && row.contains("pending") && !row.contains("! "), "{row:?}");
}

#[tokio::test]
async fn the_reply_editor_leaves_the_customers_last_message_in_view() {
    let mut c = Console::open(500).await;
    c.key(KeyCode::Char('7')).await;
    c.key(KeyCode::Char('e')).await;
    assert!(matches!(c.state.overlay, Some(Overlay::TicketReply(_))));
    let Some((_, Loadable::Ready(msgs))) = &c.state.tickets.thread else { panic!("the thread loaded") };
    let last = msgs.iter().rev().find(|m| m.direction.as_str() == "in").expect("the customer wrote").clone();
    let first_line: String = last.body.as_str().lines().next().unwrap().chars().take(30).collect();
    for (w, h) in [(80, 24), (120, 34)] {
        let text = c.screen_text(w, h);
        assert!(text.contains("customer's last message"), "{text}");
        assert!(text.contains(first_line.trim()), "{first_line:?} is on screen at {w}x{h}:\n{text}");
    }
}
