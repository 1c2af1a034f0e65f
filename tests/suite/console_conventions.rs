//! Conventions users of k9s, lazygit and htop expect: Tab between tabs, copying the selected
//! value, Ctrl-Z, the message log.

use crate::console::Console;

use b24ops::tui::state::{Overlay, Screen};
use b24ops::tui::update::{self, Effect, Msg};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The effects one key asks for, without running them.
fn effects_of(c: &mut Console, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update::update(&mut c.state, Msg::Key(KeyEvent::new(code, mods))).effects
}

#[tokio::test]
async fn tab_and_shift_tab_move_between_tabs() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Tab).await;
    assert_eq!(c.state.screen, Screen::Errors);
    c.send(Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))).await;
    assert_eq!(c.state.screen, Screen::Calls);
    c.send(Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))).await;
    assert_eq!(c.state.screen, Screen::Maintenance, "wraps around");
}

#[tokio::test]
async fn y_copies_the_selected_domain_and_shift_y_its_member_id() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char('6')).await;
    c.key(KeyCode::Down).await;
    let row = c.state.tokens.selected_row().unwrap().clone();
    let fx = effects_of(&mut c, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(fx, vec![Effect::Copy(row.portal.domain.as_str().to_owned())]);
    let fx = effects_of(&mut c, KeyCode::Char('Y'), KeyModifiers::SHIFT);
    assert_eq!(fx, vec![Effect::Copy(row.portal.member_id.to_string())]);
    c.key(KeyCode::Char('7')).await;
    let id = c.state.tickets.selected_ticket().unwrap().ticket.id;
    assert_eq!(effects_of(&mut c, KeyCode::Char('y'), KeyModifiers::NONE), vec![Effect::Copy(id.to_string())]);
}

#[tokio::test]
async fn ctrl_z_asks_the_event_loop_to_suspend() {
    let mut c = Console::open(200).await;
    assert_eq!(effects_of(&mut c, KeyCode::Char('z'), KeyModifiers::CONTROL), vec![Effect::Suspend]);
    assert!(!c.state.quit);
}

#[tokio::test]
async fn messages_keeps_every_status_message_for_later() {
    let mut c = Console::open(200).await;
    c.key(KeyCode::Char('9')).await;
    c.key(KeyCode::Char('p')).await;
    let said = c.state.flash.clone().unwrap().text;
    // The status line moves on; the log keeps it.
    c.send(Msg::ClockTick(c.state.now + chrono::Duration::seconds(30))).await;
    assert!(c.state.flash.is_none());
    c.key(KeyCode::Char(':')).await;
    c.chars("messages").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Messages);
    assert!(c.screen_text(120, 34).contains(&said));
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Maintenance, "Esc returns where it was opened");
}

#[tokio::test]
async fn help_opens_at_this_screens_keys_in_columns_and_searches() {
    let mut c = Console::open(200).await;
    c.key(KeyCode::Char('6')).await;
    c.key(KeyCode::Char('?')).await;
    let text = c.screen_text(200, 60);
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s:?} missing:\n{text}"));
    assert!(at("Tokens (this screen)") < at("Everywhere"), "the screen's own keys first");
    let line = text.lines().find(|l| l.contains("refresh-expiring")).unwrap();
    assert!(
        line.contains("refresh-expiring  Refresh every live portal within the warning window (asks first, paced)"),
        "the name has its own column and the description is whole at 200 wide: {line:?}"
    );
    c.key(KeyCode::Char('/')).await;
    c.chars("assign").await;
    c.key(KeyCode::Enter).await;
    let text = c.screen_text(120, 34);
    assert!(text.contains("assign-me") && !text.contains("restart-all"), "{text}");
    c.key(KeyCode::Esc).await;
    assert!(matches!(&c.state.overlay, Some(Overlay::Help(h)) if h.query.is_empty()), "Esc drops the search");
    c.key(KeyCode::Esc).await;
    assert!(c.state.overlay.is_none());
}

fn mouse(kind: crossterm::event::MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(crossterm::event::MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

#[tokio::test]
async fn a_click_selects_a_tab_or_a_row_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let mut c = Console::open(300).await;
    let text = c.screen_text(120, 34);
    let bar = text.lines().nth(1).unwrap();
    let x = bar.find("6 Tokens").map(|b| bar[..b].chars().count()).unwrap();
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), x as u16 + 2, 1)).await;
    assert_eq!(c.state.screen, Screen::Tokens, "a click on a tab shows it");
    c.screen_text(120, 34);
    let body_top = c.state.hits.body.y;
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), 10, body_top + 2 + 4)).await;
    assert_eq!(c.state.tokens.list.selected, c.state.tokens.list.offset + 4, "a click selects the row under it");
    c.send(mouse(MouseEventKind::ScrollDown, 10, body_top + 5)).await;
    assert_eq!(c.state.tokens.list.selected, c.state.tokens.list.offset + 7, "a wheel notch moves three rows");
    c.send(mouse(MouseEventKind::ScrollUp, 10, body_top + 5)).await;
    assert_eq!(c.state.tokens.list.selected, 4);
}

#[tokio::test]
async fn a_key_remapped_in_the_config_acts_and_shows_in_hints_and_help() {
    let mut c = Console::open(200).await;
    let keys: std::collections::BTreeMap<String, String> =
        [("follow".to_owned(), "F".to_owned()), ("help".to_owned(), "F1".to_owned())].into();
    c.state.keys = b24ops::tui::keymap::Keymap::from_config(&keys).unwrap();
    let following = c.state.calls.follow;
    c.key(KeyCode::Char('f')).await;
    assert_eq!(c.state.calls.follow, following, "the shipped key no longer toggles follow");
    c.send(Msg::Key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))).await;
    assert_ne!(c.state.calls.follow, following, "the configured key does");
    let text = c.screen_text(200, 60);
    let hint_bar = text.lines().last().unwrap();
    assert!(hint_bar.contains("F follow") && !hint_bar.contains("f follow"), "{hint_bar:?}");
    c.key(KeyCode::Char('?')).await;
    assert!(c.state.overlay.is_none(), "? is no longer help");
    c.key(KeyCode::F(1)).await;
    assert!(matches!(c.state.overlay, Some(Overlay::Help(_))));
    let text = c.screen_text(200, 60);
    let line = text.lines().find(|l| l.contains("Follow the live tail")).unwrap();
    assert!(line.contains(" F ") && line.contains("follow"), "help lists the configured key: {line:?}");
    assert!(text.contains("F1 ") && !text.contains("F(1)"), "a function key is written F1");
}
