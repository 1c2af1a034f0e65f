//! The console driven by key events against a real seeded database, and snapshots of each screen
//! at 80×24 and 160×48 with a fixed clock.

use crate::common;

use std::collections::VecDeque;

use b24ops::tui::runner::Runner;
use b24ops::tui::state::{AppState, Health, Loadable, Overlay, Screen};
use b24ops::tui::tabs::TasksEffect;
use b24ops::tui::theme::Theme;
use b24ops::tui::update::{self, Msg};
use b24ops::tui::views;
use common::{TestDb, console_state, drive, now, seeded_db, test_runner};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The console on a seeded database, driven key by key (shared by the console_* modules).
pub(crate) struct Console {
    pub(crate) state: AppState,
    pub(crate) runner: Runner,
    pub(crate) _db: TestDb,
}

impl Console {
    pub(crate) async fn open(calls: u64) -> Console {
        let db = seeded_db(calls).await;
        let state = console_state(false);
        let runner = test_runner(&db.store, false);
        let mut c = Console { state, runner, _db: db };
        let fx = update::start(&mut c.state);
        c.run_effects(fx).await;
        c
    }

    /// Applies a message and every effect it causes, to completion.
    pub(crate) async fn send(&mut self, msg: Msg) {
        drive(&mut self.state, &self.runner, msg).await;
    }

    pub(crate) async fn run_effects(&mut self, fx: Vec<update::Effect>) {
        for f in fx {
            let msg = self.runner.execute(f).await;
            self.send(msg).await;
        }
    }

    pub(crate) async fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).await;
    }

    pub(crate) async fn chars(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    pub(crate) fn render(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| views::draw(f, &mut self.state, &Theme::mono())).unwrap();
        t
    }

    pub(crate) fn screen_text(&mut self, w: u16, h: u16) -> String {
        let t = self.render(w, h);
        let buf = t.backend().buffer();
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
    }
}

#[tokio::test]
async fn opens_following_the_newest_calls() {
    let c = Console::open(2_000).await;
    let calls = &c.state.calls;
    assert!(calls.follow);
    assert_eq!(calls.rows.len(), 200);
    assert_eq!(calls.selected, 199, "the newest call is selected");
    assert!(calls.detail.is_some(), "the detail pane has the selected call");
    assert!(c.state.firing.unwrap() >= 2, "seeded bursts are over threshold");
}

#[tokio::test]
async fn moving_up_pauses_and_pages_back_by_keyset() {
    let mut c = Console::open(2_000).await;
    let newest = c.state.calls.rows.back().unwrap().id;
    c.key(KeyCode::Char('k')).await;
    assert!(!c.state.calls.follow, "moving up pauses the tail");
    c.key(KeyCode::Char('g')).await;
    assert_eq!(c.state.calls.rows.len(), 400, "an older page was loaded above");
    let ids: Vec<i64> = c.state.calls.rows.iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] + 1 == w[1]), "no gap, no duplicate across pages");
    c.key(KeyCode::Char('G')).await;
    assert!(c.state.calls.follow);
    assert_eq!(c.state.calls.selected_call().unwrap().id, newest);
}

#[tokio::test]
async fn the_tail_appends_new_calls_while_following() {
    let mut c = Console::open(500).await;
    let before = c.state.calls.rows.back().unwrap().id;
    let call = a_new_call();
    let id = c.runner.store.insert_call(&call).await.unwrap();
    c.send(Msg::TailTick).await;
    assert!(id > before);
    assert_eq!(c.state.calls.selected_call().unwrap().id, id, "the new call is selected");

    c.key(KeyCode::Char('f')).await;
    assert!(!c.state.calls.follow);
    c.runner.store.insert_call(&call).await.unwrap();
    c.send(Msg::TailTick).await;
    assert_eq!(c.state.calls.new_since_pause, 1, "paused: counted, not appended");
    assert_eq!(c.state.calls.selected_call().unwrap().id, id);
}

#[tokio::test]
async fn member_and_error_filters_by_key_and_by_prompt() {
    let mut c = Console::open(3_000).await;
    let member = c.state.calls.selected_call().unwrap().member_id.clone();
    c.key(KeyCode::Char('m')).await;
    assert_eq!(c.state.calls.filter.member_id.as_ref(), Some(&member));
    assert!(c.state.calls.rows.iter().all(|r| r.member_id == member));
    c.key(KeyCode::Char('e')).await;
    assert!(c.state.calls.rows.iter().all(|r| r.member_id == member && r.error_code.is_some()));
    c.key(KeyCode::Esc).await;
    assert!(c.state.calls.filter.is_empty(), "Esc clears the filter");

    c.key(KeyCode::Char('/')).await;
    assert!(matches!(c.state.overlay, Some(Overlay::Filter(_))));
    c.chars("method:tasks slow:100").await;
    c.key(KeyCode::Enter).await;
    assert!(c.state.overlay.is_none());
    assert!(!c.state.calls.rows.is_empty());
    assert!(c.state.calls.rows.iter().all(|r| r.method.as_str().starts_with("tasks") && r.duration_ms.unwrap() > 100));

    c.key(KeyCode::Char('/')).await;
    c.chars(" colour:red").await;
    c.key(KeyCode::Enter).await;
    match &c.state.overlay {
        Some(Overlay::Filter(p)) => assert!(p.error.as_deref().unwrap().contains("unknown filter")),
        other => panic!("the prompt stays open with an error, got {other:?}"),
    }
}

#[tokio::test]
async fn errors_tab_groups_and_opens_calls_of_a_group() {
    let mut c = Console::open(3_000).await;
    c.key(KeyCode::Char('2')).await;
    assert_eq!(c.state.screen, Screen::Errors);
    let Loadable::Ready(groups) = &c.state.errors.list.rows else { panic!("groups loaded") };
    let first = groups[0].clone();
    assert!(first.over_threshold, "the busiest group is a seeded burst");
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Calls);
    assert_eq!(c.state.calls.filter.error_code.as_deref(), Some(first.error_type.as_str()));
    assert!(c.state.calls.rows.iter().all(|r| Some(&r.member_id) == first.member_id.as_ref()));
    assert!(c.state.calls.rows.len() as i64 >= first.last_15m);

    c.key(KeyCode::Char('2')).await;
    c.key(KeyCode::Char('t')).await;
    let Loadable::Ready(by_type) = &c.state.errors.list.rows else { panic!("groups loaded") };
    assert!(by_type.iter().all(|g| g.member_id.is_none()));
}

#[tokio::test]
async fn portal_view_opens_and_esc_returns() {
    let mut c = Console::open(2_000).await;
    let member = c.state.calls.selected_call().unwrap().member_id.clone();
    c.key(KeyCode::Char('p')).await;
    assert_eq!(c.state.screen, Screen::Portal);
    let Some(Loadable::Ready(o)) = c.state.portal.as_ref().map(|p| &p.overview) else { panic!("overview loaded") };
    assert_eq!(o.member_id, member);
    assert!(o.portal.is_some() && o.token.is_some() && !o.calls.is_empty());
    c.key(KeyCode::Char('c')).await;
    assert_eq!(c.state.screen, Screen::Calls);
    assert_eq!(c.state.calls.filter.member_id.as_ref(), Some(&member));
    c.key(KeyCode::Char('p')).await;
    c.key(KeyCode::Esc).await;
    assert_eq!(c.state.screen, Screen::Calls, "Esc returns where you were");
}

#[tokio::test]
async fn palette_runs_commands_and_refuses_nonsense() {
    let mut c = Console::open(500).await;
    c.key(KeyCode::Char(':')).await;
    c.chars("errors").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Errors);
    c.key(KeyCode::Char(':')).await;
    c.chars("portal nosuch.bitrix24.com").await;
    c.key(KeyCode::Enter).await;
    // A domain (or a piece of one) is looked up first: nothing matches, so nothing opens.
    assert_eq!(c.state.screen, Screen::Errors);
    assert!(c.state.flash.as_ref().is_some_and(|f| f.error && f.text.contains("nosuch.bitrix24.com")));
    c.key(KeyCode::Char(':')).await;
    c.chars("frobnicate").await;
    c.key(KeyCode::Enter).await;
    assert!(matches!(&c.state.overlay, Some(Overlay::Palette(p)) if p.error.is_some()));
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Char('q')).await;
    assert!(c.state.quit);
}

#[tokio::test]
async fn a_database_that_goes_away_turns_the_header_red_and_comes_back() {
    let mut c = Console::open(300).await;
    c.send(Msg::Firing(Err("connection refused".into()))).await;
    assert!(matches!(c.state.health, Health::Down { .. }));
    assert!(c.screen_text(80, 24).contains("DOWN"));
    c.send(Msg::RefreshTick).await;
    assert_eq!(c.state.health, Health::Up, "the ping succeeded and the views reloaded");
}

#[tokio::test]
async fn hostile_rows_render_harmlessly() {
    let mut c = Console::open(300).await;
    c.key(KeyCode::Char('e')).await;
    let text = c.screen_text(200, 60);
    assert!(text.contains('␛'), "escapes are shown, not executed");
    assert!(!text.contains('\x1b') && !text.contains('\u{202E}') && !text.contains('\u{9b}'));
}

async fn snapshot_console() -> Console {
    Console::open(4_000).await
}

#[tokio::test]
async fn snapshots_of_every_screen() {
    let mut c = snapshot_console().await;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("calls_{w}x{h}"), c.screen_text(w, h));
    }
    c.key(KeyCode::Char('2')).await;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("errors_{w}x{h}"), c.screen_text(w, h));
    }
    c.key(KeyCode::Char('p')).await;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("portal_{w}x{h}"), c.screen_text(w, h));
    }
    c.key(KeyCode::Char('?')).await;
    insta::assert_snapshot!("help_80x24", c.screen_text(80, 24));
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Char(':')).await;
    c.chars("po").await;
    insta::assert_snapshot!("palette_80x24", c.screen_text(80, 24));
}

#[tokio::test]
async fn health_checks_back_off_while_the_database_is_down() {
    let mut c = Console::open(200).await;
    c.send(Msg::Firing(Err("connection refused".into()))).await;
    // A failed check doubles the wait: 2 s, then 4 s …
    c.send(Msg::Ping(Err("still down".into()))).await;
    let Health::Down { retry_at, backoff_secs, .. } = c.state.health.clone() else { panic!("down") };
    assert_eq!(retry_at, now() + chrono::Duration::seconds(2));
    assert_eq!(backoff_secs, 4);
    let out = update::update(&mut c.state, Msg::RefreshTick);
    assert!(out.effects.is_empty(), "no check before retry_at");
    c.send(Msg::ClockTick(now() + chrono::Duration::seconds(3))).await;
    let out = update::update(&mut c.state, Msg::RefreshTick);
    assert_eq!(out.effects, vec![update::Effect::Ping]);
}

#[tokio::test]
async fn nothing_new_means_no_frame() {
    let mut c = Console::open(300).await;
    let out = update::update(&mut c.state, Msg::TailTick);
    assert!(!out.dirty, "a tail tick alone draws nothing");
    let fx = out.effects.into_iter().next().expect("a tail poll");
    let answer = c.runner.execute(fx).await;
    let out = update::update(&mut c.state, answer);
    assert!(!out.dirty, "an empty tail answer draws nothing");
    let out = update::update(&mut c.state, Msg::ClockTick(now() + chrono::Duration::seconds(30)));
    assert!(!out.dirty, "the header clock shows minutes");
    let out = update::update(&mut c.state, Msg::ClockTick(now() + chrono::Duration::seconds(61)));
    assert!(out.dirty);
    // A quiet refresh of the review inbox that finds the same reviews draws nothing either.
    c.key(KeyCode::Char('5')).await;
    let out = update::update(&mut c.state, Msg::RefreshTick);
    let mut dirty = out.dirty;
    let mut queue: VecDeque<_> = out.effects.into();
    let mut answers = 0;
    while let Some(fx) = queue.pop_front() {
        let out = update::update(&mut c.state, c.runner.execute(fx).await);
        dirty |= out.dirty;
        queue.extend(out.effects);
        answers += 1;
    }
    assert!(answers >= 2, "the refresh re-read the inbox and the selected review");
    assert!(!dirty, "an unchanged inbox draws nothing");
}

async fn open_with(calls: u64, read_only: bool) -> Console {
    let mut c = Console::open(calls).await;
    c.state.read_only = read_only;
    c.runner.actor.read_only = read_only;
    c
}

#[tokio::test]
async fn r_restarts_the_selected_failed_task_and_the_audit_tab_shows_it() {
    let mut c = open_with(300, false).await;
    c.key(KeyCode::Char('3')).await;
    assert_eq!(c.state.screen, Screen::Tasks);
    let first = c.state.tasks.selected_task().unwrap().clone();
    assert_eq!(first.status.as_str(), "failed");
    assert_eq!(c.state.tasks.detail.as_ref().unwrap().id, first.id, "the detail pane follows the selection");
    c.key(KeyCode::Char('r')).await;
    let Loadable::Ready(rows) = &c.state.tasks.list.rows else { panic!("tasks loaded") };
    assert!(rows.iter().all(|t| t.id != first.id), "the restarted task left the failed list");
    assert_eq!(c.state.flash.as_ref().unwrap().text, format!("restarted #{}", first.id));
    let d = c.runner.store.task_detail(first.id).await.unwrap().unwrap();
    assert_eq!(d.status.as_str(), "queued");
    c.key(KeyCode::Char('4')).await;
    let Loadable::Ready(audit) = &c.state.audit.list.rows else { panic!("audit loaded") };
    assert_eq!(audit[0].target.as_str(), format!("task #{}", first.id));
    assert_eq!(audit[0].operator.as_str(), "tester");
    insta::assert_snapshot!("audit_80x24", c.screen_text(80, 24));
}

#[tokio::test]
async fn bulk_restart_and_discard_ask_first() {
    let mut c = open_with(300, false).await;
    c.key(KeyCode::Char('3')).await;
    c.key(KeyCode::Char('j')).await; // past the seeder's hostile task
    let kind = c.state.tasks.selected_task().unwrap().kind.to_string();
    c.key(KeyCode::Char('/')).await;
    c.chars(&format!("kind:{kind}")).await;
    c.key(KeyCode::Enter).await;
    let n = match &c.state.tasks.list.rows {
        Loadable::Ready(r) => r.len(),
        _ => panic!("loaded"),
    };
    c.key(KeyCode::Char('A')).await;
    match &c.state.overlay {
        Some(Overlay::Confirm { question, .. }) => assert!(question.contains(&format!("Restart {n} failed"))),
        other => panic!("a confirmation, got {other:?}"),
    }
    c.key(KeyCode::Char('n')).await;
    assert!(c.state.overlay.is_none());
    assert!(matches!(&c.state.tasks.list.rows, Loadable::Ready(r) if r.len() == n), "cancel changes nothing");
    c.key(KeyCode::Char('A')).await;
    c.key(KeyCode::Char('y')).await;
    let bulk = c.state.tasks.bulk.clone().unwrap();
    assert!(bulk.done && bulk.report.changed == n as i64);
    assert!(matches!(&c.state.tasks.list.rows, Loadable::Ready(r) if r.is_empty()));

    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Char('/')).await;
    for _ in 0..40 {
        c.key(KeyCode::Backspace).await;
    }
    c.key(KeyCode::Enter).await;
    let id = c.state.tasks.selected_task().unwrap().id;
    c.key(KeyCode::Char('D')).await;
    assert!(matches!(c.state.overlay, Some(Overlay::Confirm { .. })), "discard always asks");
    c.key(KeyCode::Char('y')).await;
    assert_eq!(c.runner.store.task_detail(id).await.unwrap().unwrap().status.as_str(), "discarded");
    insta::assert_snapshot!("tasks_160x48", c.screen_text(160, 48));
}

#[tokio::test]
async fn read_only_removes_and_refuses_every_write() {
    let mut c = open_with(300, true).await;
    c.key(KeyCode::Char('3')).await;
    let id = c.state.tasks.selected_task().unwrap().id;
    let text = c.screen_text(120, 30);
    assert!(text.contains("READ-ONLY"));
    assert!(!text.contains("r restart"), "write keys vanish from the hint bar");
    for k in ['r', 'A', 'D', 'X'] {
        c.key(KeyCode::Char(k)).await;
        assert!(c.state.overlay.is_none());
        assert!(c.state.flash.as_ref().unwrap().text.contains("read-only"), "{k} is refused with a message");
    }
    c.key(KeyCode::Char(':')).await;
    c.chars("restart").await;
    c.key(KeyCode::Enter).await;
    assert!(c.state.flash.as_ref().unwrap().text.contains("read-only"));
    // Even a write that slipped through the keys is refused by the service.
    let msg = c
        .runner
        .execute(update::Effect::Tasks(TasksEffect::Act {
            action: b24ops::store::TaskAction::Restart,
            ids: vec![id],
            now: now(),
        }))
        .await;
    c.send(msg).await;
    assert_eq!(c.runner.store.task_detail(id).await.unwrap().unwrap().status.as_str(), "failed");
    assert!(c.runner.store.audit_page(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_hostile_task_is_shown_safely() {
    let mut c = open_with(300, false).await;
    c.key(KeyCode::Char('3')).await;
    let hostile = c.state.tasks.selected_task().unwrap().clone();
    assert!(hostile.kind.as_str().starts_with("sync.deals␛"), "the newest failure is the hostile one");
    let d = c.state.tasks.detail.clone().unwrap();
    assert!(d.payload_invalid_json);
    assert!(d.last_error.as_ref().unwrap().as_str().len() < 70_000, "megabytes are cut");
    let text = c.screen_text(200, 60);
    assert!(text.contains("not JSON"));
    assert!(!text.contains('\x1b') && !text.contains('\u{202E}') && !text.contains('\u{200B}'));
}

#[tokio::test]
async fn help_lists_every_screen_and_write_commands_only_when_allowed() {
    let mut c = open_with(200, false).await;
    c.key(KeyCode::Char('?')).await;
    let text = c.screen_text(120, 130);
    for heading in ["Everywhere", "Calls", "Errors", "Tasks", "Audit", "Reviews", "Portal view"] {
        assert!(text.contains(heading), "{heading} missing from help");
    }
    assert!(text.contains("restart-all"));
    let mut ro = open_with(200, true).await;
    ro.key(KeyCode::Char('?')).await;
    let text = ro.screen_text(120, 130);
    assert!(!text.contains("restart-all") && text.contains("READ-ONLY: commands that write are hidden"));
}

async fn ctrl(c: &mut Console, ch: char) {
    c.send(Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL))).await;
}

#[tokio::test]
async fn reviews_tab_lists_by_deadline_and_a_template_reply_is_saved_copied_and_published() {
    let mut c = open_with(300, false).await;
    c.state.review_settings.app_name = "Deal Sync".into();
    let fresh = b24ops::model::NewReview {
        source_id: "mp-test-1".into(),
        member_id: None,
        author: "Ida".into(),
        rating: 2,
        text: "Sync stalls on zygomorphic deals".into(),
        submitted_at: now() - chrono::Duration::hours(3),
        edited_at: None,
    };
    c.runner.store.add_review(&fresh, "tester", now()).await.unwrap().expect("a new review");
    c.key(KeyCode::Char('5')).await;
    assert_eq!(c.state.screen, Screen::Reviews);
    let Loadable::Ready(rows) = &c.state.reviews.list.rows else { panic!("reviews loaded") };
    assert!(!rows.is_empty());
    let dues: Vec<_> = rows.iter().map(|e| e.clock.reply_due).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "most urgent first");
    assert!(rows.iter().all(|e| e.review.reply_status.is_open()), "awaiting reply only by default");
    // A 2-star review without a draft, found by a word only it carries.
    c.key(KeyCode::Char('/')).await;
    c.chars("stars:2 zygomorphic").await;
    c.key(KeyCode::Enter).await;
    let target = c.state.reviews.selected_entry().expect("a 2-star review awaiting a reply").review.clone();
    assert_eq!(target.rating, 2);
    c.key(KeyCode::Enter).await;
    assert!(matches!(c.state.overlay, Some(Overlay::ReplyEditor(_))), "Enter opens the editor");
    ctrl(&mut c, 't').await;
    let Some(Overlay::ReplyEditor(ed)) = &c.state.overlay else { panic!("editor") };
    let text = ed.text();
    assert!(text.starts_with(&format!("Hello {}", target.author)), "{text}");
    assert!(text.contains("Deal Sync"));
    assert_eq!(ed.template_name.as_deref(), Some("apology"));
    let snap = c.screen_text(80, 24);
    assert!(snap.contains("Reply to review") && snap.contains("^S save"), "{snap}");
    // Typing, then a pause: autosave.
    c.key(KeyCode::Char('!')).await;
    c.send(Msg::ClockTick(now() + chrono::Duration::seconds(5))).await;
    let Some(Overlay::ReplyEditor(ed)) = &c.state.overlay else { panic!("editor stays open") };
    assert!(!ed.dirty(), "autosaved: {:?}", ed.note);
    let stored = c.runner.store.review_draft_text(target.id).await.unwrap().unwrap().unwrap();
    assert!(stored.starts_with("!Hello"), "the cursor starts at the top of a template: {stored}");
    // Publishing refuses the unfilled {ticket}; Esc closes, P tells why not.
    c.key(KeyCode::Esc).await;
    assert!(c.state.overlay.is_none());
    c.key(KeyCode::Char('P')).await;
    assert!(c.state.flash.as_ref().unwrap().text.contains("{ticket}"), "{:?}", c.state.flash);
    // Fill it and publish.
    let v = c.runner.store.review_detail(target.id).await.unwrap().unwrap().reply_updated_at;
    let filled = stored.replace("{ticket}", "#4711");
    c.runner.store.save_review_draft(target.id, v, &filled, "tester", now()).await.unwrap();
    c.key(KeyCode::Char('R')).await;
    // y asks the event loop to copy (it needs the terminal).
    let out = update::update(&mut c.state, Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)));
    assert!(matches!(&out.effects[..], [update::Effect::Copy(t)] if t.contains("#4711")), "{:?}", out.effects);
    c.key(KeyCode::Char('P')).await;
    assert!(c.state.flash.as_ref().unwrap().text.contains("→ published"), "{:?}", c.state.flash);
    let Loadable::Ready(rows) = &c.state.reviews.list.rows else { panic!() };
    assert!(rows.iter().all(|e| e.review.id != target.id), "a published review leaves the open list");
    c.key(KeyCode::Char('a')).await;
    let Loadable::Ready(rows) = &c.state.reviews.list.rows else { panic!() };
    assert!(rows.iter().any(|e| e.review.id == target.id), "a shows answered reviews too");
    let audit = c.runner.store.audit_page(None, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"review.published") && actions.contains(&"review.draft"), "{actions:?}");
}

#[tokio::test]
async fn a_review_can_be_added_by_hand_and_bad_fields_are_named() {
    let mut c = open_with(200, false).await;
    c.key(KeyCode::Char('5')).await;
    c.key(KeyCode::Char('n')).await;
    assert!(matches!(c.state.overlay, Some(Overlay::AddReview(_))));
    c.chars("Walter").await;
    c.key(KeyCode::Tab).await;
    c.chars("9").await;
    ctrl(&mut c, 's').await;
    let Some(Overlay::AddReview(form)) = &c.state.overlay else { panic!("form stays open") };
    assert!(form.error.as_ref().unwrap().contains("rating 9"), "{:?}", form.error);
    c.key(KeyCode::Backspace).await;
    c.chars("4").await;
    for _ in 0..4 {
        c.key(KeyCode::Tab).await;
    }
    c.chars("Works well").await;
    ctrl(&mut c, 's').await;
    assert!(c.state.overlay.is_none(), "added");
    assert!(c.state.flash.as_ref().unwrap().text.starts_with("added review #"));
    let Loadable::Ready(rows) = &c.state.reviews.list.rows else { panic!() };
    assert!(rows.iter().any(|e| e.review.author.as_str() == "Walter" && e.review.rating == 4));
}

#[tokio::test]
async fn read_only_keeps_reviews_readable_but_unwritable() {
    let mut c = open_with(200, true).await;
    c.key(KeyCode::Char('5')).await;
    for k in ['e', 'P', 'r', 'n'] {
        c.key(KeyCode::Char(k)).await;
        assert!(c.state.overlay.is_none());
        assert!(c.state.flash.as_ref().unwrap().text.contains("read-only"), "{k} is refused with a message");
    }
    let text = c.screen_text(120, 30);
    assert!(text.contains("y copy") && !text.contains("P published"));
}

#[tokio::test]
async fn reviews_snapshots() {
    let mut c = snapshot_console().await;
    c.state.review_settings.app_name = "Deal Sync".into();
    c.key(KeyCode::Char('5')).await;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("reviews_{w}x{h}"), c.screen_text(w, h));
    }
    c.key(KeyCode::Char('j')).await;
    c.key(KeyCode::Char('e')).await;
    ctrl(&mut c, 't').await;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("reply_editor_{w}x{h}"), c.screen_text(w, h));
    }
}

#[tokio::test]
async fn the_palette_imports_a_review_file_and_refuses_a_bad_one() {
    let mut c = open_with(200, false).await;
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/examples/reviews.csv");
    c.key(KeyCode::Char(':')).await;
    c.chars(&format!("import {example}")).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.state.screen, Screen::Reviews);
    assert!(c.state.flash.as_ref().unwrap().text.contains("4 added"), "{:?}", c.state.flash);
    let Loadable::Ready(rows) = &c.state.reviews.list.rows else { panic!() };
    assert!(rows.iter().any(|e| e.review.source_id.as_str() == "mp-90121"));
    let text = c.screen_text(200, 60);
    assert!(!text.contains('\x1b') && !text.contains('\u{202e}'), "the hostile review is shown safely");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,author\n1,x\n").unwrap();
    c.key(KeyCode::Char(':')).await;
    c.chars(&format!("import {}", bad.display())).await;
    c.key(KeyCode::Enter).await;
    assert!(c.state.flash.as_ref().unwrap().text.starts_with("import refused, nothing changed"));
}

/// A tail that keeps finding nothing polls at a quarter of the rate; a new call or a key brings
/// the full rate back.
#[tokio::test]
async fn a_quiet_tail_slows_down_and_wakes_up() {
    let mut c = Console::open(300).await;
    let polls =
        |c: &mut Console| (0..8).filter(|_| !update::update(&mut c.state, Msg::TailTick).effects.is_empty()).count();
    // Each poll's answer must come back before the next one goes out: answer them as they go.
    let answer_polls = async |c: &mut Console, ticks: usize| {
        let mut sent = 0;
        for _ in 0..ticks {
            let out = update::update(&mut c.state, Msg::TailTick);
            for fx in out.effects {
                sent += 1;
                let answer = c.runner.execute(fx).await;
                update::update(&mut c.state, answer);
            }
        }
        sent
    };
    let quiet = b24ops::tui::state::QUIET_POLLS as usize;
    assert_eq!(answer_polls(&mut c, quiet).await, quiet, "full rate at first");
    assert_eq!(answer_polls(&mut c, 8).await, 2, "then one tick in four");
    // Any key, even one bound to nothing (j or k would pause the tail on the row on screen).
    c.key(KeyCode::Char('z')).await;
    assert!(c.state.calls.follow);
    assert_eq!(answer_polls(&mut c, 4).await, 4, "a key brings the full rate back");
    assert_eq!(answer_polls(&mut c, quiet - 4).await, quiet - 4);
    assert_eq!(answer_polls(&mut c, 8).await, 2, "and quiet slows it again");
    c.runner.store.insert_call(&a_new_call()).await.unwrap();
    while answer_polls(&mut c, 1).await == 0 {}
    assert_eq!(answer_polls(&mut c, 4).await, 4, "a new call brings the full rate back");
    assert_eq!(polls(&mut c), 1, "one poll at a time: the next waits for the answer");
}

/// A successful call of a portal the seed does not have.
fn a_new_call() -> b24ops::model::NewApiCall {
    b24ops::model::NewApiCall {
        ts: now(),
        member_id: "feedfeedfeedfeedfeedfeedfeedfeed".into(),
        method: "crm.item.add".into(),
        http_status: Some(200),
        error_code: None,
        error_description: None,
        duration_ms: Some(12),
        operating: None,
        request_id: None,
        task_id: None,
        source: "app".into(),
    }
}

/// The header's count evaluates every alert rule, so refreshes ask for it at most every 30 s.
#[tokio::test]
async fn the_header_count_is_asked_for_every_half_minute() {
    let mut c = Console::open(300).await;
    let asks = |c: &mut Console| {
        update::update(&mut c.state, Msg::RefreshTick)
            .effects
            .iter()
            .filter(|fx| matches!(fx, update::Effect::LoadFiring(_)))
            .count()
    };
    assert_eq!(asks(&mut c), 1);
    c.send(Msg::ClockTick(now() + chrono::Duration::seconds(5))).await;
    assert_eq!(asks(&mut c), 0, "5 s later: not yet");
    c.send(Msg::ClockTick(now() + chrono::Duration::seconds(31))).await;
    assert_eq!(asks(&mut c), 1, "30 s later: again");
}

/// The Errors tab loads a page of groups and the next one as the cursor nears its end, keeping
/// the cursor on the same group.
#[tokio::test]
async fn errors_tab_loads_more_groups_as_the_cursor_nears_the_end() {
    let mut c = Console::open(20_000).await;
    c.key(KeyCode::Char('2')).await;
    let Loadable::Ready(first) = c.state.errors.list.rows.clone() else { panic!("groups loaded") };
    assert_eq!(first.len(), b24ops::store::GROUP_PAGE as usize, "a full first page");
    assert!(c.state.errors.has_more());
    let last = first[first.len() - 1].clone();
    c.key(KeyCode::End).await;
    let Loadable::Ready(more) = &c.state.errors.list.rows else { panic!("groups loaded") };
    assert!(more.len() > first.len(), "the next page arrived");
    let on = &more[c.state.errors.list.selected];
    assert_eq!((&on.member_id, &on.error_type), (&last.member_id, &last.error_type), "the cursor stays put");
    assert_eq!(
        more[..first.len()].iter().map(|g| &g.error_type).collect::<Vec<_>>(),
        first.iter().map(|g| &g.error_type).collect::<Vec<_>>(),
        "the longer page extends the shorter"
    );
    c.key(KeyCode::Char('t')).await;
    assert_eq!(c.state.errors.limit, b24ops::store::GROUP_PAGE, "a new grouping starts at one page");
}
