//! The Errors tab's detail pane: an app-error group shows its newest occurrence — the message,
//! release and URL and the frames a Sentry SDK sent — and a REST group shows none.

use crate::common;

use b24ops::model::NewAppError;
use b24ops::tui::state::Loadable;
use b24ops::tui::theme::Theme;
use b24ops::tui::update::Msg;
use b24ops::tui::views;
use common::{console_state, drive, empty_on, now, test_runner};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const MEMBER: &str = "5e7a11ce5e7a11ce5e7a11ce5e7a11ce";

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_error_group_shows_its_newest_frames_and_a_rest_group_none() {
    let db = empty_on(&common::Backend::Sqlite).await;
    let context = serde_json::json!({"sentry": {
        "release": "app@1.4.2", "environment": "production", "level": "error",
        "url": "https://app.example.com/placement?DOMAIN=acme.bitrix24.com",
        "frames": ["sync_deal (app/sync.py:112)", "run (app/worker.py:40)"],
    }});
    for minutes in [3, 2] {
        let e = NewAppError {
            ts: now() - chrono::Duration::minutes(minutes),
            member_id: Some(MEMBER.into()),
            error_type: "app.sync.DealSyncError".into(),
            message: format!("deal {minutes} did not sync\x1b]0;pwned\x07"),
            context: Some(context.to_string()),
            source: "app".into(),
        };
        db.store.insert_app_error(&e).await.unwrap();
    }
    let runner = test_runner(&db.store, false);
    let mut state = console_state(false);
    drive(&mut state, &runner, key('2')).await;

    let Some((k, Loadable::Ready(Some(sample)))) = &state.errors.sample else {
        panic!("the app group's sample loaded: {:?}", state.errors.sample)
    };
    assert_eq!(k, &(Some(MEMBER.to_owned()), "app.sync.DealSyncError".to_owned()));
    assert!(sample.message.as_str().starts_with("deal 2 did not sync"), "the newest: {:?}", sample.message);
    assert!(!sample.message.as_str().contains('\x1b'), "sanitized");
    assert_eq!(sample.frames.len(), 2);

    let mut term = Terminal::new(TestBackend::new(120, 34)).unwrap();
    term.draw(|f| views::draw(f, &mut state, &Theme::mono())).unwrap();
    let screen: String = term.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    for want in ["Newest occurrence", "app@1.4.2 · production · error", "at sync_deal (app/sync.py:112)"] {
        assert!(screen.contains(want), "{want:?} on screen");
    }
    assert!(!screen.contains('\x1b'));

    // A REST group has no occurrence to show: the pane goes away.
    let call = common::failed_call(MEMBER, "QUERY_LIMIT_EXCEEDED", now() - chrono::Duration::minutes(1));
    db.store.seed_writer().calls(&[call]).await.unwrap();
    drive(&mut state, &runner, key('1')).await;
    drive(&mut state, &runner, key('2')).await;
    let Loadable::Ready(groups) = &state.errors.list.rows else { panic!("groups") };
    let types: Vec<&str> = groups.iter().map(|g| g.error_type.as_str()).collect();
    assert_eq!(types, ["app.sync.DealSyncError", "QUERY_LIMIT_EXCEEDED"], "busiest first");
    drive(&mut state, &runner, key('j')).await;
    assert_eq!(state.errors.list.selected, 1);
    assert!(state.errors.sample.is_none(), "a REST group has no sample");
    drive(&mut state, &runner, key('k')).await;
    assert!(matches!(&state.errors.sample, Some((_, Loadable::Ready(Some(_))))), "back on the app group");
}
