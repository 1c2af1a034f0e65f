//! The Tasks tab over the queues PHP apps already run, proved with the real frameworks: a Laravel
//! app's jobs fail into its own `failed_jobs` under its own worker; b24ops lists them by portal,
//! restarts and forgets them as `queue:retry` / `queue:forget` do, and the worker runs each
//! restarted job exactly once. On SQLite, PostgreSQL and MariaDB.

use crate::common;
#[path = "../php/harness.rs"]
pub(crate) mod harness;

use b24ops::config::TasksConfig;
use b24ops::rules::task_filter::TaskFilter;
use b24ops::services::tasks::{Actor, act_on, act_on_matching};
use b24ops::store::{OpenMode, Store, TaskAction, TaskSource, WriteOutcome};
use chrono::Utc;
use common::{Backend, backends, empty_on};
use harness::{Laravel, php_ready};

const M1: &str = "0123456789abcdef0123456789abcdef";
const M2: &str = "fedcba9876543210fedcba9876543210";

fn laravel_cfg() -> TasksConfig {
    TasksConfig { adapter: "laravel".into(), ..TasksConfig::default() }
}

pub(crate) fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

pub(crate) async fn open(url: &str, cfg: &TasksConfig) -> Store {
    Store::connect(url, OpenMode::Existing).await.unwrap().with_tasks(TaskSource::from_config(cfg).unwrap())
}

pub(crate) async fn exec(url: &str, sql: &str) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
}

pub(crate) fn failed() -> TaskFilter {
    TaskFilter::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laravel_database_jobs_fail_restart_once_and_run_once() {
    if !php_ready("the Laravel database-queue test") {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let app = Laravel::new(&db.url, &[]);
        app.push(&[M1, M2, ""]);
        app.work("database", true);
        let store = open(&db.url, &laravel_cfg()).await;

        let list = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(list.len(), 3, "{name}: three jobs failed into failed_jobs");
        assert!(list.iter().all(|t| t.kind.as_str() == "App\\Jobs\\SyncDeals" && t.status.as_str() == "failed"));
        assert!(list.iter().all(|t| t.last_error.as_ref().unwrap().as_str().contains("QUERY_LIMIT_EXCEEDED")));
        assert!(list.iter().all(|t| !t.last_error.as_ref().unwrap().as_str().contains("second line")));
        let of = |m: &str| list.iter().find(|t| t.member_id.as_ref().map(|x| x.as_str()) == Some(m)).unwrap().id;
        let (j1, j2) = (of(M1), of(M2));
        let orphan = list.iter().find(|t| t.member_id.is_none()).expect("the job with no portal is listed").id;
        let mine = TaskFilter { member_id: Some(b24ops::model::MemberId::parse(M1).unwrap()), ..failed() };
        let by_portal = store.tasks_list(&mine, 100).await.unwrap();
        assert_eq!(by_portal.iter().map(|t| t.id).collect::<Vec<_>>(), vec![j1], "{name}: a portal's failed jobs");
        let detail = store.task_detail(j1).await.unwrap().unwrap();
        assert!(detail.last_error.unwrap().as_str().contains("second line"), "the whole exception in the detail");
        assert!(detail.status.as_str().contains("database/default"));

        // Two consoles (two pools) restart the same job at once: it is queued once.
        let other = open(&db.url.replace("?mode=rwc", ""), &laravel_cfg()).await;
        let one = [j1];
        let (al, bob) = (alice(), Actor { operator: "bob".into(), read_only: false });
        let (a, c) = tokio::join!(
            act_on(&store, &al, TaskAction::Restart, &one, Utc::now()),
            act_on(&other, &bob, TaskAction::Restart, &one, Utc::now()),
        );
        let outcomes = [a.unwrap()[0].1.clone(), c.unwrap()[0].1.clone()];
        assert_eq!(outcomes.iter().filter(|o| **o == WriteOutcome::Changed).count(), 1, "{name}: {outcomes:?}");
        let queued = store.tasks_list(&TaskFilter { status: Some("queued".into()), ..failed() }, 100).await.unwrap();
        assert_eq!(queued.len(), 1, "{name}: one job back in `jobs`");
        assert!(queued[0].id < 0 && queued[0].member_id.as_ref().unwrap().as_str() == M1);
        assert_eq!(
            act_on(&store, &alice(), TaskAction::Restart, &[queued[0].id], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Unchanged("queued".into()),
            "a queued job is not restarted again"
        );

        // Forget the portal-less one; the worker then runs exactly the restarted job, once.
        let forgot = act_on(&store, &alice(), TaskAction::Discard, &[orphan, 999_999], Utc::now()).await.unwrap();
        assert_eq!(forgot[0].1, WriteOutcome::Changed);
        assert_eq!(forgot[1].1, WriteOutcome::Missing);
        app.work("database", false);
        let ran = app.processed();
        assert_eq!(ran.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), vec![M1], "{name}: ran once: {ran:?}");
        app.work("database", false);
        assert_eq!(app.processed().len(), 1, "{name}: nothing runs twice");

        let left = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(left.iter().map(|t| t.id).collect::<Vec<_>>(), vec![j2]);
        let audit = store.audit_page(None, 10).await.unwrap();
        assert_eq!(audit.len(), 2, "{name}: one audit row per change");
        assert!(audit.iter().any(|r| r.action.as_str() == "task.restart"
            && r.member_id.as_ref().map(|m| m.as_str()) == Some(M1)
            && r.after.as_ref().unwrap().as_str().contains("jobs")));
        assert!(audit.iter().any(|r| r.action.as_str() == "task.discard"));

        // Read-only refuses; bulk restart by portal takes the rest.
        let ro = Actor { operator: "carol".into(), read_only: true };
        assert!(act_on(&store, &ro, TaskAction::Restart, &[j2], Utc::now()).await.is_err());
        let report =
            act_on_matching(&store, &alice(), TaskAction::Restart, &failed(), Utc::now(), |_| {}).await.unwrap();
        assert_eq!((report.total, report.changed), (1, 1));
        app.work("database", false);
        assert_eq!(app.processed().iter().filter(|(_, m)| m == M2).count(), 1);
        store.close().await;
        other.close().await;
    }
}

/// Rows the app's own workers would never write, and a row deleted between list and restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_laravel_rows_are_shown_and_refused_without_changing_anything() {
    if !php_ready("the Laravel bad-input test") {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let app = Laravel::new(&db.url, &[]);
        exec(
            &db.url,
            "INSERT INTO failed_jobs (uuid, connection, queue, payload, exception, failed_at) VALUES
             ('u-json', 'database', 'default', 'not json at all', 'Error: x', '2026-11-24 10:00:00'),
             ('u-sqs', 'sqs', 'default', '{\"displayName\":\"Mail\",\"data\":{\"command\":\"O:1:X\"}}', 'Error: y', '2026-11-24 10:00:00'),
             ('u-gone', 'database', 'default', '{\"displayName\":\"Gone\"}', 'Error: z', '2026-11-24 10:00:00')",
        )
        .await;
        let store = open(&db.url, &laravel_cfg()).await;
        let list = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(list.len(), 3, "{name}");
        let id = |k: &str| list.iter().find(|t| t.kind.as_str().contains(k)).unwrap().id;
        let (bad, sqs, gone) = (id("not JSON"), id("Mail"), id("Gone"));
        assert!(store.task_detail(bad).await.unwrap().unwrap().payload_invalid_json);
        let out = act_on(&store, &alice(), TaskAction::Restart, &[bad, sqs], Utc::now()).await.unwrap();
        assert!(matches!(&out[0].1, WriteOutcome::Refused(w) if w.contains("not JSON")), "{out:?}");
        assert!(matches!(&out[1].1, WriteOutcome::Refused(w) if w.contains("queue:retry")), "{out:?}");
        exec(&db.url, "DELETE FROM failed_jobs WHERE uuid = 'u-gone'").await;
        assert_eq!(
            act_on(&store, &alice(), TaskAction::Restart, &[gone], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Missing
        );
        assert_eq!(store.tasks_list(&failed(), 100).await.unwrap().len(), 2, "{name}: nothing else changed");
        assert_eq!(store.tasks_count(&TaskFilter { status: Some("queued".into()), ..failed() }).await.unwrap(), 0);
        assert!(store.audit_page(None, 10).await.unwrap().is_empty(), "{name}: no change, no audit row");
        drop(app);
        store.close().await;
    }
}

/// A job with a `retryUntil()` deadline: b24ops refreshes it only when told the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_until_deadline_is_refreshed_as_queue_retry_does() {
    if !php_ready("the Laravel retryUntil test") {
        return;
    }
    let db = empty_on(&Backend::Sqlite).await;
    let app = Laravel::new(&db.url, &[]);
    app.artisan(&["app:push", M1, "--until=1"], false);
    app.work("database", true);
    let store = open(&db.url, &laravel_cfg()).await;
    let id = store.tasks_list(&failed(), 10).await.unwrap()[0].id;
    let out = act_on(&store, &alice(), TaskAction::Restart, &[id], Utc::now()).await.unwrap();
    assert!(matches!(&out[0].1, WriteOutcome::Refused(w) if w.contains("retry_until_secs")), "{out:?}");
    let told = open(&db.url, &TasksConfig { retry_until_secs: 600, ..laravel_cfg() }).await;
    assert_eq!(
        act_on(&told, &alice(), TaskAction::Restart, &[id], Utc::now()).await.unwrap()[0].1,
        WriteOutcome::Changed
    );
    app.work("database", false);
    assert_eq!(app.processed().len(), 1, "the refreshed deadline let the worker run it");
}

/// Laravel's redis driver: the failed job goes back onto the Redis list, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laravel_redis_jobs_are_pushed_back_once() {
    if !php_ready("the Laravel redis-queue test") {
        return;
    }
    let port = std::env::var("B24OPS_TEST_REDIS_PORT").unwrap_or_else(|_| "6379".into());
    let prefix = format!("b24ops_t{}_", std::process::id());
    let env = [("QUEUE_CONNECTION", "redis"), ("REDIS_PORT", port.as_str()), ("REDIS_PREFIX", prefix.as_str())];
    let db = empty_on(&Backend::Sqlite).await;
    let app = Laravel::new(&db.url, &env);
    app.push(&[M1, M2]);
    app.work("redis", true);
    let cfg =
        TasksConfig { redis_url: format!("redis://127.0.0.1:{port}"), redis_prefix: prefix.clone(), ..laravel_cfg() };
    let store = open(&db.url, &cfg).await;
    let other = open(&db.url, &cfg).await;
    let list = store.tasks_list(&failed(), 10).await.unwrap();
    assert_eq!(list.len(), 2);
    let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
    let (al, bob) = (alice(), Actor { operator: "bob".into(), read_only: false });
    let (a, c) = tokio::join!(
        act_on(&store, &al, TaskAction::Restart, &ids, Utc::now()),
        act_on(&other, &bob, TaskAction::Restart, &ids, Utc::now()),
    );
    let changed = a.unwrap().into_iter().chain(c.unwrap()).filter(|(_, o)| *o == WriteOutcome::Changed).count();
    assert_eq!(changed, 2, "each job restarted once between two consoles");
    app.work("redis", false);
    let mut ran: Vec<String> = app.processed().into_iter().map(|(_, m)| m).collect();
    ran.sort();
    assert_eq!(ran, vec![M1.to_owned(), M2.to_owned()], "each ran exactly once");
    assert!(store.tasks_list(&failed(), 10).await.unwrap().is_empty());

    let unset = open(&db.url, &laravel_cfg()).await;
    app.push(&[M1]);
    app.work("redis", true);
    let id = unset.tasks_list(&failed(), 10).await.unwrap()[0].id;
    let out = act_on(&unset, &alice(), TaskAction::Restart, &[id], Utc::now()).await.unwrap();
    assert!(matches!(&out[0].1, WriteOutcome::Refused(w) if w.contains("redis_url")), "{out:?}");
}
