//! Prompts and editors keep what was typed: a bad value keeps the prompt open with its text and
//! a list to pick from, so nothing typed next runs as a command.

use crate::common;
use crate::console_filters::Rig;

use b24ops::tui::state::{Overlay, Screen};
use b24ops::tui::update::Msg;
use crossterm::event::KeyCode;

fn ticket_prompt(rig: &Rig) -> &b24ops::tui::prompt::Prompt {
    match &rig.state.overlay {
        Some(Overlay::TicketPrompt { prompt, .. }) => prompt,
        other => panic!("the ticket prompt is open: {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_status_keeps_the_prompt_with_the_text_and_a_pick_list() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Tickets).await;
    let id = rig.state.tickets.selected_ticket().unwrap().ticket.id;
    rig.press(KeyCode::Char('s')).await;
    rig.clear().await;
    rig.typed("pendnig").await;
    rig.press(KeyCode::Enter).await;
    let p = ticket_prompt(&rig);
    assert_eq!(p.text(), "pendnig", "the text is kept");
    assert!(p.error.as_deref().is_some_and(|e| e.contains("not a status")), "{:?}", p.error);
    let options: Vec<&str> = p.options.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(options, b24ops::model::TICKET_STATUSES.to_vec());
    // What is typed next is text, not keys: `p` would open the portal view.
    rig.clear().await;
    rig.typed("p").await;
    assert_eq!(rig.state.screen, Screen::Tickets);
    assert_eq!(ticket_prompt(&rig).text(), "p");
    rig.press(KeyCode::Enter).await;
    assert!(rig.state.overlay.is_none(), "an unambiguous start is taken and the answer closes the prompt");
    let t = rig.db.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.status.as_str(), "pending");
    let screen = rig.screen_text(120, 34);
    assert!(screen.contains("Tickets"), "{screen}");
}

#[tokio::test]
async fn tab_takes_the_value_picked_from_the_list() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Tickets).await;
    let id = rig.state.tickets.selected_ticket().unwrap().ticket.id;
    rig.press(KeyCode::Char('P')).await;
    rig.clear().await;
    rig.typed("urgent").await;
    rig.press(KeyCode::Enter).await;
    assert_eq!(ticket_prompt(&rig).options.len(), b24ops::model::TICKET_PRIORITIES.len());
    let text = rig.screen_text(120, 34);
    assert!(text.contains("critical") && text.contains("not a priority"), "the list is drawn:\n{text}");
    rig.press(KeyCode::Down).await;
    rig.press(KeyCode::Down).await;
    rig.press(KeyCode::Down).await;
    rig.press(KeyCode::Tab).await;
    assert_eq!(ticket_prompt(&rig).text(), "critical");
    rig.press(KeyCode::Enter).await;
    assert!(rig.state.overlay.is_none());
    assert_eq!(rig.db.store.ticket(id).await.unwrap().unwrap().priority.as_str(), "critical");
}

#[tokio::test]
async fn a_refused_portal_stays_in_the_prompt() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Tickets).await;
    rig.press(KeyCode::Char('L')).await;
    rig.clear().await;
    rig.typed("no-such-portal.bitrix24.by").await;
    rig.press(KeyCode::Enter).await;
    let p = ticket_prompt(&rig);
    assert_eq!(p.text(), "no-such-portal.bitrix24.by");
    assert!(p.error.is_some(), "the refusal is shown in the prompt");
}

/// Moves the Reviews tab's cursor onto review `id` with the keys.
async fn select_review(rig: &mut Rig, id: i64) {
    let at = rig.state.reviews.list.rows.ready().unwrap().iter().position(|e| e.review.id == id).unwrap();
    rig.press(KeyCode::Char('g')).await;
    for _ in 0..at {
        rig.press(KeyCode::Down).await;
    }
    assert_eq!(rig.state.reviews.selected_entry().map(|e| e.review.id), Some(id));
}

/// Opens the reply editor on the selected review (Reviews tab); gives its id and draft.
async fn open_editor(rig: &mut Rig) -> (i64, String) {
    rig.tab(Screen::Reviews).await;
    let id = rig.state.reviews.selected_entry().unwrap().review.id;
    rig.press(KeyCode::Char('e')).await;
    let Some(Overlay::ReplyEditor(ed)) = &rig.state.overlay else { panic!("the editor opens") };
    (id, ed.text())
}

fn editor_text(rig: &Rig) -> String {
    match &rig.state.overlay {
        Some(Overlay::ReplyEditor(ed)) => ed.text(),
        other => panic!("the editor is open: {other:?}"),
    }
}

async fn stored_draft(rig: &Rig, id: i64) -> String {
    let d = rig.db.store.review_detail(id).await.unwrap().unwrap();
    d.reply_draft.map(|t| t.as_str().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn in_the_editor_digits_and_letters_are_text_and_the_hints_are_its_keys() {
    let mut rig = Rig::new(300).await;
    let (_, before) = open_editor(&mut rig).await;
    rig.typed("7g").await;
    assert_eq!(rig.state.screen, Screen::Reviews, "7 does not switch to Tickets");
    assert_eq!(editor_text(&rig), format!("{before}7g"));
    let text = rig.screen_text(120, 34);
    let hint = text.lines().last().unwrap();
    assert!(hint.contains("Ctrl-S save") && hint.contains("Ctrl-Q undo all"), "{hint}");
    assert!(!hint.contains("quit"), "list keys are not offered while typing: {hint}");
}

#[tokio::test]
async fn ctrl_q_puts_back_the_text_the_editor_opened_on_even_after_autosave() {
    let mut rig = Rig::new(300).await;
    let (id, before) = open_editor(&mut rig).await;
    rig.typed(" and more").await;
    let later = common::now() + chrono::Duration::seconds(5);
    common::drive(&mut rig.state, &rig.runner, Msg::ClockTick(later)).await;
    assert_eq!(stored_draft(&rig, id).await, format!("{before} and more").trim_end(), "autosave stored it");
    rig.ctrl('q').await;
    assert!(rig.state.overlay.is_none());
    assert_eq!(stored_draft(&rig, id).await, before.trim_end(), "Ctrl-Q put the opening text back");
}

#[tokio::test]
async fn a_draft_on_an_outdated_review_keeps_it_outdated_and_its_clock_from_the_edit() {
    use b24ops::model::ReplyStatus;
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Reviews).await;
    let id = rig.state.reviews.selected_entry().unwrap().review.id;
    let submitted = rig.state.reviews.selected_entry().unwrap().review.submitted_at;
    let edited = common::now() - chrono::Duration::hours(1);
    let pool = sqlx::AnyPool::connect(&rig.db.url.replace("?mode=rwc", "")).await.unwrap();
    sqlx::query(
        "UPDATE b24ops_reviews SET reply_status = 'outdated', reply_draft = 'Thanks!', edited_at = ? WHERE id = ?",
    )
    .bind(edited.timestamp_millis())
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    assert!(edited > submitted);
    rig.press(KeyCode::Char('R')).await;
    select_review(&mut rig, id).await;
    let (_, _) = open_editor(&mut rig).await;
    rig.typed(" Fixed in 2.1.").await;
    rig.ctrl('s').await;
    rig.press(KeyCode::Esc).await;
    let entry = rig.state.reviews.list.rows.ready().unwrap().iter().find(|e| e.review.id == id).unwrap().clone();
    assert_eq!(entry.review.reply_status, ReplyStatus::Outdated, "still outdated: the public reply is old");
    assert_eq!(entry.clock.started_at, edited, "the clock counts from the reviewer's edit");
}

#[tokio::test]
async fn y_warns_before_copying_a_draft_with_a_placeholder() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Reviews).await;
    let id = rig.state.reviews.selected_entry().unwrap().review.id;
    let version = rig.db.store.review_detail(id).await.unwrap().unwrap().reply_updated_at;
    b24ops::services::reviews::save_draft(
        &rig.db.store,
        &rig.runner.actor,
        id,
        version,
        "Hello {reviewer}, fixed.",
        common::now(),
    )
    .await
    .unwrap();
    rig.press(KeyCode::Char('R')).await;
    select_review(&mut rig, id).await;
    rig.press(KeyCode::Char('y')).await;
    let f = rig.state.flash.clone().unwrap();
    assert!(f.error && f.text.contains("{reviewer}"), "{f:?}");
    rig.press(KeyCode::Char('y')).await;
    let f = rig.state.flash.clone().unwrap();
    assert!(f.text.contains("not copied: this needs the terminal"), "the second y copies: {f:?}");
}
