//! Acting on what is on screen: in follow mode the first key pauses the tail on the row the
//! reader saw, and acts on that row, even when newer calls arrived after it was drawn.

use crate::common;
use crate::console_filters::Rig;

use b24ops::tui::state::Screen;
use b24ops::tui::update::Msg;
use crossterm::event::KeyCode;

/// Draws the Calls tab, then lets calls of another portal arrive without a frame in between
/// (the reader's 0.4 s): gives the id and member of the row that was on screen.
async fn saw_a_row_then_newer_arrived(rig: &mut Rig) -> (i64, String) {
    assert!(rig.state.calls.follow);
    rig.screen_text(120, 34);
    let seen = rig.state.calls.selected_call().unwrap().clone();
    let other = "ffffffffffffffffffffffffffffffff";
    for i in 0..3 {
        let call = common::failed_call(other, "QUERY_LIMIT_EXCEEDED", common::now() + chrono::Duration::seconds(i));
        rig.db.store.insert_call(&call).await.unwrap();
    }
    common::drive(&mut rig.state, &rig.runner, Msg::TailTick).await;
    assert_eq!(rig.state.calls.selected_call().unwrap().member_id.as_str(), other, "the tail moved on");
    (seen.id, seen.member_id.as_str().to_owned())
}

#[tokio::test]
async fn enter_in_follow_mode_opens_the_row_that_was_on_screen() {
    let mut rig = Rig::new(500).await;
    let (id, member) = saw_a_row_then_newer_arrived(&mut rig).await;
    rig.press(KeyCode::Enter).await;
    assert_eq!(rig.state.screen, Screen::Portal);
    let p = rig.state.portal.as_ref().unwrap();
    assert_eq!(p.label, member, "the portal of the row the reader saw, not the newest");
    assert!(!rig.state.calls.follow, "the tail paused");
    assert_eq!(rig.state.calls.selected_call().map(|c| c.id), Some(id));
}

#[tokio::test]
async fn p_and_m_act_on_the_row_on_screen_and_k_pauses_on_it() {
    let mut rig = Rig::new(500).await;
    let (_, member) = saw_a_row_then_newer_arrived(&mut rig).await;
    rig.press(KeyCode::Char('m')).await;
    assert_eq!(rig.state.calls.filter.member_id.as_ref().map(|m| m.as_str().to_owned()), Some(member.clone()));

    let mut rig = Rig::new(500).await;
    let (_, member) = saw_a_row_then_newer_arrived(&mut rig).await;
    rig.press(KeyCode::Char('p')).await;
    assert_eq!(rig.state.portal.as_ref().map(|p| p.label.clone()), Some(member));

    let mut rig = Rig::new(500).await;
    let (id, _) = saw_a_row_then_newer_arrived(&mut rig).await;
    rig.press(KeyCode::Char('k')).await;
    assert!(!rig.state.calls.follow);
    assert_eq!(rig.state.calls.selected_call().map(|c| c.id), Some(id), "k pauses on the row on screen");
    rig.press(KeyCode::Char('k')).await;
    assert!(rig.state.calls.selected_call().unwrap().id < id, "then moves from it");
}

#[tokio::test]
async fn bulk_actions_and_the_portal_view_say_what_they_act_on() {
    let mut rig = Rig::new(500).await;
    rig.tab(Screen::Tasks).await;
    rig.press(KeyCode::Char('A')).await;
    let question = |rig: &Rig| match &rig.state.overlay {
        Some(b24ops::tui::state::Overlay::Confirm { question, .. }) => question.clone(),
        other => panic!("a confirmation: {other:?}"),
    };
    assert!(question(&rig).contains("of every portal and kind"), "{}", question(&rig));
    rig.press(KeyCode::Char('n')).await;
    let task = rig.state.tasks.selected_task().unwrap().clone();
    let domain = task.domain.unwrap().to_string();
    rig.filter(&format!("member:{domain}")).await;
    rig.press(KeyCode::Char('A')).await;
    assert!(question(&rig).contains(&format!("matching member:{domain}")), "{}", question(&rig));
    rig.press(KeyCode::Char('n')).await;
    rig.press(KeyCode::Char('p')).await;
    let text = rig.screen_text(160, 40);
    let member = task.member_id.unwrap();
    assert!(text.contains(&format!("Portal {domain} · {member}")), "{text}");
}
