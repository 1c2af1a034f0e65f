//! One filter on every tab: `/` narrows the tab in front with the same words everywhere, a piece
//! of a domain finds its portal, an empty result says the filter hides rows, Esc clears it.

use crate::common;

use b24ops::tui::runner::Runner;
use b24ops::tui::state::{AppState, Overlay, Screen, TABS};
use b24ops::tui::theme::Theme;
use b24ops::tui::update::{self, Msg};
use b24ops::tui::views;
use common::{TestDb, console_state, drive, seeded_db, test_runner};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A console on a seeded database, driven key by key.
pub(crate) struct Rig {
    pub state: AppState,
    pub runner: Runner,
    pub db: TestDb,
}

impl Rig {
    pub async fn new(calls: u64) -> Rig {
        let db = seeded_db(calls).await;
        let mut rig = Rig { state: console_state(false), runner: test_runner(&db.store, false), db };
        for fx in update::start(&mut rig.state) {
            let msg = rig.runner.execute(fx).await;
            drive(&mut rig.state, &rig.runner, msg).await;
        }
        rig
    }

    pub async fn press(&mut self, code: KeyCode) {
        drive(&mut self.state, &self.runner, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).await;
    }

    pub async fn ctrl(&mut self, c: char) {
        drive(&mut self.state, &self.runner, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))).await;
    }

    /// Empties the open prompt (Ctrl-U is undo in the text area).
    pub async fn clear(&mut self) {
        self.press(KeyCode::End).await;
        for _ in 0..200 {
            self.press(KeyCode::Backspace).await;
        }
    }

    pub async fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Opens the tab with number key `n`.
    pub async fn tab(&mut self, screen: Screen) {
        let key = TABS.iter().find(|(s, _, _)| *s == screen).map(|(_, k, _)| *k).unwrap();
        self.press(KeyCode::Char(key)).await;
        assert_eq!(self.state.screen, screen);
    }

    /// `/TEXT` Enter.
    pub async fn filter(&mut self, text: &str) {
        self.press(KeyCode::Char('/')).await;
        assert!(matches!(self.state.overlay, Some(Overlay::Filter(_))), "/ opens the filter prompt");
        // Start from an empty prompt whatever the tab's filter was.
        self.clear().await;
        self.typed(text).await;
        self.press(KeyCode::Enter).await;
    }

    pub fn screen_text(&mut self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| views::draw(f, &mut self.state, &Theme::mono())).unwrap();
        let buf = t.backend().buffer();
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
    }
}

/// A portal with failed tasks, and a piece of its domain that names it alone.
async fn portal_with_failed_tasks(rig: &Rig) -> (String, String) {
    let failed = rig.db.store.tasks_list(&b24ops::rules::task_filter::TaskFilter::default(), 500).await.unwrap();
    let t = failed.iter().find(|t| t.domain.is_some()).expect("seeded failed tasks with portals");
    let domain = t.domain.as_ref().unwrap().to_string();
    (t.member_id.as_ref().unwrap().as_str().to_owned(), domain)
}

#[tokio::test]
async fn a_domain_typed_on_tasks_finds_that_portals_failed_tasks() {
    let mut rig = Rig::new(1_000).await;
    let (member, domain) = portal_with_failed_tasks(&rig).await;
    rig.tab(Screen::Tasks).await;
    rig.filter(&domain).await;
    assert_eq!(rig.state.screen, Screen::Tasks, "the filter stays on Tasks");
    let rows = rig.state.tasks.list.rows.ready().unwrap();
    assert!(!rows.is_empty(), "{domain} has failed tasks");
    assert!(rows.iter().all(|t| t.member_id.as_ref().map(|m| m.as_str()) == Some(member.as_str())));
    let n = rows.len();
    let text = rig.screen_text(160, 34);
    assert!(!text.contains("all clear"), "{text}");
    assert!(text.contains(&format!("/ {domain} · {n} match")), "title shows filter and count:\n{text}");
    // A piece of the domain, through member:, finds the same portal.
    let piece = &domain[..domain.find('.').unwrap()];
    rig.filter(&format!("member:{piece}")).await;
    let rows = rig.state.tasks.list.rows.ready().unwrap();
    assert!(rows.iter().any(|t| t.member_id.as_ref().map(|m| m.as_str()) == Some(member.as_str())));
    assert!(rows.iter().all(|t| t.domain.as_ref().is_some_and(|d| d.as_str().contains(piece))));
}

#[tokio::test]
async fn slash_filters_the_tab_in_front_on_every_tab() {
    let mut rig = Rig::new(1_000).await;
    let (_, domain) = portal_with_failed_tasks(&rig).await;
    let piece = domain[..domain.find('.').unwrap()].to_owned();
    for (screen, _, _) in TABS {
        rig.tab(*screen).await;
        rig.filter(&format!("member:{piece}")).await;
        assert!(rig.state.overlay.is_none(), "{screen:?}: the filter was taken");
        assert_eq!(rig.state.screen, *screen, "/ on {screen:?} stays there");
        let shown = b24ops::tui::tab_filter::text(&rig.state, *screen);
        assert!(shown.contains(&piece), "{screen:?} holds the filter: {shown:?}");
        if *screen != Screen::Calls {
            assert!(rig.state.calls.filter.is_empty(), "/ on {screen:?} left the Calls filter alone");
        }
        let text = rig.screen_text(120, 34);
        assert!(text.contains(&format!("/ member:{piece}")), "{screen:?} title names the filter:\n{text}");
        // Esc clears it, on every tab.
        rig.press(KeyCode::Esc).await;
        assert!(b24ops::tui::tab_filter::text(&rig.state, *screen).is_empty(), "Esc clears on {screen:?}");
    }
}

#[tokio::test]
async fn a_piece_of_a_domain_narrows_tokens_in_sql() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Tokens).await;
    let all = rig.state.tokens.list.len();
    let domain = rig.state.tokens.list.rows.ready().unwrap()[all / 2].portal.domain.to_string();
    let piece = &domain[..domain.find('.').unwrap()];
    rig.filter(piece).await;
    let rows = rig.state.tokens.list.rows.ready().unwrap();
    assert!(!rows.is_empty() && rows.len() < all, "{piece}: {} of {all}", rows.len());
    assert!(rows.iter().any(|r| r.portal.domain.as_str() == domain));
    assert!(
        rows.iter().all(|r| r.portal.domain.as_str().contains(piece) || r.portal.member_id.as_str().contains(piece))
    );
}

#[tokio::test]
async fn an_empty_result_says_the_filter_hides_rows_and_esc_brings_them_back() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Reviews).await;
    let waiting = rig.state.reviews.list.len();
    assert!(waiting > 0, "seeded reviews await replies");
    rig.filter("member:no-such-portal-anywhere").await;
    assert_eq!(rig.state.reviews.list.len(), 0);
    let text = rig.screen_text(120, 34);
    assert!(text.contains("0 match member:no-such-portal-anywhere — Esc clears"), "{text}");
    assert!(!text.contains("all answered"), "{text}");
    rig.press(KeyCode::Esc).await;
    assert_eq!(rig.state.reviews.list.len(), waiting, "Esc brings every waiting review back");

    rig.tab(Screen::Tasks).await;
    rig.filter("no-such-portal.bitrix24.by").await;
    let text = rig.screen_text(120, 34);
    assert!(text.contains("0 match no-such-portal.bitrix24.by — Esc clears"), "{text}");
    assert!(!text.contains("all clear"), "{text}");
}

#[tokio::test]
async fn a_bad_filter_keeps_the_prompt_and_the_text() {
    let mut rig = Rig::new(300).await;
    rig.tab(Screen::Tickets).await;
    rig.filter("colour:red").await;
    match &rig.state.overlay {
        Some(Overlay::Filter(p)) => {
            assert_eq!(p.text(), "colour:red");
            assert!(p.error.as_deref().is_some_and(|e| e.contains("member:")), "{:?}", p.error);
        }
        other => panic!("the prompt stays open: {other:?}"),
    }
}

/// The store's reads narrowed by a piece of a domain, on every configured backend: each row they
/// give belongs to a portal whose domain or member_id holds the piece, and rows of that portal
/// are found.
#[tokio::test(flavor = "multi_thread")]
async fn a_piece_of_a_domain_is_matched_in_sql_on_every_backend() {
    use b24ops::rules::review_filter::ReviewFilter;
    use b24ops::rules::search::Search;
    use b24ops::rules::task_filter::TaskFilter;
    for db in common::seeded_everywhere(400).await {
        let s = &db.store;
        let failed = s.tasks_list(&TaskFilter::default(), 500).await.unwrap();
        let task = failed.iter().find(|t| t.domain.is_some()).unwrap();
        let domain = task.domain.as_ref().unwrap().to_string();
        let member = task.member_id.clone().unwrap();
        let piece = domain[..domain.find('.').unwrap()].to_uppercase();
        let hit = |m: Option<&b24ops::model::MemberId>| m == Some(&member);

        let found = s.portals_containing(&piece, 10).await.unwrap();
        assert!(found.iter().any(|p| p.member_id == member), "{}: portals_containing", db.url);
        let members: Vec<_> = found.iter().map(|p| p.member_id.clone()).collect();
        let of_piece = |m: Option<&b24ops::model::MemberId>| m.is_some_and(|m| members.contains(m));

        let tasks = TaskFilter { portal: Some(piece.to_lowercase()), ..TaskFilter::default() };
        let rows = s.tasks_list(&tasks, 500).await.unwrap();
        assert!(rows.iter().any(|t| hit(t.member_id.as_ref())) && rows.iter().all(|t| of_piece(t.member_id.as_ref())));
        let by_text = TaskFilter { error_text: Some(domain.clone()), ..TaskFilter::default() };
        let rows = s.tasks_list(&by_text, 500).await.unwrap();
        assert!(rows.iter().any(|t| hit(t.member_id.as_ref())), "{}: a domain as free text finds its tasks", db.url);

        let calls = b24ops::rules::call_filter::CallFilter { domain: Some(piece.to_lowercase()), ..Default::default() };
        let page = s.calls_page(&calls, b24ops::store::PageDirection::Latest, 200).await.unwrap();
        assert!(page.rows.iter().all(|c| members.contains(&c.member_id)), "{}: calls", db.url);

        let search = Search::parse(&format!("member:{piece}")).unwrap();
        let reviews = ReviewFilter { open_only: false, portal: search.portal.clone(), ..ReviewFilter::default() };
        for r in s.reviews_list(&reviews, 500).await.unwrap() {
            assert!(of_piece(r.member_id.as_ref()), "{}: reviews", db.url);
        }
        let tokens = s.portals_by_token_age_matching(&search, 1000).await.unwrap();
        assert!(tokens.iter().all(|p| members.contains(&p.member_id)), "{}: tokens", db.url);
        let tickets = s.tickets_matching(b24ops::store::TicketScope::All, &search, 500).await.unwrap();
        assert!(tickets.iter().all(|t| of_piece(t.member_id.as_ref())), "{}: tickets", db.url);
        for a in s.audit_matching(None, &search, 100).await.unwrap() {
            assert!(of_piece(a.member_id.as_ref()), "{}: audit", db.url);
        }
        // A free word finds the portal too, and words for nothing find nothing.
        let word = Search::parse(&domain).unwrap();
        assert!(
            s.portals_by_token_age_matching(&word, 1000).await.unwrap().iter().all(|p| members.contains(&p.member_id))
        );
        let none = Search::parse("member:zz-no-such-portal").unwrap();
        assert!(s.tickets_matching(b24ops::store::TicketScope::All, &none, 10).await.unwrap().is_empty());
        assert!(s.portals_blocked_matching(&none, 10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn palette_portal_takes_a_piece_of_a_domain_with_a_pick_list() {
    let mut rig = Rig::new(300).await;
    let many = rig.db.store.portals_containing("bitrix24.by", 20).await.unwrap();
    assert!(many.len() > 1, "the seed has several .by portals");
    rig.press(KeyCode::Char(':')).await;
    rig.typed("portal bitrix24.by").await;
    rig.press(KeyCode::Enter).await;
    let Some(Overlay::PickPortal { prompt, .. }) = &rig.state.overlay else {
        panic!("several match: a pick list, not a guess: {:?}", rig.state.overlay)
    };
    assert_eq!(prompt.options.len(), many.len());
    let text = rig.screen_text(120, 34);
    assert!(text.contains(many[0].domain.as_str()), "the list shows domains:\n{text}");
    rig.press(KeyCode::Down).await;
    rig.press(KeyCode::Enter).await;
    assert_eq!(rig.state.screen, Screen::Portal);
    assert_eq!(rig.state.portal.as_ref().unwrap().label, many[1].member_id.as_str());

    // One match is taken at once: `:member` shows that portal's calls.
    let one = many[0].domain.to_string();
    let piece = &one[..one.find('.').unwrap()];
    rig.press(KeyCode::Char(':')).await;
    rig.typed(&format!("member {piece}")).await;
    rig.press(KeyCode::Enter).await;
    assert_eq!(rig.state.screen, Screen::Calls);
    assert_eq!(rig.state.calls.filter.member_id.as_ref(), Some(&many[0].member_id));
}
