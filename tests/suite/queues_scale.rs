//! A portal's failed jobs in a large framework failure store: without the app's member index a
//! portal filter searches a bounded window of the newest ids; with the generated column that
//! `b24ops tasks member-index` prints (added by the app's own migration), it reads that index and
//! finds every job. The real Laravel and Symfony workers keep working on a table that has it.

use crate::common;

use crate::queues::harness::{Laravel, Symfony, php_ready};
use crate::queues::{alice, exec, failed, open};
use b24ops::config::TasksConfig;
use b24ops::model::MemberId;
use b24ops::rules::task_filter::TaskFilter;
use b24ops::services::tasks::act_on;
use b24ops::store::{
    FixturePortals, MEMBER_SCAN_IDS, QueueShape, SerializedAs, TaskAction, WriteOutcome, member_column_ddl,
};
use chrono::Utc;
use common::{backends, empty_on};

const M1: &str = "0123456789abcdef0123456789abcdef";
const M2: &str = "fedcba9876543210fedcba9876543210";
/// An id far above the window's reach from the table's first rows.
const LATE: i64 = 300_000;

fn cfg(adapter: &str, table: &str, column: &str) -> TasksConfig {
    TasksConfig {
        adapter: adapter.into(),
        failed_table: table.into(),
        messages_table: table.into(),
        member_column: column.into(),
        ..TasksConfig::default()
    }
}

fn of(member: &str) -> TaskFilter {
    TaskFilter { member_id: Some(MemberId::parse(member).unwrap()), ..failed() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_apps_index_a_window_is_searched_and_with_it_every_job() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        for (shape, table, text, adapter, copy) in [
            (
                QueueShape::Laravel,
                "scale_failed_jobs",
                "payload",
                "laravel",
                "uuid, connection, queue, payload, exception, failed_at",
            ),
            (
                QueueShape::Symfony,
                "scale_messages",
                "body",
                "symfony",
                "body, headers, queue_name, created_at, available_at, delivered_at",
            ),
        ] {
            // Ten jobs (ids 1–10) of ten portals, the 8th M1's; then M1's again at a late id.
            let portals = FixturePortals { common: 10, rare_every: 1_000_000, rare: M1.into() };
            db.store.create_queue_fixture(shape, table).await.unwrap();
            db.store.fill_queue_fixture(shape, table, 10, &portals).await.unwrap();
            let columns = copy.replacen("uuid", "'late'", 1);
            exec(
                &db.url,
                &format!("INSERT INTO {table} (id, {copy}) SELECT {LATE}, {columns} FROM {table} WHERE id = 8"),
            )
            .await;

            let windowed = open(&db.url, &cfg(adapter, table, "")).await;
            assert_eq!(windowed.task_source().member_scan_window(), Some(MEMBER_SCAN_IDS));
            assert_eq!(
                windowed.tasks_list(&failed(), 100).await.unwrap().len(),
                11,
                "{name} {adapter}: the first page"
            );
            let found: Vec<i64> = windowed.tasks_list(&of(M1), 100).await.unwrap().iter().map(|t| t.id).collect();
            assert_eq!(found, vec![LATE], "{name} {adapter}: only the newest {MEMBER_SCAN_IDS} ids are searched");
            // The alert's count stops at its cap; the bulk confirmation's is exact.
            assert_eq!(windowed.tasks_count(&failed()).await.unwrap(), 11, "{name} {adapter}: exact count");
            assert_eq!(windowed.tasks_count_upto(&failed(), Some(4)).await.unwrap(), 4, "{name} {adapter}: capped");
            assert_eq!(
                windowed.tasks_count_upto(&failed(), Some(50)).await.unwrap(),
                11,
                "{name} {adapter}: under the cap"
            );

            let ddl = member_column_ddl(db.store.dialect(), table, text, "memberId", SerializedAs::Php, "member_id");
            db.store.run_fixture_ddl(&ddl).await.unwrap();
            let indexed = open(&db.url, &cfg(adapter, table, "member_id")).await;
            assert_eq!(indexed.task_source().member_scan_window(), None);
            let found: Vec<i64> = indexed.tasks_list(&of(M1), 100).await.unwrap().iter().map(|t| t.id).collect();
            assert_eq!(found, vec![LATE, 8], "{name} {adapter}: the app's index finds every job, newest first");
            let other = format!("{:032}", 3);
            let found: Vec<i64> = indexed.tasks_list(&of(&other), 100).await.unwrap().iter().map(|t| t.id).collect();
            assert_eq!(found, vec![4], "{name} {adapter}: each row's generated member_id is its own");
            if adapter == "laravel" {
                the_tasks_tab_says_a_window_was_searched(&windowed, &indexed).await;
            }
            windowed.close().await;
            indexed.close().await;
        }
    }
}

/// The console on each store: a portal filter on the windowed one says in the Tasks title that
/// only the newest ids were searched; the indexed one, and the unfiltered list, say nothing.
async fn the_tasks_tab_says_a_window_was_searched(windowed: &b24ops::store::Store, indexed: &b24ops::store::Store) {
    use b24ops::tui::screen::Screen;
    let title = |store: &b24ops::store::Store, portal: bool| {
        let cfg = b24ops::config::Config::default();
        let mut console = b24ops::tui::setup::setup(store.clone(), &cfg, b24ops::clock::Clock::System).unwrap();
        let state = &mut console.state;
        state.screen = Screen::Tasks;
        if portal {
            state.tasks.filter.member_id = Some(MemberId::parse(M1).unwrap());
        }
        state.tasks.list.rows = b24ops::tui::loadable::Loadable::Ready(Vec::new());
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 20)).unwrap();
        term.draw(|f| b24ops::tui::views::draw(f, state, &b24ops::tui::theme::Theme::mono())).unwrap();
        let buf = term.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_owned()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let note = format!("portal searched in the newest {} job ids only", "200,000");
    assert!(title(windowed, true).contains(&note), "the windowed store's filter says so:\n{}", title(windowed, true));
    assert!(!title(windowed, false).contains(&note), "no portal filter, no note");
    assert!(!title(indexed, true).contains(&note), "the app's member column searches every job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_workers_keep_working_with_the_member_column() {
    if !php_ready("the member-index test") {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let d = db.store.dialect();
        let name = d.name();

        // Laravel: the column added after its own migration; jobs fail into it, one restarts.
        let app = Laravel::new(&db.url, &[]);
        let ddl = member_column_ddl(d, "failed_jobs", "payload", "memberId", SerializedAs::Php, "member_id");
        db.store.run_fixture_ddl(&ddl).await.unwrap();
        app.push(&[M1, M2, ""]);
        app.work("database", true);
        let store = open(&db.url, &cfg("laravel", "failed_jobs", "member_id")).await;
        let mine = store.tasks_list(&of(M1), 100).await.unwrap();
        assert_eq!(mine.len(), 1, "{name}: Laravel's failed job found through the index");
        let done = act_on(&store, &alice(), TaskAction::Restart, &[mine[0].id], Utc::now()).await.unwrap();
        assert_eq!(done[0].1, WriteOutcome::Changed);
        app.work("database", false);
        assert_eq!(app.processed().iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), vec![M1], "{name}: ran once");
        store.close().await;

        // Symfony: the same on messenger_messages.body; the worker handles the restarted message.
        let sf = Symfony::new(&db.url);
        let ddl = member_column_ddl(d, "messenger_messages", "body", "memberId", SerializedAs::Php, "member_id");
        db.store.run_fixture_ddl(&ddl).await.unwrap();
        sf.push(&[M1, M2]);
        sf.consume(true);
        let store = open(&db.url, &cfg("symfony", "messenger_messages", "member_id")).await;
        let mine = store.tasks_list(&of(M2), 100).await.unwrap();
        assert_eq!(mine.len(), 1, "{name}: Messenger's failed message found through the index");
        let done = act_on(&store, &alice(), TaskAction::Restart, &[mine[0].id], Utc::now()).await.unwrap();
        assert_eq!(done[0].1, WriteOutcome::Changed);
        sf.consume(false);
        assert_eq!(sf.processed(), vec![M2.to_owned()], "{name}: handled once");
        store.close().await;
    }
}

#[test]
fn tasks_member_index_prints_the_ddl_for_the_configured_backend_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("app.db").display());
    let env = [("B24OPS_TASKS__ADAPTER", "symfony"), ("B24OPS_DATABASE_URL", db.as_str())];
    let out = common::process::run_b24ops(dir.path(), &["tasks", "member-index", "--json-serializer"], &env, b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(r#"ALTER TABLE messenger_messages ADD COLUMN member_id TEXT GENERATED ALWAYS AS (substr(body, nullif(instr(body, '"memberId":"'), 0) + 12, 32)) VIRTUAL;"#), "{text}");
    assert!(
        text.contains("CREATE INDEX messenger_messages_member_id ON messenger_messages (member_id, id);"),
        "{text}"
    );
    assert!(text.contains(r#"member_column = "member_id""#), "{text}");
    let native = common::process::run_b24ops(
        dir.path(),
        &["tasks", "member-index"],
        &[("B24OPS_DATABASE_URL", db.as_str())],
        b"",
    );
    assert!(!native.status.success(), "b24ops_tasks needs no such index");
    let bad = common::process::run_b24ops(dir.path(), &["tasks", "member-index", "--column", "x; DROP"], &env, b"");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a plain SQL name"));
}
