//! The Tokens tab driven by keys against a seeded database whose portals point at the emulator:
//! refresh a token near death, diagnose, notify an admin, refresh everything near death.

use crate::common;

use std::sync::Arc;

use b24ops::bitrix::oauth::AppCredentials;
use b24ops::clock::Clock;
use b24ops::emulator::from_store::{DEMO_PLACEMENTS, point_store_at, world_from_store};
use b24ops::emulator::{self, EmuApp};
use b24ops::model::Secret;
use b24ops::rules::tokens::{TokenClass, TokenPolicy};
use b24ops::services::diagnose::Expectations;
use b24ops::services::tasks::Actor;
use b24ops::services::tokens::TokenService;
use b24ops::tui::runner::{Runner, TokenSettings};
use b24ops::tui::state::{AppState, Loadable, Overlay, Screen};
use b24ops::tui::theme::Theme;
use b24ops::tui::update::Msg;
use b24ops::tui::views;
use common::{TestDb, console_state, drive, now, seeded_db};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

struct Rig {
    state: AppState,
    runner: Runner,
    emu: emulator::Running,
    db: TestDb,
}

impl Rig {
    async fn open() -> Rig {
        let db = seeded_db(3_000).await;
        let app = EmuApp {
            client_id: "app.tab.1".into(),
            client_secret: "tab-secret".into(),
            refresh_lifetime_days: 180,
            operating_limit_secs: 480.0,
            redirect_uri: String::new(),
        };
        let clock = Clock::Fixed(now());
        let world = world_from_store(&db.store, app, now(), true).await.unwrap();
        let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), clock).await.unwrap();
        point_store_at(&db.store, &emu.emulator, now()).await.unwrap();
        let keys = AppCredentials { client_id: "app.tab.1".into(), client_secret: Secret::new("tab-secret") };
        let tokens =
            TokenService::with(db.store.clone(), Some(keys), Default::default(), TokenPolicy::default(), clock, None)
                .unwrap();
        let runner = Runner {
            store: db.store.clone(),
            policy: TokenPolicy::default(),
            threshold_15m: 10,
            actor: Actor { operator: "tester".into(), read_only: false },
            review_policy: Default::default(),
            tokens: Arc::new(tokens),
            sla: std::sync::Arc::new(b24ops::config::Config::default().sla.rules("UTC").unwrap()),
            token_settings: Arc::new(TokenSettings {
                expect: Expectations {
                    scopes: vec!["crm".into(), "im".into()],
                    placements: DEMO_PLACEMENTS.iter().map(|s| s.to_string()).collect(),
                },
                app_name: "Deal Sync".into(),
                pace: std::time::Duration::ZERO,
                ..Default::default()
            }),
            zone: chrono_tz::Tz::UTC,
            records: common::records_dir(),
            alerts: std::sync::Arc::new((
                b24ops::config::Config::default().alerts.rules().unwrap(),
                b24ops::services::settings::alert_context(&b24ops::config::Config::default()).unwrap(),
            )),
        };
        let state = console_state(false);
        Rig { state, runner, emu, db }
    }

    async fn send(&mut self, msg: Msg) {
        drive(&mut self.state, &self.runner, msg).await;
    }

    async fn key(&mut self, c: char) {
        let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).await;
    }

    fn rows(&self) -> &[b24ops::services::tokens::TokenRow] {
        match &self.state.tokens.list.rows {
            Loadable::Ready(rows) => rows,
            other => panic!("board not loaded: {other:?}"),
        }
    }

    fn select(&mut self, pred: impl Fn(&b24ops::services::tokens::TokenRow) -> bool) -> b24ops::model::MemberId {
        let i = self.rows().iter().position(pred).expect("a matching row");
        self.state.tokens.list.selected = i;
        self.rows()[i].portal.member_id.clone()
    }

    fn screen(&mut self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| views::draw(f, &mut self.state, &Theme::mono())).unwrap();
        let buf = t.backend().buffer();
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_diagnose_and_notify_from_the_tokens_tab() {
    let mut r = Rig::open().await;
    r.key('6').await;
    assert_eq!(r.state.screen, Screen::Tokens);
    let days: Vec<i64> = r.rows().iter().filter_map(|row| row.state.days_left).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "fewest days left first");
    assert!(r.screen(160, 40).contains("DEAD"));

    // A token near death: refresh it and see its days reset.
    let m = r.select(|row| matches!(row.state.class, TokenClass::Critical | TokenClass::Warning));
    r.key('r').await;
    let row = r.rows().iter().find(|row| row.portal.member_id == m).unwrap();
    assert_eq!(row.state.days_left, Some(180), "days reset after refresh");
    assert_eq!(row.portal.last_refresh_by.as_ref().unwrap().as_str(), "tester");
    assert!(r.state.flash.as_ref().unwrap().text.contains("refreshed"));

    // A dead one: the refresh says so and names what to do.
    r.select(|row| row.state.class == TokenClass::Dead);
    r.key('r').await;
    let f = r.state.flash.clone().unwrap();
    assert!(f.error && f.text.contains("invalid_grant") && f.text.contains("reinstall"), "{}", f.text);

    // Diagnose a portal that lost a placement: the pane names it, and the deprecated methods.
    let sick: Vec<String> = {
        let emu = r.emu.emulator.world.lock().await;
        emu.portals
            .values()
            .filter(|p| {
                p.bindings.len() == 1 && !p.spec.uninstalled && ["P", "S", "F"].contains(&p.spec.status.as_str())
            })
            .map(|p| p.spec.member_id.clone())
            .collect()
    };
    let target =
        r.select(|row| sick.contains(&row.portal.member_id.as_str().to_owned()) && row.state.class != TokenClass::Dead);
    let sick = target.as_str().to_owned();
    r.key('\n').await;
    let Some((_, Loadable::Ready(d))) = &r.state.tokens.diagnosis else { panic!("{:?}", r.state.tokens.diagnosis) };
    let problems = d.problems().join("\n");
    assert!(problems.contains("placements not bound: CRM_DEAL_LIST_MENU"), "{problems}");
    assert!(problems.contains("deprecated method(s) still called"), "{problems}");
    let text = r.screen(200, 60);
    assert!(text.contains("missing CRM_DEAL_LIST_MENU") && text.contains("deprecated → crm.item."), "{text}");

    // Notify its admin: the prepared text is shown first (what to fix, to whom), then sent,
    // seen by the portal and in the audit log.
    r.key('n').await;
    let Some(Overlay::Confirm { question, .. }) = &r.state.overlay else { panic!("asks first: {:?}", r.state.flash) };
    assert!(question.contains("CRM_DEAL_LIST_MENU") && question.contains("to user 1"), "{question}");
    assert!(r.emu.emulator.world.lock().await.notifications.is_empty(), "nothing sent before yes");
    r.key('y').await;
    assert!(r.state.flash.as_ref().unwrap().text.contains("notified user 1"), "{:?}", r.state.flash);
    let sent = r.emu.emulator.world.lock().await.notifications.clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].member_id, sick);
    assert!(sent[0].message.contains("Deal Sync"));
    let audit = r.db.store.audit_page(None, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"token.notify") && actions.contains(&"token.refresh"), "{actions:?}");
    for a in &audit {
        assert!(!format!("{a:?}").contains("tab-secret"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_everything_near_death_after_confirming() {
    let mut r = Rig::open().await;
    r.key('6').await;
    let before = r.state.tokens.counts.expect("the board loaded");
    assert!(before.critical + before.warning > 0);
    r.key('A').await;
    let Some(Overlay::Confirm { question, .. }) = &r.state.overlay else { panic!("asks first") };
    assert!(question.contains(&format!("Refresh {} portal(s)", before.critical + before.warning)), "{question}");
    r.key('y').await;
    let run = r.state.tokens.run.clone().unwrap();
    assert!(run.finished && run.total as i64 == before.critical + before.warning, "{run:?}");
    let after = r.state.tokens.counts.expect("the board loaded");
    assert_eq!(after.dead, before.dead, "dead tokens stay dead");
    assert!(after.critical + after.warning < before.critical + before.warning, "{after:?}");
    assert_eq!(after.critical + after.warning, (run.total - run.alive) as i64, "what failed is still listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_cannot_refresh_or_notify_but_can_diagnose() {
    let mut r = Rig::open().await;
    r.state.read_only = true;
    r.runner.actor.read_only = true;
    r.key('6').await;
    r.select(|row| matches!(row.state.class, TokenClass::Critical | TokenClass::Warning));
    r.key('r').await;
    assert!(r.state.flash.as_ref().unwrap().text.contains("read-only"));
    r.key('n').await;
    assert!(r.state.overlay.is_none());
    assert!(r.db.store.audit_page(None, 10).await.unwrap().is_empty(), "nothing written");
}
